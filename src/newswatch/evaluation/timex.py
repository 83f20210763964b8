"""Evaluation of the ``time`` stage on TempEval-3 TimeML (TimeBank, AQUAINT, …).

Each input file has a document creation time (``<DCT><TIMEX3 … value="1998-01-08">``) and
a ``<TEXT>`` whose gold ``<TIMEX3>`` tags (and EVENT/SIGNAL tags) are stripped to give the
plain text the recogniser sees; gold spans are kept as character offsets into it.

Metrics, micro-averaged over all files with gold TIMEX3 (as TempEval-3's scorer does):

* **strict extent P/R/F1** — a prediction matches a gold TIMEX3 with exactly its span;
* **relaxed extent P/R/F1** — a prediction matches a gold TIMEX3 it overlaps (one to one,
  in text order);
* **value F1 / type F1** — TempEval-3's attribute F1: relaxed-match F1 × the share of
  relaxed matches whose attribute equals the gold one.

For every input a ``.tml`` file with the predicted TIMEX3 tags inline is written, so the
official TempEval-3 scorer can be run on the same predictions.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from newswatch.enrich.linguistic import parse
from newswatch.enrich.timex import TimeStage, Timex, find_timexes
from newswatch.evaluation.metrics import precision_recall_f1

if TYPE_CHECKING:
    from spacy.tokens import Doc

_TEXT = re.compile(r"(<TEXT>)(.*?)(</TEXT>)", re.S)
_DCT = re.compile(r"<DCT>.*?value=\"(\d{4}-\d\d-\d\d)", re.S)
_TAG = re.compile(r"<(/?)(\w+)([^>]*?)(/?)>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class GoldTimex:
    start: int
    end: int
    type: str
    value: str


@dataclass(frozen=True)
class TimeMLDocument:
    """The parts of a TimeML file the evaluation needs."""

    name: str
    source: str
    dct: dt.date | None
    text: str
    gold: tuple[GoldTimex, ...]


def parse_timeml(source: str, name: str = "document.tml") -> TimeMLDocument:
    """Plain ``<TEXT>`` content (tags stripped, entities decoded) and its gold TIMEX3 spans."""
    dct_match = _DCT.search(source)
    dct = dt.date.fromisoformat(dct_match.group(1)) if dct_match else None
    text_match = _TEXT.search(source)
    body = text_match.group(2) if text_match else ""
    pieces: list[str] = []
    length = 0
    open_timexes: list[tuple[int, dict[str, str]]] = []
    gold: list[GoldTimex] = []
    position = 0
    for tag in _TAG.finditer(body):
        chunk = html.unescape(body[position : tag.start()])
        pieces.append(chunk)
        length += len(chunk)
        position = tag.end()
        if tag.group(2) != "TIMEX3" or tag.group(4):
            continue
        if tag.group(1):
            start, attributes = open_timexes.pop()
            gold.append(
                GoldTimex(start, length, attributes.get("type", ""), attributes.get("value", ""))
            )
        else:
            open_timexes.append((length, dict(_ATTRIBUTE.findall(tag.group(3)))))
    pieces.append(html.unescape(body[position:]))
    return TimeMLDocument(
        name, source, dct, "".join(pieces), tuple(sorted(gold, key=lambda g: g.start))
    )


def render_timeml(document: TimeMLDocument, predicted: Iterable[Timex]) -> str:
    """The input file with its ``<TEXT>`` replaced by the text and the predicted TIMEX3 tags."""
    text = document.text
    parts: list[str] = []
    position = 0
    for number, timex in enumerate(sorted(predicted, key=lambda t: t.start), start=1):
        parts.append(escape(text[position : timex.start]))
        parts.append(
            f'<TIMEX3 tid="t{number}" type="{timex.type}" value="{escape(timex.value)}">'
            f"{escape(text[timex.start : timex.end])}</TIMEX3>"
        )
        position = timex.end
    parts.append(escape(text[position:]))
    content = "".join(parts)
    if _TEXT.search(document.source) is None:
        return f"{document.source}\n<TEXT>{content}</TEXT>\n"
    return _TEXT.sub(lambda m: m.group(1) + content + m.group(3), document.source, count=1)


@dataclass
class TimexScore:
    """Running TempEval-3 counts over documents."""

    gold: int = 0
    predicted: int = 0
    strict: int = 0
    relaxed: int = 0
    value_correct: int = 0
    type_correct: int = 0
    documents: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str, gold: Iterable[GoldTimex], predicted: Iterable[Timex]) -> None:
        """Count one document: exact spans, one-to-one overlaps and their attributes."""
        golds, predictions = list(gold), list(predicted)
        self.documents += 1
        self.gold += len(golds)
        self.predicted += len(predictions)
        exact = {(p.start, p.end) for p in predictions}
        self.strict += sum((g.start, g.end) in exact for g in golds)
        unused = list(predictions)
        for item in golds:
            match = next((p for p in unused if p.start < item.end and item.start < p.end), None)
            if match is None:
                self.errors.append({"missed": text[item.start : item.end], "value": item.value})
                continue
            unused.remove(match)
            self.relaxed += 1
            self.value_correct += match.value == item.value
            self.type_correct += match.type == item.type
            if match.value != item.value:
                self.errors.append(
                    {
                        "text": match.text,
                        "gold_text": text[item.start : item.end],
                        "value": match.value,
                        "gold": item.value,
                    }
                )
        for extra in unused:
            self.errors.append({"spurious": extra.text, "value": extra.value})

    def report(self) -> dict[str, Any]:
        strict_p, strict_r, strict_f = precision_recall_f1(self.strict, self.predicted, self.gold)
        relaxed_p, relaxed_r, relaxed_f = precision_recall_f1(
            self.relaxed, self.predicted, self.gold
        )
        value_accuracy = self.value_correct / self.relaxed if self.relaxed else 0.0
        type_accuracy = self.type_correct / self.relaxed if self.relaxed else 0.0
        return {
            "documents": self.documents,
            "gold": self.gold,
            "predicted": self.predicted,
            "strict_precision": round(strict_p, 4),
            "strict_recall": round(strict_r, 4),
            "strict_f1": round(strict_f, 4),
            "relaxed_precision": round(relaxed_p, 4),
            "relaxed_recall": round(relaxed_r, 4),
            "relaxed_f1": round(relaxed_f, 4),
            "value_accuracy": round(value_accuracy, 4),
            "value_f1": round(relaxed_f * value_accuracy, 4),
            "type_accuracy": round(type_accuracy, 4),
            "type_f1": round(relaxed_f * type_accuracy, 4),
        }


def timeml_files(data: Path) -> list[Path]:
    """``*.tml`` and ``*.tml.TE3input`` files under ``data``, in a stable order."""
    found = [*data.rglob("*.tml"), *data.rglob("*.tml.TE3input")]
    return sorted(set(found)) if data.is_dir() else [data]


def halves(data: Path) -> tuple[list[Path], list[Path]]:
    """The files under ``data`` split by position in name order: even positions (0, 2, …)
    are the half one may tune on, odd positions the held-out half. Fixed before looking at
    any error, so the held-out figure is not tuned on (AQUAINT-dev / AQUAINT-test)."""
    files = timeml_files(data)
    return files[0::2], files[1::2]


def output_name(path: Path) -> str:
    return path.name.removesuffix(".TE3input")


def evaluate_documents(
    documents: Iterable[TimeMLDocument], out: Path | None = None, use_spacy: bool = True
) -> TimexScore:
    """Score ``find_timexes`` on parsed documents (and write predictions when ``out``)."""
    documents = list(documents)
    docs: list[Doc | None] = [None] * len(documents)
    if use_spacy:
        docs = list(parse((d.text for d in documents), TimeStage.spec.spacy_pipes))
    score = TimexScore()
    for document, doc in zip(documents, docs, strict=True):
        predicted = find_timexes(document.text, document.dct, doc)
        if document.gold:
            score.add(document.text, document.gold, predicted)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / document.name).write_text(render_timeml(document, predicted), encoding="utf-8")
    return score


def evaluate_timex(
    data: Path,
    out: Path,
    use_spacy: bool = True,
    select: Callable[[Path], bool] | None = None,
) -> dict[str, Any] | None:
    """Predict every TimeML file under ``data`` (those ``select`` accepts, when given) into
    ``out``; TempEval-3 metrics, or None when no file has gold TIMEX3 (plain TE3input files
    are only tagged). ``select`` scores a subset without copying data, e.g. the held-out
    half: ``evaluate_timex(data, out, select=set(halves(data)[1]).__contains__)``."""
    started = time.perf_counter()
    documents = [
        parse_timeml(path.read_text(encoding="utf-8"), output_name(path))
        for path in timeml_files(data)
        if select is None or select(path)
    ]
    score = evaluate_documents(documents, out, use_spacy)
    if score.gold == 0:
        return None
    report = score.report()
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report
