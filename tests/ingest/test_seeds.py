"""Golden tests: the two seed articles keep their key facts through ingest."""

from __future__ import annotations

from conftest import SEEDS

from newswatch.ingest.core import ingest


def _by_file(store):
    return {a.source_key.rsplit("/", 1)[-1][:3]: a for a in store.iter_articles()}


def test_seed_000_dateline_gives_place_outlet_and_header_date(store, settings):
    report = ingest(store, [str(SEEDS)], settings)
    assert report.counts["new"] == 2
    article = _by_file(store)["000"]
    assert article.place == "BEIJING"
    assert article.outlet == "DNA"
    assert article.published is not None
    assert (article.published.value, article.published.precision) == ("2020-08-21", "day")
    assert article.published.source == "header"
    assert article.dateline == "BEIJING, AUG 21 (DNA) –"


def test_seed_header_is_not_part_of_the_body_and_title_comes_from_the_lead(store, settings):
    ingest(store, [str(SEEDS)], settings)
    article = _by_file(store)["000"]
    assert article.text.startswith("BEIJING, AUG 21 (DNA) – Chinese President Xi Jinping said")
    assert "date 2020-08-21" not in article.text
    assert article.title_source == "lead"
    assert article.title.startswith("Chinese President Xi Jinping said Friday")
    assert article.text.rstrip().endswith("was held via video link. = DNA")
    assert article.text.count("\n\n") == 10  # eleven paragraphs survive clean-up


def test_seed_003_opinion_has_no_dateline_and_keeps_unknown_outlet(store, settings):
    ingest(store, [str(SEEDS)], settings)
    article = _by_file(store)["003"]
    assert article.published.value == "2020-12-31"
    assert article.place is None and article.dateline is None
    assert article.outlet is None  # the disclaimer names People's Daily Online: a later stage
    assert article.title.startswith("While Western media is disseminating negative propaganda")
    assert article.text.endswith("E-mail: [email protected]")
