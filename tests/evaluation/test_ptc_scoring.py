"""The PTC scorers: SemEval-2020 Task 11's SI partial overlap and TC micro-F1."""

from __future__ import annotations

import pytest

from newswatch.errors import NewswatchError
from newswatch.evaluation.ptc import read_articles, read_tc_lines, si_scores, tc_scores


def test_si_gives_partial_credit_for_partial_overlap():
    # predicted [0, 10) against gold [5, 15): half of each is shared
    scores = si_scores({"1": [(0, 10)]}, {"1": [(5, 15)]})
    assert scores["si_precision"] == 0.5 and scores["si_recall"] == 0.5 and scores["si_f1"] == 0.5


def test_si_merges_overlapping_gold_spans_and_counts_missed_articles():
    # the two overlapping gold spans are one technique region [0, 20)
    gold = {"1": [(0, 12), (8, 20)], "2": [(0, 10)]}
    scores = si_scores({"1": [(0, 20)]}, gold)
    assert scores["si_gold_spans"] == 2
    assert scores["si_precision"] == 1.0 and scores["si_recall"] == 0.5


def test_si_false_positive_in_an_article_without_gold_costs_precision():
    scores = si_scores({"1": [(0, 10)], "2": [(3, 7)]}, {"1": [(0, 10)]})
    assert scores["si_precision"] == 0.5 and scores["si_recall"] == 1.0


def test_tc_micro_f1_counts_each_label_of_a_doubly_labelled_span():
    gold = [("1", "Loaded_Language", 0, 5), ("1", "Doubt", 0, 5), ("1", "Slogans", 9, 20)]
    predicted = [("1", "Loaded_Language", 0, 5), ("1", "Loaded_Language", 0, 5),
                 ("1", "Slogans", 9, 20)]  # fmt: skip
    scores = tc_scores(predicted, gold)
    assert scores["tc_micro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    per = scores["tc_per_technique"]
    assert per["Slogans"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per["Doubt"]["recall"] == 0.0 and per["Loaded_Language"]["precision"] == 0.5


def test_reading_a_folder_without_articles_names_the_folder(tmp_path):
    with pytest.raises(NewswatchError, match="has no articles/ folder"):
        read_articles(tmp_path)


def test_a_malformed_template_line_names_file_and_line(tmp_path):
    template = tmp_path / "template.txt"
    template.write_text("1\t?\t0\t5\n1 ? 7 9\n")
    with pytest.raises(NewswatchError, match=r"template.txt:2: expected"):
        read_tc_lines(template)
