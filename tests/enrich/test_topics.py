"""The topics stage: taxonomy loading, sentence and article labels on the seeds, user topics."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, stored_article

from newswatch.enrich.runner import enrich
from newswatch.enrich.stage import Batch, fingerprint
from newswatch.enrich.taxonomy import SHIPPED_FILE, load_taxonomy
from newswatch.enrich.topics import TopicStage, scorer_for
from newswatch.errors import ConfigError
from newswatch.ingest.core import ingest
from newswatch.models import Annotation

WATER = """
  - name: water
    kind: focus area
    description: Dams, irrigation canals, water supply and water shortages.
    examples:
      - The new dam will store water for irrigation in the dry season.
      - Farmers say the canal has run dry for three weeks.
      - The city rations drinking water as reservoirs fall.
"""


def _article_topics(store, article_id):
    return {n.label: n for n in store.annotations(article_id, ["article_topic"])}


@pytest.fixture(scope="module")
def seeded(module_settings):
    from newswatch.store.database import Store

    settings = module_settings
    store = Store.open(settings.database_url())
    ingest(store, [str(SEEDS)], settings)
    enrich(store, ["topics"])
    report, op_ed = sorted(a.id for a in store.iter_articles())
    return store, report, op_ed


def test_the_xinhua_report_is_mostly_about_diplomacy_and_party_relations(seeded):
    store, report, _ = seeded
    carried = _article_topics(store, report)
    focus = {k: n for k, n in carried.items() if n.data["kind"] == "focus area"}
    assert max(focus, key=lambda k: focus[k].score or 0) == "diplomacy and party relations"
    assert focus["diplomacy and party relations"].score > 0.5  # most of its sentences
    assert "health" in focus  # Xi on the COVID-19 fight, Alvi's thanks for medical help
    assert "media and information" not in carried
    text = store.get(report).text
    evidence = [text[s:e] for s, e in focus["health"].data["evidence"]]
    assert any("COVID-19" in sentence for sentence in evidence)


def test_the_op_ed_carries_media_and_information_with_its_fake_news_sentence(seeded):
    store, _, op_ed = seeded
    carried = _article_topics(store, op_ed)
    media = carried["media and information"]
    text = store.get(op_ed).text
    evidence = [text[s:e] for s, e in media.data["evidence"]]
    assert any("fake news and negative propaganda" in sentence for sentence in evidence)
    sentences = [n for n in store.annotations(op_ed, ["topic"])
                 if n.label == "media and information"]  # fmt: skip
    assert all(n.score >= 0.225 and n.data["margin"] >= 0 for n in sentences)
    assert any(text[n.start : n.end].startswith("While Western media") for n in sentences)


def test_the_stage_scores_the_fields_the_op_ed_names():
    scorer = scorer_for(load_taxonomy())
    texts = ["Farmers harvested a record crop of wheat and rice this season.",
             "The port handled more container ships than ever before.",
             "The central bank raised interest rates to defend the currency."]  # fmt: skip
    best = [scorer.taxonomy.names[i] for i in scorer.similarities(texts).argmax(axis=1)]
    assert best == ["agriculture", "ports and transport", "finance and debt"]


def test_articles_in_other_languages_are_seen_but_not_labelled():
    french = stored_article("Le port accueille des porte-conteneurs.", id=2, language="fr")
    outputs = TopicStage().process(Batch([french]))
    assert outputs[0].article_id == 2 and outputs[0].annotations == ()


def test_a_title_alone_can_make_an_article_carry_a_topic():
    text = "It happened on Tuesday. Nobody expected it."
    article = stored_article(text, title="Gunmen attack convoy of engineers near the border",
                             title_source="metadata")  # fmt: skip
    sentences = [Annotation("sentence", 0, 23), Annotation("sentence", 24, len(text))]
    batch = Batch([article], annotations_provider=lambda ids, kinds: {1: sentences})
    notes = TopicStage().process(batch)[0].annotations
    security = [n for n in notes if n.kind == "article_topic" and n.label == "security"]
    assert security and security[0].data["in_title"] and security[0].data["sentences"] == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("labels: [unclosed", "not valid YAML"),
        ("just: words", "must be a mapping with a `labels:` list"),
        ("labels:\n  - name: x\n    kind: topic\n    description: d\n", "kind 'topic' is not one of"),
        ("labels:\n  - name: x\n    kind: frame\n", "needs a non-empty `description:`"),
        ("labels:\n  - name: x\n    kind: frame\n    description: d\n    example: [a]\n",
         "unknown keys ['example']"),
        ("labels:\n  - {name: x, kind: frame, description: d}\n"
         "  - {name: X, kind: frame, description: e}\n", "'X' is defined twice"),
        ("labels:\n  - {name: x, kind: frame, description: d, examples: oops}\n",
         "`examples:` must be a list"),
        ("calibration:\n  frame: {threshold: high}\nlabels:\n  - {name: x, kind: frame, "
         "description: d}\n", "threshold must be a number"),
    ],
)  # fmt: skip
def test_a_bad_taxonomy_is_a_config_error_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "mine.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"mine\.yaml") as error:
        load_taxonomy(path)
    assert problem in str(error.value)


def test_a_missing_taxonomy_file_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSWATCH_TOPICS", str(tmp_path / "nowhere.yaml"))
    with pytest.raises(ConfigError, match=r"nowhere.yaml cannot be read.*NEWSWATCH_TOPICS"):
        load_taxonomy()


def test_a_user_adds_a_topic_in_a_few_lines_and_enrich_reruns_the_stage(
    tmp_path: Path, monkeypatch, store, settings
):
    drought = tmp_path / "drought.txt"
    drought.write_text("Reservoirs are low\n\nThe dam on the river holds less water than ever. "
                       "Irrigation canals have run dry and the city rations drinking water.\n")  # fmt: skip
    ingest(store, [str(drought)], settings)
    enrich(store, ["topics"])
    before = fingerprint("topics")
    assert "water" not in _article_topics(store, 1)

    mine = tmp_path / "mine.yaml"
    mine.write_text(SHIPPED_FILE.read_text() + WATER)
    monkeypatch.setenv("NEWSWATCH_TOPICS", str(mine))
    assert fingerprint("topics") != before  # the taxonomy's hash is in the version
    assert enrich(store, ["topics"])["topics"] == 1  # so enrich redoes the stage
    water = _article_topics(store, 1)["water"]
    assert water.data["sentences"] == 2 and water.data["kind"] == "focus area"
    assert enrich(store, ["topics"])["topics"] == 0  # and only once
