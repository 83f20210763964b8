"""Evaluation of the ``techniques`` stage on the Propaganda Techniques Corpus (PTC).

SemEval-2020 Task 11's two measures:

* **SI** (span identification), the task's partial-overlap precision and recall: with
  predicted spans S and gold spans T of an article (overlapping spans merged, as the
  official scorer does), precision = Σ_s Σ_t |s∩t| / |s| over |S| and recall =
  Σ_t Σ_s |s∩t| / |t| over |T|, summed over all articles; F1 is their harmonic mean.
* **TC** (technique classification), micro-F1 over gold spans: each span of the template
  gets one technique; a span the gold labels with two techniques is listed twice and the
  second copy gets the model's second choice.

A folder to evaluate has ``articles/article<ID>.txt`` and optionally ``labels-si/`` and
``labels-tc/`` (``<ID>\\t<technique>\\t<start>\\t<end>``); ``cross_validate`` reports the
same measures, per technique too, on articles held out from training.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from newswatch.enrich.technique_model import (
    TECHNIQUES,
    Decoding,
    TechniqueModel,
    TechniqueSpan,
    saved_decoding,
)
from newswatch.enrich.technique_training import (
    LabelledText,
    Members,
    as_model,
    class_counts,
    folds,
    merge_spans,
)
from newswatch.errors import NewswatchError
from newswatch.evaluation.metrics import precision_recall_f1

_ARTICLE = re.compile(r"article(\w+)\.txt$")
DECODINGS = tuple(
    Decoding(threshold, peak, min_pieces)
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
    for peak in (0.0, 0.4, 0.5, 0.6, 0.7)
    if peak == 0.0 or peak > threshold
    for min_pieces in (2, 3)
)
"""The decodings cross-validation compares; the shipped model uses the best."""
MEMBERS = 1
"""Networks in the shipped ensemble."""

Span = tuple[int, int]


# ---------------------------------------------------------------------------------------
# Reading PTC folders


def read_articles(data: Path) -> dict[str, str]:
    """``articles/article<ID>.txt`` by ID (PTC's own encoding: UTF-8, offsets in chars)."""
    folder = data / "articles"
    if not folder.is_dir():
        raise NewswatchError(f"{data} has no articles/ folder; expected articles/article<ID>.txt")
    found = {}
    for path in sorted(folder.glob("article*.txt")):
        match = _ARTICLE.search(path.name)
        if match:
            found[match.group(1)] = path.read_text(encoding="utf-8")
    if not found:
        raise NewswatchError(f"{folder} holds no article<ID>.txt files")
    return found


def read_tc_lines(path: Path) -> list[tuple[str, str, int, int]]:
    """(ID, technique or '?', start, end) lines of a TC label or template file."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise NewswatchError(
                f"{path}:{number}: expected <ID>\\t<technique>\\t<start>\\t<end>, got {line!r}"
            )
        rows.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
    return rows


def read_gold(data: Path) -> tuple[dict[str, list[Span]] | None, list[tuple[str, str, int, int]]]:
    """Gold SI spans by article (None without ``labels-si/``) and gold TC lines."""
    si: dict[str, list[Span]] | None = None
    if (data / "labels-si").is_dir():
        si = defaultdict(list)
        for path in sorted((data / "labels-si").glob("*.labels")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    article, start, end = line.split("\t")[:3]
                    si[article].append((int(start), int(end)))
    tc: list[tuple[str, str, int, int]] = []
    if (data / "labels-tc").is_dir():
        for path in sorted((data / "labels-tc").glob("*.labels")):
            tc += read_tc_lines(path)
    return si, tc


def labelled_texts(data: Path) -> list[LabelledText]:
    """Articles with their gold technique spans (training and cross-validation input)."""
    articles = read_articles(data)
    _, tc = read_gold(data)
    if not tc:
        raise NewswatchError(f"{data} has no labels-tc/ files to train on")
    spans: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for article, technique, start, end in tc:
        if technique not in TECHNIQUES:
            raise NewswatchError(f"{data}: unknown technique {technique!r} in article {article}")
        spans[article].append((technique, start, end))
    return [LabelledText(i, text, tuple(spans[i])) for i, text in articles.items()]


# ---------------------------------------------------------------------------------------
# Scoring


def si_scores(predicted: dict[str, list[Span]], gold: dict[str, list[Span]]) -> dict[str, Any]:
    """The task's partial-overlap SI precision, recall and F1."""
    precision_sum = recall_sum = 0.0
    n_predicted = n_gold = 0
    for article in set(predicted) | set(gold):
        mine, theirs = merge_spans(predicted.get(article, [])), merge_spans(gold.get(article, []))
        n_predicted, n_gold = n_predicted + len(mine), n_gold + len(theirs)
        for s_start, s_end in mine:
            for t_start, t_end in theirs:
                overlap = min(s_end, t_end) - max(s_start, t_start)
                if overlap > 0:
                    precision_sum += overlap / (s_end - s_start)
                    recall_sum += overlap / (t_end - t_start)
    precision = precision_sum / n_predicted if n_predicted else 0.0
    recall = recall_sum / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "si_precision": round(precision, 4),
        "si_recall": round(recall, 4),
        "si_f1": round(f1, 4),
        "si_predicted_spans": n_predicted,
        "si_gold_spans": n_gold,
    }


def tc_scores(
    predicted: Sequence[tuple[str, str, int, int]], gold: Sequence[tuple[str, str, int, int]]
) -> dict[str, Any]:
    """Micro-F1 of techniques on spans, and precision/recall/F1/support per technique."""
    by_span_gold: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    by_span_predicted: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for article, technique, start, end in gold:
        by_span_gold[(article, start, end)][technique] += 1
    for article, technique, start, end in predicted:
        by_span_predicted[(article, start, end)][technique] += 1
    hits: Counter[str] = Counter()
    for key, labels in by_span_predicted.items():
        hits.update(labels & by_span_gold.get(key, Counter()))
    guessed = Counter(t for _, t, _, _ in predicted)
    support = Counter(t for _, t, _, _ in gold)
    p, r, f1 = precision_recall_f1(sum(hits.values()), len(predicted), len(gold))
    per_technique = {}
    for technique in TECHNIQUES:
        tp, tr, tf = precision_recall_f1(hits[technique], guessed[technique], support[technique])
        per_technique[technique] = {
            "precision": round(tp, 4),
            "recall": round(tr, 4),
            "f1": round(tf, 4),
            "support": support[technique],
        }
    return {
        "tc_micro_f1": round(f1, 4),
        "tc_precision": round(p, 4),
        "tc_recall": round(r, 4),
        "tc_spans": len(gold),
        "tc_per_technique": per_technique,
    }


# ---------------------------------------------------------------------------------------
# Predicting


def label_template(
    model: TechniqueModel, texts: dict[str, str], template: Sequence[tuple[str, str, int, int]]
) -> list[tuple[str, str, int, int]]:
    """The template's lines with a technique each; a span listed k times gets the model's
    k best techniques, in order."""
    spans: dict[str, list[Span]] = defaultdict(list)
    for article, _, start, end in template:
        if article not in texts:
            raise NewswatchError(f"the template names article {article}, which is not in articles/")
        if (start, end) not in spans[article]:
            spans[article].append((start, end))
    ids = list(spans)
    probabilities = model.classify([texts[i] for i in ids], [spans[i] for i in ids])
    ranked = {
        (article, *span): list(np.argsort(-row))
        for article, rows in zip(ids, probabilities, strict=True)
        for span, row in zip(spans[article], rows, strict=True)
    }
    seen: Counter[tuple[str, int, int]] = Counter()
    labelled = []
    for article, _, start, end in template:
        key = (article, start, end)
        choice = ranked[key][min(seen[key], len(TECHNIQUES) - 1)]
        seen[key] += 1
        labelled.append((article, TECHNIQUES[choice], start, end))
    return labelled


def _si_dict(ids: Sequence[str], found: Sequence[Sequence[TechniqueSpan]]) -> dict[str, list[Span]]:
    return {i: [(s.start, s.end) for s in spans] for i, spans in zip(ids, found, strict=True)}


def evaluate_ptc(data: Path, out: Path, template: Path | None = None) -> dict[str, Any] | None:
    """Write ``out/si.txt`` (and ``out/tc.txt`` for a template); scores where labels exist."""
    from newswatch.enrich.technique_model import load_technique_model

    texts = read_articles(data)
    gold_si, gold_tc = read_gold(data)
    model = load_technique_model()
    started = time.perf_counter()
    ids = list(texts)
    found = model.find([texts[i] for i in ids])
    out.mkdir(parents=True, exist_ok=True)
    with (out / "si.txt").open("w", encoding="utf-8") as handle:
        for article, spans in zip(ids, found, strict=True):
            for span in spans:
                handle.write(f"{article}\t{span.start}\t{span.end}\n")
    lines = read_tc_lines(template) if template else gold_tc
    labelled = label_template(model, texts, lines) if lines else []
    if template:
        with (out / "tc.txt").open("w", encoding="utf-8") as handle:
            handle.writelines(f"{a}\t{t}\t{s}\t{e}\n" for a, t, s, e in labelled)
    if gold_si is None and not gold_tc:
        return None
    report: dict[str, Any] = {"articles": len(ids)}
    if gold_si is not None:
        report |= si_scores(_si_dict(ids, found), gold_si)
    if gold_tc:
        report |= tc_scores(labelled, gold_tc)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


# ---------------------------------------------------------------------------------------
# Cross-validation


def cross_validate(
    texts: Sequence[LabelledText],
    k: int = 3,
    *,
    members: int = MEMBERS,
    epochs: int = 4,
    seed: int = 0,
    only_folds: Sequence[int] | None = None,
    trainer: Members | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """SI and TC scores on articles held out from training, ``k`` folds by article.

    SI is reported for every decoding in ``DECODINGS``; the shipped model uses the one
    with the best cross-validated F1. Because that choice sees the held-out articles,
    ``si_nested`` also scores each fold with the decoding chosen on the other folds.
    ``si_first_member`` is the best SI of the ensemble's first member alone.
    """
    if trainer is None:
        with Members(texts, members, epochs) as own:
            return cross_validate(texts, k, members=members, epochs=epochs, seed=seed,
                                  only_folds=only_folds, trainer=own, log=log)  # fmt: skip
    members, epochs = trainer.members, trainer.epochs
    started = time.perf_counter()
    si_predicted: dict[Decoding, dict[str, list[Span]]] = {d: {} for d in DECODINGS}
    si_first: dict[Decoding, dict[str, list[Span]]] = {d: {} for d in DECODINGS}
    tc_predicted: list[tuple[str, str, int, int]] = []
    held_out: list[LabelledText] = []
    groups: list[list[str]] = []
    for number, fold in enumerate(folds(texts, k, seed)):
        if only_folds is not None and number not in only_folds:
            continue
        log(f"fold {number + 1}/{k}: training {_networks(members)} on "
            f"{len(texts) - len(fold)} articles")  # fmt: skip
        keep = set(fold)
        networks = trainer.fit([i for i in range(len(texts)) if i not in keep])
        model = as_model(networks, DECODINGS[0])
        test = [texts[i] for i in fold]
        held_out += test
        groups.append([t.id for t in test])
        for decoding, found in model.sweep([t.text for t in test], DECODINGS).items():
            si_predicted[decoding] |= dict(zip(groups[-1], found, strict=True))
        if members > 1:
            first = as_model(networks[:1], DECODINGS[0])
            for decoding, found in first.sweep([t.text for t in test], DECODINGS).items():
                si_first[decoding] |= dict(zip(groups[-1], found, strict=True))
        gold_lines = _gold_tc(test)
        tc_predicted += label_template(model, {t.id: t.text for t in test}, gold_lines)
        log(f"fold {number + 1}: {_fold_summary(si_predicted, tc_predicted, held_out)}")
    gold_si = _gold_si(held_out)
    gold_tc = _gold_tc(held_out)
    by_decoding = {d: si_scores(si_predicted[d], gold_si) for d in DECODINGS}
    best = max(DECODINGS, key=lambda d: by_decoding[d]["si_f1"])
    counts = class_counts(held_out)
    return {
        "folds": k,
        "evaluated_folds": sorted(only_folds) if only_folds is not None else list(range(k)),
        "articles": len(held_out),
        "epochs": epochs,
        "members": members,
        "decoding": asdict(best),
        **by_decoding[best],
        "si_nested": _nested_si(si_predicted, gold_si, groups) if len(groups) > 1 else None,
        "si_by_decoding": {str(d): s["si_f1"] for d, s in by_decoding.items()},
        "si_first_member": (
            max(si_scores(si_first[d], gold_si)["si_f1"] for d in DECODINGS)
            if members > 1
            else None
        ),
        **tc_scores(tc_predicted, gold_tc),
        "majority_class_tc": round(float(counts.max() / max(counts.sum(), 1)), 4),
        "seconds": round(time.perf_counter() - started),
    }


def _networks(members: int) -> str:
    return "the network" if members == 1 else f"{members} networks"


def _gold_si(texts: Sequence[LabelledText]) -> dict[str, list[Span]]:
    return {t.id: [(s, e) for _, s, e in t.spans] for t in texts}


def _gold_tc(texts: Sequence[LabelledText]) -> list[tuple[str, str, int, int]]:
    return [(t.id, tech, s, e) for t in texts for tech, s, e in t.spans]


def _only(spans: dict[str, list[Span]], ids: Sequence[str]) -> dict[str, list[Span]]:
    return {i: spans[i] for i in ids if i in spans}


def _nested_si(
    predicted: dict[Decoding, dict[str, list[Span]]],
    gold: dict[str, list[Span]],
    groups: Sequence[Sequence[str]],
) -> dict[str, Any]:
    """SI pooled over the folds, each fold decoded as the *other* folds score best: an
    estimate free of the optimism of choosing the decoding on the articles it scores."""
    pooled: dict[str, list[Span]] = {}
    chosen = []
    for group in groups:
        others = [i for g in groups if g is not group for i in g]
        best = max(
            predicted,
            key=lambda d: si_scores(_only(predicted[d], others), _only(gold, others))["si_f1"],
        )
        chosen.append(str(best))
        pooled |= _only(predicted[best], group)
    return {**si_scores(pooled, gold), "decodings": chosen}


def _fold_summary(
    si: dict[Decoding, dict[str, list[Span]]],
    tc: Sequence[tuple[str, str, int, int]],
    held_out: Sequence[LabelledText],
) -> str:
    gold_si = _gold_si(held_out)
    gold_tc = _gold_tc(held_out)
    best = max(si_scores(si[d], gold_si)["si_f1"] for d in DECODINGS)
    return json.dumps({"si_f1_best": best, "tc_micro_f1": tc_scores(tc, gold_tc)["tc_micro_f1"]})


def train_techniques(
    data: Path,
    out: Path,
    *,
    folds: int = 3,
    members: int = MEMBERS,
    epochs: int = 4,
    report: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any] | None:
    """``newswatch train techniques``: cross-validate, then train on all and save.

    The decoding comes from the cross-validation (the best SI F1); without it
    (``folds=0``) the decoding of the model already at ``out`` is kept.
    """
    from newswatch.enrich.technique_model import CONFIG_FILE, save_model

    texts = labelled_texts(data)
    result = None
    log(f"preparing {len(texts)} articles in the training processes …")
    with Members(texts, members, epochs) as trainer:
        if folds:
            result = cross_validate(texts, folds, members=members, epochs=epochs,
                                    trainer=trainer, log=log)  # fmt: skip
            if report:
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(json.dumps(result, indent=2) + "\n")
            decoding = Decoding(**result["decoding"])
        elif (out / CONFIG_FILE).exists():
            decoding = saved_decoding(json.loads((out / CONFIG_FILE).read_text()))
        else:
            decoding = Decoding(0.4)
        log(f"training {_networks(members)} on all {len(texts)} articles ({decoding}) …")
        networks = trainer.fit(range(len(texts)))
    save_model(networks, decoding, out)
    return result
