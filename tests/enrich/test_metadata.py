"""Author, outlet and genre read from bylines, author notes and opinion disclaimers."""

from __future__ import annotations

import pytest
from conftest import stored_article

from newswatch.enrich.linguistic import load_model
from newswatch.enrich.metadata import read_metadata


@pytest.fixture(scope="module")
def nlp():
    return load_model()


OPED = (
    "Gwadar will change the region, and the port is ready.\n\n"
    "The opinions expressed in this article belong solely to the author, and not "
    "necessarily to Dawn.\n\n"
    "Sara Malik is a researcher at the Institute of Strategic Studies Islamabad."
)


def test_disclaimer_and_author_note_make_an_opinion_piece(nlp):
    fields, evidence = read_metadata(stored_article(OPED), nlp(OPED))
    assert fields == {"genre": "opinion", "outlet": "Dawn", "authors": ["Sara Malik"]}
    kinds = {e.kind: OPED[e.start : e.end] for e in evidence}
    assert kinds["disclaimer"].startswith("The opinions expressed")
    assert kinds["author_note"].startswith("Sara Malik is a researcher")


def test_byline_names_the_author_of_a_news_report(nlp):
    text = "By Khurram Husain\n\nISLAMABAD: The State Bank kept its policy rate unchanged."
    fields, _ = read_metadata(stored_article(text), nlp(text))
    assert fields == {"authors": ["Khurram Husain"], "genre": "news"}


def test_what_ingest_already_knows_is_not_overwritten(nlp):
    article = stored_article(OPED, outlet="The Nation", authors=("S. Malik",), genre="analysis")
    fields, evidence = read_metadata(article, nlp(OPED))
    assert fields == {}
    assert {e.kind for e in evidence} == {"disclaimer", "author_note"}
