"""Full-text search: BM25 ranking, phrase, boolean, prefix, filters, snippets."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS

from newswatch.errors import QuerySyntaxError
from newswatch.ingest.core import ingest
from newswatch.store.database import ArticleFilter

DOCS = [
    {"title": "Gwadar port expansion", "text": "The Gwadar port expansion under CPEC continues. "
     "Gwadar will handle more ships.", "outlet": "Dawn", "date": "2021-01-05", "language": "en"},
    {"title": "Debt worries", "text": "Critics say CPEC loans raise debt. The corridor debt "
     "burden is debated.", "outlet": "The News", "date": "2021-02-10", "language": "en"},
    {"title": "Cricket", "text": "Pakistan won the cricket match in Lahore on Sunday.",
     "outlet": "Dawn", "date": "2021-03-01", "language": "en"},
    {"title": "Korridor", "text": "Der Wirtschaftskorridor CPEC wird ausgebaut, sagte der Minister.",
     "outlet": "DW", "date": "2021-03-02", "language": "de"},
    {"title": "Growth", "text": "Growth slowed to 3.5 percent, the ministry said on dawn.com.",
     "outlet": "Dawn", "date": "2021-03-03", "language": "en"},
]  # fmt: skip


@pytest.fixture
def loaded(store, settings, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in DOCS))
    ingest(store, [str(path)], settings)
    return store


def titles(hits):
    return [h.title for h in hits]


def test_bm25_ranks_the_article_that_is_about_the_word_first(loaded):
    hits = loaded.search("gwadar")
    assert titles(hits) == ["Gwadar port expansion"]
    assert set(titles(loaded.search("cpec"))) == {
        "Gwadar port expansion",
        "Debt worries",
        "Korridor",
    }


def test_phrase_boolean_and_prefix_syntax(loaded):
    assert titles(loaded.search('"burden debt"')) == []  # both words, not in this order
    assert titles(loaded.search('"corridor debt"')) == ["Debt worries"]
    assert set(titles(loaded.search("gwadar OR cricket"))) == {"Gwadar port expansion", "Cricket"}
    assert titles(loaded.search("cpec -debt -gwadar")) == ["Korridor"]
    assert titles(loaded.search("cpec NOT debt NOT korridor")) == ["Gwadar port expansion"]
    assert titles(loaded.search("crick*")) == ["Cricket"]
    assert titles(loaded.search("(debt OR cricket) AND pakistan")) == ["Cricket"]


def test_stemming_matches_inflections(loaded):
    assert titles(loaded.search("ship")) == ["Gwadar port expansion"]


def test_filters_by_date_outlet_and_language(loaded):
    def found(query, **filters):
        return set(titles(loaded.search(query, ArticleFilter(**filters))))

    assert found("cpec", since="2021-02-01") == {"Debt worries", "Korridor"}
    assert found("cpec", until="2021-01-31") == {"Gwadar port expansion"}
    assert found("cpec OR cricket", outlet="dawn") == {"Gwadar port expansion", "Cricket"}
    assert found("cpec", language="de") == {"Korridor"}


def test_snippets_mark_the_matched_words(loaded):
    hit = loaded.search("burden")[0]
    assert "\x02burden\x03" in hit.snippet


@pytest.mark.parametrize("query", ['"unclosed', "(a OR b", "-only", "AND", ""])
def test_bad_queries_raise_a_syntax_error_with_the_reason(loaded, query):
    with pytest.raises(QuerySyntaxError):
        loaded.search(query)


def test_numbers_and_host_names_are_found_on_every_backend(loaded):
    """PostgreSQL's parser keeps "3.5" and "dawn.com" whole, FTS5 splits them: both find
    what was typed."""
    assert titles(loaded.search('"3.5 percent"')) == ["Growth"]
    assert titles(loaded.search("dawn.com")) == ["Growth"]
    assert titles(loaded.search("growth -3.5")) == []


def test_hyphenated_words_search_as_phrases(store, settings):
    ingest(store, [str(SEEDS)], settings)
    assert len(store.search("China-Pakistan Economic Corridor")) == 2
    assert len(store.search('"JWG-ICC"')) == 1
