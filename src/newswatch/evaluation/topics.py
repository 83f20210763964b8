"""Evaluation of the ``topics`` stage on a hand-labelled sample of sentences.

The sample (``examples/topics/sample.jsonl``) holds *references*, not text: per item the
corpus file (relative to the shared data folder), the character offsets of the sentence
in that file, a short hash of the sentence, the split (``tune`` or ``report``) and the
labels a reader gave it. The text is read from the corpora at evaluation time (their
licences do not allow copying them into the project), HTML entities decoded and
whitespace collapsed, and checked against the hash.

Scores, for the items of the chosen split and every label of the taxonomy:

* per label precision, recall, F1 and support (items labelled with it);
* micro-F1 over all (item, label) decisions and macro-F1 over labels with support,
  overall and per kind (focus areas, frames);
* the same for a **keyword baseline**: a label is predicted when a word of its name
  (four letters or more, as a word prefix) occurs in the sentence.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newswatch.enrich.taxonomy import Taxonomy, load_taxonomy
from newswatch.enrich.topics import scorer_for
from newswatch.errors import ConfigError
from newswatch.evaluation.metrics import precision_recall_f1

SPLITS = ("report", "tune", "all")


@dataclass(frozen=True)
class SampleItem:
    id: int
    file: str
    split: str
    text: str
    labels: frozenset[str]


def sentence_text(raw: str) -> str:
    """A sentence as the sample's hash was taken: entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(raw).split())


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def read_file(path: Path) -> str:
    """A corpus file as text: UTF-8, or Latin-1 for the older corpora (Reuters-21578)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_sample(sample: Path, corpora: Path) -> list[SampleItem]:
    """The sample's items with their text read from ``corpora``; a missing file, a bad
    line or a text that no longer matches its hash is a ``ConfigError``."""
    items = []
    texts: dict[str, str] = {}
    for number, line in enumerate(sample.read_text().splitlines(), 1):
        if not line.strip():
            continue
        where = f"{sample} line {number}"
        try:
            entry = json.loads(line)
            file, start, end = entry["file"], int(entry["start"]), int(entry["end"])
            labels = frozenset(entry["labels"])
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(
                f"{where}: expected JSON with file, start, end, labels ({err})"
            ) from err
        if file not in texts:
            path = corpora / file
            if not path.is_file():
                raise ConfigError(f"{where}: {path} not found; pass --corpora DIR")
            texts[file] = read_file(path)
        text = sentence_text(texts[file][start:end])
        if entry.get("sha1") and text_hash(text) != entry["sha1"]:
            raise ConfigError(
                f"{where}: the text at {file}[{start}:{end}] is not the labelled sentence "
                "(hash differs); is --corpora the right folder?"
            )
        items.append(SampleItem(int(entry.get("id", number)), file, entry.get("split", ""),
                                text, labels))  # fmt: skip
    return items


def keyword_baseline(taxonomy: Taxonomy, texts: Sequence[str]) -> np.ndarray:
    """A label where a word of its name (≥ 4 letters, as a word prefix) occurs."""
    patterns = []
    for label in taxonomy.labels:
        words = [w for w in re.findall(r"[a-z]+", label.name.casefold()) if len(w) >= 4]
        patterns.append(re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + ")", re.I)
                        if words else None)  # fmt: skip
    return np.array([[bool(p and p.search(text)) for p in patterns] for text in texts], dtype=bool)


def score(taxonomy: Taxonomy, items: Sequence[SampleItem], predicted: np.ndarray) -> dict[str, Any]:
    """Per-label P/R/F1 and micro/macro F1, overall and per kind."""
    gold = np.array([[label.name in item.labels for label in taxonomy.labels] for item in items],
                    dtype=bool).reshape(len(items), len(taxonomy.labels))  # fmt: skip
    per_label: dict[str, dict[str, Any]] = {}
    for column, label in enumerate(taxonomy.labels):
        matched = int((gold[:, column] & predicted[:, column]).sum())
        p, r, f = precision_recall_f1(
            matched, int(predicted[:, column].sum()), int(gold[:, column].sum())
        )
        per_label[label.name] = {"kind": label.kind, "precision": round(p, 3),
                                 "recall": round(r, 3), "f1": round(f, 3),
                                 "support": int(gold[:, column].sum())}  # fmt: skip
    result: dict[str, Any] = {}
    for kind in (None, *sorted({label.kind for label in taxonomy.labels})):
        columns = [c for c, label in enumerate(taxonomy.labels) if kind in (None, label.kind)]
        matched = int((gold[:, columns] & predicted[:, columns]).sum())
        _, _, micro = precision_recall_f1(
            matched, int(predicted[:, columns].sum()), int(gold[:, columns].sum())
        )
        supported = [per_label[taxonomy.labels[c].name]["f1"] for c in columns
                     if gold[:, c].any()]  # fmt: skip
        macro = float(np.mean(supported)) if supported else 0.0
        figures = {"micro_f1": round(micro, 3), "macro_f1": round(macro, 3)}
        if kind is None:
            result |= figures
        else:
            result[kind] = figures
    result["per_label"] = per_label
    return result


def evaluate_topics(
    sample: Path,
    corpora: Path,
    out: Path | None = None,
    split: str = "report",
    taxonomy_file: Path | None = None,
) -> dict[str, Any]:
    """Score the stage's sentence labels (and the keyword baseline) on ``split``; write
    each item's gold labels, predicted labels and similarities to ``out/topics.jsonl``."""
    if split not in SPLITS:
        raise ConfigError(f"--split {split!r}: expected one of {', '.join(SPLITS)}")
    taxonomy = load_taxonomy(taxonomy_file)
    items = [i for i in read_sample(sample, corpora) if split in ("all", i.split)]
    if not items:
        raise ConfigError(f"{sample} has no items in split {split!r}")
    scorer = scorer_for(taxonomy)
    similarities = scorer.similarities([item.text for item in items])
    predicted = scorer.assign(similarities)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "topics.jsonl").open("w") as handle:
            for row, item in enumerate(items):
                handle.write(json.dumps({
                    "id": item.id, "file": item.file, "split": item.split,
                    "gold": sorted(item.labels),
                    "predicted": [n for n, hit in zip(taxonomy.names, predicted[row], strict=True) if hit],
                    "similarities": {n: round(float(s), 4) for n, s in zip(taxonomy.names, similarities[row], strict=True)},
                }, ensure_ascii=False) + "\n")  # fmt: skip
    unknown = sorted({name for item in items for name in item.labels} - set(taxonomy.names))
    baseline = score(taxonomy, items, keyword_baseline(taxonomy, [i.text for i in items]))
    return {
        "split": split,
        "items": len(items),
        "taxonomy": str(taxonomy.path),
        **score(taxonomy, items, predicted),
        "baseline_keywords": {k: v for k, v in baseline.items() if k != "per_label"},
        "labels_not_in_taxonomy": unknown,
    }
