"""Time expressions: the seed facts, anchoring of relative days, durations, sets, no DCT."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import SEEDS

from newswatch.enrich.linguistic import docs_provider, load_model
from newswatch.enrich.stage import Batch
from newswatch.enrich.timex import TimeStage, Timex, find_timexes
from newswatch.ingest.core import ingest

FRIDAY = dt.date(2020, 8, 21)


def _values(found: list[Timex]) -> dict[str, str]:
    return {t.text: t.value for t in found}


def _parsed(text: str, dct: dt.date | None) -> list[Timex]:
    return find_timexes(text, dct, load_model()(text))


@pytest.fixture(scope="module")
def seed_timexes(tmp_path_factory) -> dict[str, list[Timex]]:
    """The stage's output on the two seed articles, keyed by the article's place."""
    from newswatch.config import Settings
    from newswatch.store.database import Store

    folder = tmp_path_factory.mktemp("store")
    settings = Settings(db=str(folder / "store.db"))
    store = Store.open(settings.database_url())
    ingest(store, [str(SEEDS)], settings)
    articles = list(store.iter_articles())
    store.close()
    batch = Batch(articles, docs_provider(TimeStage.spec.spacy_pipes))
    outputs = TimeStage().process(batch)
    by_place = {}
    for article, output in zip(articles, outputs, strict=True):
        assert all(article.text[a.start : a.end] == a.data["text"] for a in output.annotations)
        by_place[article.place or article.text[:20]] = [
            Timex(a.start, a.end, a.data["text"], str(a.label), a.data["value"])
            for a in output.annotations
        ]
    return by_place


def test_seed_000_weekdays_are_anchored_on_the_friday_of_publication(seed_timexes):
    found = seed_timexes["BEIJING"]
    values = {(t.text, t.value) for t in found}
    assert ("Friday", "2020-08-21") in values
    assert ("Thursday", "2020-08-20") in values
    assert ("2019", "2019") in values
    assert all(t.type == "DATE" for t in found if t.text in ("Friday", "Thursday", "2019"))


def test_seed_003_absolute_dates_are_normalised(seed_timexes):
    found = next(v for k, v in seed_timexes.items() if k != "BEIJING")
    values = _values(found)
    assert values["December 25, 2020"] == "2020-12-25"
    assert values["April 9, 2019"] == "2019-04-09"


def test_preposition_stays_outside_the_extent():
    found = find_timexes("On Thursday, the conference was held in 2019.", FRIDAY)
    assert [(t.text, t.value) for t in found] == [("Thursday", "2020-08-20"), ("2019", "2019")]


def test_past_tense_weekday_is_the_last_such_day_and_future_the_next():
    past = _parsed("The minister met the delegation on Monday.", FRIDAY)
    future = _parsed("The minister will meet the delegation on Monday.", FRIDAY)
    assert _values(past)["Monday"] == "2020-08-17"
    assert _values(future)["Monday"] == "2020-08-24"


def test_weekday_tense_is_read_from_cue_words_without_a_parse():
    assert _values(find_timexes("Talks ended on Tuesday.", FRIDAY))["Tuesday"] == "2020-08-18"
    assert _values(find_timexes("Talks will resume Tuesday.", FRIDAY))["Tuesday"] == "2020-08-25"


def test_relative_periods_count_from_the_publication_date():
    text = "Exports fell last year and rose this month; the plan was signed two weeks ago today."
    values = _values(find_timexes(text, FRIDAY))
    assert values["last year"] == "2019"
    assert values["this month"] == "2020-08"
    assert values["two weeks ago"] == "2020-W32"
    assert values["today"] == "2020-08-21"


def test_durations_have_iso_values_and_vague_ones_an_x():
    text = "The talks lasted two weeks, after the past three months and several years of delay."
    found = {t.text: (t.type, t.value) for t in find_timexes(text, FRIDAY)}
    assert found["two weeks"] == ("DURATION", "P2W")
    assert found["the past three months"] == ("DURATION", "P3M")
    assert found["several years"] == ("DURATION", "PXY")
    assert _values(find_timexes("It took 2 1/2 hours.", FRIDAY))["2 1/2 hours"] == "PT2H30M"


def test_sets_are_recognised():
    text = "The committee meets each month and the board every Monday."
    found = {t.text: (t.type, t.value) for t in find_timexes(text, FRIDAY)}
    assert found["each month"] == ("SET", "P1M")
    assert found["every Monday"] == ("SET", "XXXX-WXX-1")


def test_present_and_past_references():
    found = _values(find_timexes("Trade is now booming, as it was recently.", FRIDAY))
    assert found == {"now": "PRESENT_REF", "recently": "PAST_REF"}


def test_decades_quarters_and_clock_times():
    text = "Since the mid-1990s, third-quarter output peaked at 10 a.m. Friday."
    values = _values(find_timexes(text, FRIDAY))
    assert values["the mid-1990s"] == "199"
    assert values["third-quarter"] == "2020-Q3"
    assert values["10 a.m. Friday"] == "2020-08-21T10:00"


def test_without_a_dct_relative_values_keep_placeholders():
    text = "He said Friday that the project begun last year ends on December 25, 2020."
    values = _values(find_timexes(text, None))
    assert values["Friday"] == "XXXX-WXX-5"
    assert values["last year"] == "XXXX"
    assert values["December 25, 2020"] == "2020-12-25"


def test_may_the_modal_verb_is_not_a_month():
    assert find_timexes("Officials May say more.", FRIDAY) == []
    assert _values(find_timexes("It opened in May.", FRIDAY))["May"] == "2020-05"


def test_a_year_ago_after_a_named_quarter_is_that_quarter_a_year_before():
    text = "Profit rose in the third quarter to $5 million from $4 million a year ago."
    values = _values(find_timexes(text, dt.date(1989, 11, 2)))
    assert values["the third quarter"] == "1989-Q3"
    assert values["a year ago"] == "1988-Q3"
    assert (
        _values(find_timexes("He left a year ago.", dt.date(1989, 11, 2)))["a year ago"] == "1988"
    )


def test_rates_are_sets_and_ages_are_not_durations():
    text = (
        "It pays $1.76 a year; Mr. Reupke, 52 years old, served for a year and paid $5 a month to"
    )
    found = [(t.text, t.type, t.value) for t in find_timexes(text, FRIDAY)]
    assert found == [("a year", "SET", "P1Y"), ("a year", "DURATION", "P1Y")]
    assert find_timexes("The 6-year-old boy and a 44-year-old man stayed.", FRIDAY) == []


def test_a_day_governed_by_a_plan_is_ahead_of_it():
    wednesday = dt.date(2020, 8, 19)
    for text, value in (
        ("The talks were scheduled for Monday.", "2020-08-24"),
        ("Protesters planned a march on Saturday.", "2020-08-22"),
        ("Protesters marched on Saturday.", "2020-08-15"),
    ):
        assert [t.value for t in _parsed(text, wednesday)] == [value], text


def test_holidays_fall_in_the_year_the_tense_points_to():
    december = dt.date(1999, 12, 1)
    values = _values(
        find_timexes("Sales rose on Thanksgiving Day and during Easter week.", december)
    )
    assert values == {"Thanksgiving Day": "1999-11-25", "Easter week": "1999-W13"}
    assert _values(find_timexes("Christmas Eve was quiet.", december)) == {
        "Christmas Eve": "1998-12-24"
    }
    assert _values(find_timexes("Voters will go out on Election Day.", december)) == {
        "Election Day": "2000-11-07"
    }


def test_an_infinitive_root_does_not_send_the_tense_search_in_circles():
    text = "To build the port by 2019, and to open it on Monday."
    assert [t.text for t in _parsed(text, FRIDAY)] == ["2019", "Monday"]


def test_spoken_dates_of_broadcast_transcripts():
    text = "Women's Day is this coming Sunday, March eighth, as in nineteen ninety-seven."
    values = _values(find_timexes(text, dt.date(1998, 3, 5)))
    assert values["Sunday, March eighth"] == "1998-03-08"
    assert values["nineteen ninety-seven"] == "1997"


def test_uppercase_dateline_dates_are_found():
    values = _values(find_timexes("BEIJING, AUG 21 (DNA) – Talks ended.", FRIDAY))
    assert values == {"AUG 21": "2020-08-21"}


def _stage_parsed(text: str, dct: dt.date | None) -> list[Timex]:
    """Parsed with only the pipes the stage declares: no lemmas, as in the runner."""
    nlp = load_model()
    with nlp.select_pipes(enable=["tok2vec", *TimeStage.spec.spacy_pipes]):
        return find_timexes(text, dct, nlp(text))


def test_a_plan_points_ahead_without_lemmas_and_so_does_an_earliest_bound():
    friday, monday = dt.date(2000, 1, 7), dt.date(2000, 4, 3)
    planned = _stage_parsed("Protesters planned a large demonstration on Saturday.", friday)
    assert _values(planned) == {"Saturday": "2000-01-08"}
    ready = _stage_parsed("The group would be ready to leave as soon as Tuesday, he said.", monday)
    assert _values(ready) == {"Tuesday": "2000-04-04"}


def test_a_month_in_a_present_clause_is_not_pushed_into_last_year():
    text = "Officials said the appeal is heard in May."
    assert _values(_stage_parsed(text, dt.date(2000, 3, 29))) == {"May": "2000-05"}


def test_references_back_take_the_date_they_refer_to():
    dct = dt.date(2000, 1, 28)
    values = _values(find_timexes("He fled in June 1998 and returned later that year.", dct))
    assert values["later that year"] == "1998"
    text = "He was shot on Oct. 23, 1998. Earlier that day, police were warned."
    assert _values(find_timexes(text, dct))["Earlier that day"] == "1998-10-23"
    text = "The bid came in March 1989. The following month, the company was sold."
    assert _values(find_timexes(text, dct))["The following month"] == "1989-04"
    assert find_timexes("You get strong redemptions that day, traders say.", dct) == []


def test_titles_and_names_are_not_time_expressions():
    assert find_timexes('He said on CBS\'s "60 Minutes" and ABC\'s "This Week".', FRIDAY) == []
    assert find_timexes("Jan Kavan of the Czech Republic signed.", FRIDAY) == []
    assert find_timexes("After a weekend of accusations, talks resumed.", FRIDAY) == []
    assert _values(find_timexes("It opened Jan. 5.", FRIDAY)) == {"Jan. 5": "2020-01-05"}


def test_accounting_years_and_stretches_of_unknown_length_are_durations():
    text = (
        "Revenue for the year ended March 31 rose; in recent months, after a day-long "
        "meeting at midday, the year looked better."
    )
    assert [(t.text, t.type, t.value) for t in find_timexes(text, FRIDAY)] == [
        ("the year", "DURATION", "P1Y"),
        ("March 31", "DATE", "2020-03-31"),
        ("recent months", "DURATION", "PXM"),
        ("day-long", "DURATION", "P1D"),
        ("midday", "TIME", "2020-08-21T12:00"),
        ("the year", "DATE", "2020"),
    ]
