"""Evaluation of the ``quotes`` stage on PolNeAR (political news attribution relations).

Metrics, micro-averaged over all texts that have gold annotations:

* **content token P/R/F1** — the text is split into word and punctuation tokens; a token
  is predicted-content when it starts inside any predicted content span, gold-content
  when it starts inside any gold ``Content`` span. This is PolNeAR's own view of the
  task (each token carries one label).
* **speaker accuracy** — for each gold attribution with a source whose content overlaps a
  predicted content, the best-overlapping prediction is correct when its *source* span
  overlaps the gold source span. PolNeAR's gold source is the in-text span ("he"), so
  the source is compared, not the resolved speaker.

The quotation-mark baseline (content = text inside quotation marks, no source) is scored
with the same scorer, so the report shows how much the extractor adds to it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newswatch.enrich.linguistic import parse
from newswatch.enrich.quotes import (
    BratAttribution,
    BratDocument,
    Pieces,
    QuoteStage,
    extract_attributions,
    polnear_pairs,
    quoted_spans,
    read_brat,
)
from newswatch.evaluation.metrics import precision_recall_f1

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass
class Tally:
    """Running counts of the two metrics over texts."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    speaker_correct: int = 0
    speaker_matched: int = 0
    gold_with_source: int = 0
    predicted: int = 0

    def report(self) -> dict[str, Any]:
        tp, fp, fn = self.true_positive, self.false_positive, self.false_negative
        precision, recall, f1 = precision_recall_f1(tp, tp + fp, tp + fn)
        matched = self.speaker_matched
        return {
            "content_precision": round(precision, 4),
            "content_recall": round(recall, 4),
            "content_f1": round(f1, 4),
            "content_tokens": {"tp": tp, "fp": fp, "fn": fn},
            "speaker_accuracy": round(self.speaker_correct / matched, 4) if matched else 0.0,
            "speaker_correct": self.speaker_correct,
            "speaker_matched": matched,
            "gold_attributions_with_source": self.gold_with_source,
            "predicted_attributions": self.predicted,
        }


def _mask(length: int, pieces: Pieces) -> np.ndarray:
    mask = np.zeros(length + 1, dtype=bool)
    for start, end in pieces:
        mask[start:end] = True
    return mask


def _overlap(a: Pieces, b: Pieces) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def score_text(
    text: str, predicted: Sequence[BratAttribution], gold: BratDocument, tally: Tally
) -> None:
    """Add one text's content-token counts and speaker matches to ``tally``."""
    starts = np.asarray([m.start() for m in _TOKEN.finditer(text)], dtype=np.int64)
    predicted_mask = _mask(len(text), tuple(p for a in predicted for p in a.content))[starts]
    gold_mask = _mask(len(text), gold.content)[starts]
    tally.true_positive += int(np.sum(predicted_mask & gold_mask))
    tally.false_positive += int(np.sum(predicted_mask & ~gold_mask))
    tally.false_negative += int(np.sum(~predicted_mask & gold_mask))
    tally.predicted += len(predicted)
    for attribution in gold.attributions:
        if not attribution.source or not attribution.content:
            continue
        tally.gold_with_source += 1
        overlaps = [(_overlap(p.content, attribution.content), p) for p in predicted]
        best_overlap, best = max(overlaps, key=lambda pair: pair[0], default=(0, None))
        if best is None or best_overlap == 0:
            continue
        tally.speaker_matched += 1
        if _overlap(best.source, attribution.source) > 0:
            tally.speaker_correct += 1


def baseline_attributions(text: str) -> list[BratAttribution]:
    """The quotation-mark baseline: every quoted run is a content, with no source or cue."""
    return [BratAttribution((), (), ((start, end),)) for start, end in quoted_spans(text)]


def write_brat(path: Path, text: str, attributions: Sequence[BratAttribution]) -> None:
    """PolNeAR-style ``.ann``: Source, Cue, Content and Attribution (on the cue) + ``E``."""
    lines: list[str] = []
    number = 0

    def span_line(kind: str, pieces: Pieces) -> str:
        nonlocal number
        number += 1
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        covered = " ".join(text[s:e] for s, e in pieces).replace("\n", " ")
        lines.append(f"T{number}\t{kind} {offsets}\t{covered}")
        return f"T{number}"

    for index, attribution in enumerate(attributions, start=1):
        arguments = []
        if attribution.cue:
            trigger = span_line("Attribution", attribution.cue)
        else:
            trigger = span_line("Attribution", attribution.content)
        if attribution.source:
            arguments.append(f"Source:{span_line('Source', attribution.source)}")
        if attribution.cue:
            arguments.append(f"Cue:{span_line('Cue', attribution.cue)}")
        arguments.append(f"Content:{span_line('Content', attribution.content)}")
        lines.append(f"E{index}\tAttribution:{trigger} {' '.join(arguments)}")
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def evaluate_quotes(data: Path, out: Path) -> dict[str, Any] | None:
    """Run the extractor over a PolNeAR-layout folder, write ``.ann`` files, score them.

    ``data`` holds ``text/*.txt`` and optionally ``attributions/*.ann``. One ``.ann`` per
    text goes to ``out``. Returns the metrics of the extractor and of the quotation-mark
    baseline, or None when no text has gold annotations.
    """
    pairs = polnear_pairs(data)
    out.mkdir(parents=True, exist_ok=True)
    texts = [text.read_text(encoding="utf-8") for text, _ in pairs]
    system, baseline = Tally(), Tally()
    began = time.perf_counter()
    docs = parse(texts, QuoteStage.spec.spacy_pipes)
    for (text_path, ann_path), text, doc in zip(pairs, texts, docs, strict=True):
        predicted = [
            BratAttribution(
                ((a.source.start, a.source.end),) if a.source else (),
                ((a.cue.start, a.cue.end),),
                ((a.content.start, a.content.end),),
            )
            for a in extract_attributions(doc)
        ]
        write_brat(out / f"{text_path.stem}.ann", text, predicted)
        if ann_path is not None:
            gold = read_brat(ann_path.read_text(encoding="utf-8"))
            score_text(text, predicted, gold, system)
            score_text(text, baseline_attributions(text), gold, baseline)
    elapsed = time.perf_counter() - began
    gold_texts = sum(1 for _, ann in pairs if ann is not None)
    if not gold_texts:
        return None
    return {
        "texts": len(pairs),
        "gold_texts": gold_texts,
        "docs_per_second": round(len(pairs) / elapsed, 2) if elapsed else None,
        "system": system.report(),
        "quotation_mark_baseline": baseline.report(),
    }
