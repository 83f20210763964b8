"""The TempEval-3 harness: gold parsing, inline predictions and the hand-computed metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newswatch.enrich.timex import Timex
from newswatch.evaluation.timex import (
    TimexScore,
    evaluate_documents,
    evaluate_timex,
    halves,
    parse_timeml,
    render_timeml,
)

TIMEML = """<?xml version="1.0" ?>
<TimeML>
<DOCID>TINY</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08" functionInDocument="CREATION_TIME">1998-01-08</TIMEX3></DCT>
<TEXT>
Prices <EVENT eid="e1" class="OCCURRENCE">rose</EVENT> <TIMEX3 tid="t1" type="DATE" value="1998-01-07">Wednesday</TIMEX3> &amp; fell <TIMEX3 tid="t2" type="DATE" value="1997">last year</TIMEX3>, after nearly <TIMEX3 tid="t3" type="DURATION" value="P3M">three months</TIMEX3> of gains. Traders said so recently. The index closed <TIMEX3 tid="t4" type="DATE" value="1998-01-12">Monday</TIMEX3> and traded lower during <TIMEX3 tid="t5" type="DATE" value="1998-W02">the week</TIMEX3>.
</TEXT>
</TimeML>
"""


def test_gold_spans_are_offsets_into_the_text_without_tags_or_entities():
    document = parse_timeml(TIMEML)
    assert str(document.dct) == "1998-01-08"
    assert "<" not in document.text and "Wednesday & fell" in document.text
    spans = [document.text[g.start : g.end] for g in document.gold]
    assert spans == ["Wednesday", "last year", "three months", "Monday", "the week"]
    assert document.gold[2].type == "DURATION" and document.gold[2].value == "P3M"


def test_scores_follow_the_tempeval3_definitions():
    document = parse_timeml(TIMEML)
    text = document.text

    def at(surface: str, kind: str, value: str) -> Timex:
        start = text.index(surface)
        return Timex(start, start + len(surface), surface, kind, value)

    predicted = [
        at("Wednesday", "DATE", "1998-01-07"),  # exact, right value
        at("last year", "DATE", "1997"),  # exact, right value
        at("nearly three months", "DURATION", "P3M"),  # overlap only, right value
        at("recently", "DATE", "PAST_REF"),  # not in gold
        at("Monday", "DATE", "1998-01-05"),  # exact, wrong value
    ]  # "the week" is missed
    score = TimexScore()
    score.add(text, document.gold, predicted)
    report = score.report()
    # strict: 3 of 5 predicted, 3 of 5 gold; relaxed: 4 of 5 both ways
    assert (report["strict_precision"], report["strict_recall"], report["strict_f1"]) == (
        0.6,
        0.6,
        0.6,
    )
    assert (report["relaxed_precision"], report["relaxed_recall"], report["relaxed_f1"]) == (
        0.8,
        0.8,
        0.8,
    )
    # value: 3 of the 4 relaxed matches are right → 0.8 × 0.75; type: all 4 → 0.8 × 1
    assert report["value_f1"] == 0.6
    assert report["type_f1"] == 0.8


def test_predictions_are_written_inline_and_scored(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "TINY.tml.TE3input").write_text(TIMEML, encoding="utf-8")
    out = tmp_path / "out"
    report = evaluate_timex(data, out, use_spacy=False)
    assert report is not None
    written = (out / "TINY.tml").read_text(encoding="utf-8")
    assert '<TIMEX3 tid="t0" type="DATE" value="1998-01-08"' in written
    assert (
        '<TIMEX3 tid="t1" type="DATE" value="1998-01-07">Wednesday</TIMEX3> &amp; fell' in written
    )
    assert "<EVENT" not in written.split("<TEXT>")[1]
    assert report["gold"] == 5 and report["predicted"] == 5
    assert report["strict_f1"] == 0.6 and report["relaxed_f1"] == 0.8 and report["value_f1"] == 0.6
    json.dumps(report)


def test_rendered_predictions_read_back_as_the_same_spans():
    document = parse_timeml(TIMEML)
    start = document.text.index("recently")
    again = parse_timeml(
        render_timeml(document, [Timex(start, start + 8, "recently", "DATE", "PAST_REF")])
    )
    assert again.text == document.text
    assert [(g.start, g.value) for g in again.gold] == [(start, "PAST_REF")]


def test_files_without_gold_are_tagged_but_not_scored(tmp_path: Path):
    plain = TIMEML.split("<TEXT>")[0] + "<TEXT>\nTalks ended on Tuesday.\n</TEXT>\n</TimeML>\n"
    (tmp_path / "PLAIN.tml.TE3input").write_text(plain, encoding="utf-8")
    assert evaluate_timex(tmp_path, tmp_path / "out", use_spacy=False) is None
    assert ">Tuesday</TIMEX3>" in (tmp_path / "out" / "PLAIN.tml").read_text(encoding="utf-8")


def test_a_selection_scores_only_the_files_it_accepts(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    plain = TIMEML.split("<TEXT>")[0] + "<TEXT>\nTalks ended on Tuesday.\n</TEXT>\n</TimeML>\n"
    for name in ("A", "B", "C"):
        (data / f"{name}.tml").write_text(TIMEML if name != "B" else plain, encoding="utf-8")
    tuning, held_out = halves(data)
    assert [p.name for p in tuning] == ["A.tml", "C.tml"] and [p.name for p in held_out] == [
        "B.tml"
    ]
    out = tmp_path / "out"
    assert evaluate_timex(data, out, use_spacy=False, select=set(held_out).__contains__) is None
    assert [p.name for p in out.iterdir()] == ["B.tml"]
    report = evaluate_timex(data, tmp_path / "all", use_spacy=False)
    assert report is not None and report["documents"] == 2 and report["gold"] == 10


@pytest.mark.slow
def test_held_out_aquaint_value_f1_stays_above_its_floor(shared_data: Path):
    """AQUAINT files at odd positions (by name) are the held-out test half: rules were
    tuned on TimeBank and the even half only (see README, quality card)."""
    held_out = halves(shared_data / "tempeval3" / "train-tbaq" / "AQUAINT")[1]
    documents = [parse_timeml(path.read_text(encoding="utf-8"), path.name) for path in held_out]
    report = evaluate_documents(documents).report()
    assert report["value_f1"] >= AQUAINT_TEST_VALUE_F1 - 0.02


AQUAINT_TEST_VALUE_F1 = 0.7597
"""Measured on the AQUAINT test half (36 documents, 279 TIMEX3); the gate allows 0.02 less."""
