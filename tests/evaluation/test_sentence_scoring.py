"""Scorers and readers of the tone (NewsMTSC) and claims (CheckThat!) evaluations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newswatch.errors import NewswatchError
from newswatch.evaluation.claims import best_threshold, read_checkthat, yes_scores
from newswatch.evaluation.tone import read_newsmtsc, tone_scores


def test_tone_scores_are_macro_f1_over_three_tones() -> None:
    gold = ["negative", "neutral", "positive", "neutral"]
    predicted = ["negative", "neutral", "neutral", "neutral"]
    scores = tone_scores(predicted, gold)
    # negative F1 1.0, neutral P 2/3 R 1 → 0.8, positive 0.0
    assert scores["macro_f1"] == pytest.approx((1.0 + 0.8 + 0.0) / 3, abs=1e-4)
    assert scores["accuracy"] == 0.75


def test_yes_f1_ignores_the_no_class() -> None:
    scores = yes_scores(["Yes", "Yes", "No", "No"], ["Yes", "No", "Yes", "No"])
    assert scores["f1_yes"] == 0.5
    assert scores["precision_yes"] == 0.5


def test_best_threshold_separates_the_scores() -> None:
    threshold, f1 = best_threshold(np.array([0.9, 0.7, 0.3, 0.2]), ["Yes", "Yes", "No", "No"])
    assert 0.3 < threshold <= 0.7
    assert f1 == 1.0


def test_newsmtsc_reader_keeps_every_target(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"sentence_normalized": "A praised B.", "targets": ['
        '{"from": 0, "to": 1, "mention": "A", "polarity": 4.0},'
        '{"from": 10, "to": 11, "mention": "B", "polarity": 6.0}]}\n'
    )
    targets = read_newsmtsc(path)
    assert [e.target for e in targets.examples] == [(0, 1), (10, 11)]
    assert targets.gold == ["neutral", "positive"]


def test_bad_lines_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"sentence_normalized": "x", "targets": []}\n{"targets": 1}\n')
    with pytest.raises(NewswatchError, match=r"in\.jsonl:2"):
        read_newsmtsc(path)


def test_malformed_checkthat_lines_are_skipped_and_named(tmp_path: Path) -> None:
    tsv = tmp_path / "in.tsv"
    tsv.write_text(
        "Sentence_id\tText\tclass_label\n1\tTaxes rose 5%.\tMaybe\n"
        "2\tWe grow.\tNo3\tJobs.\tNo\n4\tGDP is $500bn.\tYes\n"
    )
    sentences = read_checkthat(tsv)
    assert sentences.ids == ["4"]
    assert [p.split(": ")[0] for p in sentences.skipped] == [f"{tsv}:2", f"{tsv}:3"]


def test_checkthat_reader_keeps_quotes_literally(tmp_path: Path) -> None:
    tsv = tmp_path / "in.tsv"
    tsv.write_text('Sentence_id\tText\tclass_label\n7\t"Now, balance the budget."\tNo\n8\tHi\n')
    sentences = read_checkthat(tsv)
    assert sentences.texts == ['"Now, balance the budget."', "Hi"]
    assert sentences.gold == ["No", None]
