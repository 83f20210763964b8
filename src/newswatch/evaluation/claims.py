"""Check-worthy claims, measured on CheckThat! 2024 Task 1 (English).

Input: TSV with the columns ``Sentence_id``, ``Text``, ``class_label`` (Yes/No; the
label column may be missing). The evaluation writes the same columns with the predicted
label and, where gold labels exist, prints the F1 of the Yes class (the task's metric)
with its precision and recall.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newswatch.enrich.claim_model import LABELS, load_claim_model
from newswatch.enrich.sentence_classifier import Example, SentenceClassifier, fit, save_classifier
from newswatch.errors import NewswatchError
from newswatch.evaluation.metrics import precision_recall_f1

COLUMNS = ("Sentence_id", "Text", "class_label")


@dataclass
class Sentences:
    ids: list[str]
    texts: list[str]
    gold: list[str | None]
    skipped: list[str] = field(default_factory=list)
    """``file:line: reason`` for each line that could not be read (and was left out)."""


def read_checkthat(path: Path) -> Sentences:
    """The sentences of a CheckThat! TSV; malformed lines are skipped and listed."""
    sentences = Sentences([], [], [])
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header is None or tuple(header[:2]) != COLUMNS[:2]:
            raise NewswatchError(f"{path}: expected the header {' <TAB> '.join(COLUMNS)}")
        for number, row in enumerate(rows, 2):
            label = row[2].strip() if len(row) == 3 else None
            if len(row) not in (2, 3) or label not in (None, *LABELS):
                sentences.skipped.append(
                    f"{path}:{number}: expected Sentence_id, Text and Yes/No, "
                    f"found {len(row)} tab-separated columns"
                )
                continue
            sentences.ids.append(row[0])
            sentences.texts.append(row[1])
            sentences.gold.append(label)
    return sentences


def yes_scores(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """F1 of the Yes class (CheckThat!'s measure), with its precision and recall."""
    hits = sum(p == g == "Yes" for p, g in zip(predicted, gold, strict=True))
    p, r, f1 = precision_recall_f1(hits, list(predicted).count("Yes"), list(gold).count("Yes"))
    return {
        "f1_yes": round(f1, 4),
        "precision_yes": round(p, 4),
        "recall_yes": round(r, 4),
        "sentences": len(gold),
    }


def evaluate_claims(data: Path, out: Path) -> dict[str, Any] | None:
    """Write ``out`` (``data`` with predicted labels); scores where ``data`` has labels."""
    sentences = read_checkthat(data)
    started = time.perf_counter()
    model = load_claim_model()
    predicted = ["Yes" if s >= model.threshold else "No" for s in model.scores(sentences.texts)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:  # the input's text, unquoted, unescaped
        handle.write("\t".join(COLUMNS) + "\n")
        for row in zip(sentences.ids, sentences.texts, predicted, strict=True):
            handle.write("\t".join(row) + "\n")
    gold = [g for g in sentences.gold if g is not None]
    if len(gold) < len(sentences.gold):
        return None
    report = yes_scores(predicted, gold) | {"threshold": model.threshold}
    if sentences.skipped:
        report["skipped_lines"] = sentences.skipped
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def best_threshold(scores: np.ndarray, gold: Sequence[str]) -> tuple[float, float]:
    """The threshold on P(Yes) with the best Yes-F1 on ``gold``, and that F1."""
    candidates = [round(t, 2) for t in np.arange(0.1, 0.91, 0.05)]
    f1s = [
        yes_scores(["Yes" if s >= t else "No" for s in scores], gold)["f1_yes"] for t in candidates
    ]
    best = int(np.argmax(f1s))
    return candidates[best], f1s[best]


def train_claims(
    train: Path,
    dev: Path,
    out: Path,
    *,
    epochs: int = 2,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """``newswatch train claims``: fit on ``train``, pick the threshold on ``dev``, save."""
    sentences, development = read_checkthat(train), read_checkthat(dev)
    if None in sentences.gold or None in development.gold:
        raise NewswatchError(f"{train} and {dev} need a class_label on every line")
    for problem in sentences.skipped + development.skipped:
        log(f"skipped {problem}")
    labels = [LABELS.index(g) for g in sentences.gold if g is not None]
    log(f"training on {len(labels)} sentences from {train} …")
    network = fit([Example(t) for t in sentences.texts], labels, len(LABELS), epochs=epochs,
                  log=log)  # fmt: skip
    classifier = SentenceClassifier(network, LABELS, {})
    scores = classifier.probabilities([Example(t) for t in development.texts])[:, 1]
    threshold, f1 = best_threshold(scores, [g or "No" for g in development.gold])
    log(f"threshold {threshold}: Yes-F1 {f1} on {dev}")
    save_classifier(network, LABELS, out, {"threshold": threshold, "epochs": epochs})
    return {"threshold": threshold, "dev_f1_yes": f1}
