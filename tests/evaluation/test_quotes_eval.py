"""The PolNeAR harness: brat in and out, content token F1 and speaker accuracy."""

from __future__ import annotations

import json

import pytest

from newswatch.enrich.quotes import BratAttribution, read_brat
from newswatch.evaluation.quotes import Tally, evaluate_quotes, score_text

TEXT = "Prices rose, the minister said. Exports fell, he added."
#       0         1         2         3         4         5
#       0123456789012345678901234567890123456789012345678901234

GOLD_ANN = (
    "T1\tSource 13 25\tthe minister\n"
    "T2\tCue 26 30\tsaid\n"
    "T3\tContent 0 11\tPrices rose\n"
    "T4\tAttribution 26 30\tsaid\n"
    "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n"
    "T5\tSource 46 48\the\n"
    "T6\tCue 49 54\tadded\n"
    "T7\tContent 32 44\tExports fell\n"
    "T8\tAttribution 49 54\tadded\n"
    "E2\tAttribution:T8 Source:T5 Cue:T6 Content:T7\n"
)


def test_content_tokens_and_speakers_are_scored_as_defined():
    gold = read_brat(GOLD_ANN)
    predicted = [
        # "Prices rose ," : 2 gold tokens + 1 extra comma; source right
        BratAttribution(((17, 25),), ((26, 30),), ((0, 12),)),
        # "fell": 1 of 2 gold tokens; source wrong ("added")
        BratAttribution(((49, 54),), ((49, 54),), ((40, 44),)),
    ]
    tally = Tally()
    score_text(TEXT, predicted, gold, tally)
    report = tally.report()
    assert report["content_tokens"] == {"tp": 3, "fp": 1, "fn": 1}
    assert report["content_f1"] == pytest.approx(0.75)
    assert (report["speaker_correct"], report["speaker_matched"]) == (1, 2)


def test_evaluation_writes_brat_that_reads_back_and_scores_gold(tmp_path):
    data = tmp_path / "corpus"
    (data / "text").mkdir(parents=True)
    (data / "attributions").mkdir()
    (data / "text" / "a.txt").write_text(TEXT)
    (data / "attributions" / "a_annotator1.ann").write_text(GOLD_ANN)
    (data / "text" / "b.txt").write_text("No one spoke here at all.")
    metrics = evaluate_quotes(data, tmp_path / "out")
    assert metrics["gold_texts"] == 1 and metrics["texts"] == 2
    written = read_brat((tmp_path / "out" / "a.ann").read_text())
    assert written.attributions and all(a.cue and a.content for a in written.attributions)
    assert (tmp_path / "out" / "b.ann").exists()
    assert 0.0 < metrics["system"]["content_f1"] <= 1.0
    json.dumps(metrics)


def test_without_gold_there_is_nothing_to_score(tmp_path):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.txt").write_text(TEXT)
    assert evaluate_quotes(tmp_path, tmp_path / "out") is None
    assert (tmp_path / "out" / "a.ann").exists()


DEV_CONTENT_F1 = 0.7706
DEV_SPEAKER_ACCURACY = 0.8553
"""Measured on PolNeAR dev with `newswatch eval quotes` (see README), the gate minus 0.02."""


@pytest.mark.slow
def test_polnear_dev_scores_hold(shared_data, tmp_path):
    metrics = evaluate_quotes(shared_data / "polnear" / "dev", tmp_path)
    assert metrics["system"]["content_f1"] >= DEV_CONTENT_F1 - 0.02
    assert metrics["system"]["speaker_accuracy"] >= DEV_SPEAKER_ACCURACY - 0.02
