"""Technique profiles and rates per article, outlet and period, from stored spans."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS

from newswatch.errors import ConfigError
from newswatch.ingest.core import ingest
from newswatch.models import Annotation, StageOutput
from newswatch.query import techniques
from newswatch.store.database import ArticleFilter


@pytest.fixture
def seeded(store, settings):
    ingest(store, [str(SEEDS)], settings)
    report, op_ed = sorted(a.id for a in store.iter_articles())
    return store, report, op_ed


def _save(store, spans_by_article):
    outputs = [
        StageOutput(
            article,
            tuple(Annotation("technique", s, e, label=t, score=score) for t, s, e, score in spans),
        )
        for article, spans in spans_by_article.items()
    ]
    store.save_stage("techniques", "techniques@test", outputs, ())


def test_article_profile_counts_per_technique_per_thousand_words(seeded):
    store, report, op_ed = seeded
    _save(store, {op_ed: [("Loaded_Language", 0, 5, 0.9), ("Loaded_Language", 10, 20, 0.8),
                          ("Slogans", 30, 40, 0.4)], report: []})  # fmt: skip
    words = store.get(op_ed).word_count
    profile = techniques.article_profile(store, op_ed)
    assert profile["processed"] and profile["spans"] == 3
    assert profile["techniques"]["Loaded_Language"] == {
        "count": 2, "per_1000_words": round(2000 / words, 2)}  # fmt: skip
    assert profile["spans_found"][0]["technique"] == "Loaded_Language"
    assert profile["spans_found"][0]["text"] == store.get(op_ed).text[0:5]
    clean = techniques.article_profile(store, report)
    assert clean["processed"] and clean["spans"] == 0  # processed, nothing found


def test_rates_by_outlet_and_week_include_processed_articles_without_spans(seeded):
    store, report, op_ed = seeded
    _save(store, {op_ed: [("Doubt", 0, 5, 0.9)], report: [("Doubt", 0, 5, 0.9)]})
    by_outlet = {r["group"]: r for r in techniques.profiles(store, "outlet")}
    assert sum(r["articles"] for r in by_outlet.values()) == 2
    by_week = techniques.profiles(store, "week")
    assert [r["group"] for r in by_week] == ["2020-W34", "2020-W53"]
    by_month = techniques.profiles(store, "month", min_score=0.95)
    assert [r["spans"] for r in by_month] == [0, 0]  # below the minimum confidence


def test_unprocessed_articles_are_left_out_not_counted_as_clean(seeded):
    store, report, op_ed = seeded
    _save(store, {op_ed: [("Doubt", 0, 5, 0.9)]})
    rows = techniques.profiles(store, "article")
    assert [r["article_id"] for r in rows] == [op_ed]
    assert not techniques.article_profile(store, report)["processed"]


def test_spans_filter_by_technique_name_or_part_of_it(seeded):
    store, _, op_ed = seeded
    _save(store, {op_ed: [("Name_Calling,Labeling", 0, 5, 0.9), ("Doubt", 9, 12, 0.5)]})
    assert [r["technique"] for r in techniques.technique_spans(store, technique="name calling")] \
        == ["Name_Calling,Labeling"]  # fmt: skip
    assert techniques.technique_spans(store, ArticleFilter(since="2021-01-01")) == []
    with pytest.raises(ConfigError, match="unknown"):
        techniques.technique_spans(store, technique="sarcasm")
    json.dumps(techniques.technique_spans(store))  # plain JSON for --json
