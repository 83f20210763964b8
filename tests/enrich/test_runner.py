"""The enrichment framework: stages, fingerprints, incremental and forced runs."""

from __future__ import annotations

from conftest import SEEDS

from newswatch.enrich.runner import enrich
from newswatch.enrich.stage import STAGES, StageSpec, fingerprint, resolve
from newswatch.ingest.core import ingest


def test_all_stages_run_once_and_a_second_run_does_nothing(store, settings):
    ingest(store, [str(SEEDS)], settings)
    first = enrich(store)
    assert first == dict.fromkeys(STAGES, 2)
    assert {"entities", "time", "quotes", "events", "metadata"} <= set(first)
    assert enrich(store) == {}


def test_only_new_articles_are_enriched(store, settings, tmp_path):
    ingest(store, [str(SEEDS)], settings)
    enrich(store)
    (tmp_path / "new.txt").write_text("Gwadar port handled more ships, the port authority said.")
    ingest(store, [str(tmp_path)], settings)
    assert enrich(store) == dict.fromkeys(STAGES, 1)


def test_force_redoes_one_stage_only(store, settings):
    ingest(store, [str(SEEDS)], settings)
    enrich(store)
    assert enrich(store, ["sentences"], force=True) == {"sentences": 2}


def test_language_and_sentences_of_the_seed(store, settings):
    ingest(store, [str(SEEDS)], settings)
    enrich(store)
    article = next(a for a in store.iter_articles() if a.place == "BEIJING")
    assert article.language == "en"
    sentences = store.annotations(article.id, ["sentence"])
    assert 12 <= len(sentences) <= 16
    first = article.text[sentences[0].start : sentences[0].end]
    assert first.startswith("BEIJING, AUG 21 (DNA) – Chinese President Xi Jinping said Friday")
    assert first.endswith("shared future.")


def test_every_fact_carries_offsets_into_the_stored_text(store, settings):
    ingest(store, [str(SEEDS)], settings)
    enrich(store)
    article = next(a for a in store.iter_articles() if a.place == "BEIJING")
    notes = store.annotations(article.id, ["entity", "timex", "quote"])
    people = {m.data["name"] for m in notes if m.kind == "entity" and m.label == "PERSON"}
    assert {"Xi Jinping", "Arif Alvi"} <= people
    assert {n.kind for n in notes} == {"entity", "timex", "quote"}
    for n in notes:
        assert article.text[n.start : n.end] == n.data["text"]


def test_non_english_articles_get_a_language_and_no_english_facts(store, settings, tmp_path):
    (tmp_path / "de.txt").write_text(
        "Der Wirtschaftskorridor zwischen China und Pakistan wird ausgebaut, sagte der "
        "Minister am Montag in Islamabad vor Journalisten."
    )
    ingest(store, [str(tmp_path)], settings)
    enrich(store)
    article = next(store.iter_articles())
    assert article.language == "de"
    assert store.annotations(article.id, ["entity", "timex", "quote", "event"]) == []


def test_fingerprint_includes_upstream_versions():
    assert fingerprint("metadata") == "metadata@1.0[language@1.0]"
    order = [s.name for s in resolve(["events"])]
    assert order.index("language") < order.index("entities") < order.index("events")
    assert order.index("time") < order.index("events")
    assert isinstance(resolve(None)[0], StageSpec)
