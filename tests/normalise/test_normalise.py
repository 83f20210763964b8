"""Text clean-up, datelines, publication-date precision."""

from __future__ import annotations

import datetime as dt

import pytest

from newswatch.models import Draft
from newswatch.normalise.core import declared_language, normalise
from newswatch.normalise.dateline import parse_dateline
from newswatch.normalise.dates import parse_published
from newswatch.normalise.text import clean_text


@pytest.mark.parametrize(
    ("body", "place", "outlet", "month_day"),
    [
        ("BEIJING, AUG 21 (DNA) – Chinese President", "BEIJING", "DNA", "AUG 21"),
        ("WASHINGTON (Reuters) - The U.S. Senate", "WASHINGTON", "Reuters", None),
        ("LONDON, March 3 (Xinhua) -- Britain said", "LONDON", "Xinhua", "March 3"),
        ("ISLAMABAD: Prime Minister Imran Khan", "ISLAMABAD", None, None),
        ("Geneva - The World Health Organisation", "Geneva", None, None),
        ("NEW YORK, Dec. 31 (AP) — Stocks rose", "NEW YORK", "AP", "Dec. 31"),
    ],
)
def test_datelines_give_place_outlet_and_day(body, place, outlet, month_day):
    dateline = parse_dateline(body)
    assert dateline is not None
    assert (dateline.place, dateline.outlet, dateline.month_day) == (place, outlet, month_day)


@pytest.mark.parametrize(
    "body",
    [
        "While Western media is disseminating negative propaganda",
        "The Ninth Circle: The Hellish View from Inside the Beltway",
        "US President Trump - who spoke on Monday - said",
    ],
)
def test_ordinary_first_sentences_are_not_datelines(body):
    assert parse_dateline(body) is None


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2019", "2019", "year"),
        ("April 2019", "2019-04", "month"),
        ("9 April 2019", "2019-04-09", "day"),
        ("2016-09-12 10:30", "2016-09-12T10:30", "minute"),
        ("Fri, 21 Aug 2020 10:00:00 +0800", "2020-08-21T02:00:00", "second"),
    ],
)
def test_dates_keep_their_precision(text, value, precision):
    date = parse_published(text, "metadata")
    assert (date.value, date.precision) == (value, precision)


@pytest.mark.parametrize("text", ["AUG 21", "yesterday-ish", "", "13/45/2020"])
def test_dates_that_cannot_be_read_are_unknown(text):
    assert parse_published(text, "metadata") is None


def test_dateline_month_and_day_never_invent_a_year():
    draft = Draft("x", "BEIJING, AUG 21 (DNA) – Xi said Friday that the corridor matters.", "text")
    assert normalise(draft).article.published is None


def test_dateline_with_a_year_dates_an_undated_article():
    draft = Draft("x", "LONDON, March 3, 2021 (Reuters) - Britain said on Wednesday.", "text")
    published = normalise(draft).article.published
    assert (published.value, published.source) == ("2021-03-03", "dateline")


def test_clean_text_keeps_paragraphs_and_drops_noise():
    raw = "Title\r\n\r\n\r\n  First\u00a0 line \x07\n\n\n\nSecond\u200b para  "
    assert clean_text(raw) == "Title\n\nFirst line\n\nSecond para"


def test_future_dates_are_dropped_with_a_repair_note():
    draft = Draft("x", "Some text here.", "text", date_text="2099-01-01", date_source="metadata")
    result = normalise(draft, today=dt.date(2026, 11, 22))
    assert result.article.published is None
    assert result.repair is not None and "in the future" in result.repair.reason


@pytest.mark.parametrize(
    ("declared", "stored"),
    [("en", "en"), ("en-US", "en"), ("EN_gb", "en"), (" ur ", "ur"), ("zh-Hans-CN", "zh"),
     ("English (United Kingdom)", None), ("", None), (None, None)],
)  # fmt: skip
def test_a_declared_language_is_stored_as_its_iso_code(declared, stored):
    assert declared_language(declared) == stored
