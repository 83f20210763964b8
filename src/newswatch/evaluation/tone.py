"""Tone toward a target, measured on NewsMTSC (target-dependent sentiment in news).

A NewsMTSC file is JSON lines: ``sentence_normalized`` and ``targets`` with ``from``,
``to``, ``mention`` and ``polarity`` (2 negative, 4 neutral, 6 positive). The evaluation
writes the same lines with every target's polarity replaced by the model's, and, where
the input has polarities, prints macro-F1 over the three classes and accuracy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newswatch.enrich.sentence_classifier import Example, fit, save_classifier
from newswatch.enrich.tone_model import TONES, load_tone_model
from newswatch.errors import NewswatchError
from newswatch.evaluation.metrics import precision_recall_f1

POLARITY = {2: "negative", 4: "neutral", 6: "positive"}
CODE = {tone: code for code, tone in POLARITY.items()}


@dataclass
class Targets:
    """The records of a NewsMTSC file and one example per target, in file order."""

    records: list[dict[str, Any]]
    examples: list[Example]
    gold: list[str | None]


def read_newsmtsc(path: Path) -> Targets:
    records, examples, gold = [], [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                sentence = record["sentence_normalized"]
                for target in record["targets"]:
                    examples.append(Example(sentence, (int(target["from"]), int(target["to"]))))
                    polarity = target.get("polarity")
                    gold.append(POLARITY[int(polarity)] if polarity is not None else None)
            except (ValueError, KeyError, TypeError) as err:
                raise NewswatchError(f"{path}:{number}: not a NewsMTSC line ({err})") from err
            records.append(record)
    return Targets(records, examples, gold)


def tone_scores(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 over the three tones, accuracy, and P/R/F1 per tone."""
    per_tone = {}
    for tone in TONES:
        hits = sum(p == g == tone for p, g in zip(predicted, gold, strict=True))
        p, r, f1 = precision_recall_f1(hits, list(predicted).count(tone), list(gold).count(tone))
        per_tone[tone] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}
    correct = sum(p == g for p, g in zip(predicted, gold, strict=True))
    return {
        "macro_f1": round(float(np.mean([s["f1"] for s in per_tone.values()])), 4),
        "accuracy": round(correct / len(gold), 4) if gold else 0.0,
        "targets": len(gold),
        "per_tone": per_tone,
    }


def evaluate_tone(data: Path, out: Path) -> dict[str, Any] | None:
    """Write ``out`` (``data`` with predicted polarities); scores where ``data`` has them."""
    targets = read_newsmtsc(data)
    started = time.perf_counter()
    predicted = load_tone_model().tones(targets.examples)
    rows = iter(predicted)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in targets.records:
            for target in record["targets"]:
                target["polarity"] = float(CODE[next(rows)])
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    gold = [g for g in targets.gold if g is not None]
    if len(gold) < len(targets.gold):
        return None
    report = tone_scores(predicted, gold)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def train_tone(
    train: Path,
    out: Path,
    *,
    epochs: int = 3,
    log: Callable[[str], None] = print,
) -> None:
    """``newswatch train tone``: fit the tone classifier on a NewsMTSC file and save it."""
    targets = read_newsmtsc(train)
    labels = [TONES.index(g) for g in targets.gold if g is not None]
    if len(labels) < len(targets.gold):
        raise NewswatchError(f"{train}: every target needs a polarity to train on")
    log(f"training on {len(labels)} targets from {train} …")
    network = fit(targets.examples, labels, len(TONES), epochs=epochs, log=log)
    save_classifier(network, TONES, out, {"trained_on": train.name, "epochs": epochs})
