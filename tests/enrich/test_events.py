"""Events found from names, back-references and verbs, with date, place and participants.

The time expressions are given here by hand, so these tests pin the event logic alone;
the seed articles are checked end to end, with the real time stage, in tests/query.
"""

from __future__ import annotations

import pytest

from newswatch.enrich.entities import extract
from newswatch.enrich.events import find_events
from newswatch.enrich.linguistic import load_model
from newswatch.models import Annotation

TEXT = (
    "ISLAMABAD: The Third Meeting of the Joint Cooperation Committee (JCC) was held in "
    "Beijing on Tuesday. The meeting was co-chaired by Federal Minister Ahsan Iqbal and "
    "Wang Yi. On Wednesday, Pakistan and China signed an agreement on the "
    "Karachi-Peshawar railway in Islamabad. Nawaz Sharif said in a statement to the "
    "National Assembly that the railway would be finished by 2022."
)
DATES = {"Tuesday": "2017-06-13", "Wednesday": "2017-06-14", "2022": "2022"}


@pytest.fixture(scope="module")
def events():
    doc = load_model()(TEXT)
    mentions, roles, _ = extract(doc.copy())
    entities = [Annotation("entity", m.start, m.end, m.type,
                           data={"text": m.text, "name": m.name, "key": m.key})
                for m in mentions]  # fmt: skip
    titles = [Annotation("role", r.start, r.end, r.title) for r in roles]
    times = [Annotation("timex", TEXT.index(t), TEXT.index(t) + len(t), "DATE",
                        data={"text": t, "value": v}) for t, v in DATES.items()]  # fmt: skip
    return {e.type: e for e in find_events(doc, entities, times, titles)}


def _people(event):
    return {(p["name"], p["role"]) for p in event.participants}


def test_a_named_meeting_gathers_date_place_and_co_chairs_from_later_sentences(events):
    meeting = events["meeting"]
    assert meeting.name == "Third Meeting of the Joint Cooperation Committee"
    assert (meeting.ordinal, meeting.date, meeting.place) == (3, "2017-06-13", "Beijing")
    assert _people(meeting) == {("Ahsan Iqbal", "co-chair"), ("Wang Yi", "co-chair")}
    assert TEXT[meeting.start : meeting.end] == meeting.name


def test_an_agreement_has_its_signatories_and_subject(events):
    agreement = events["agreement"]
    assert agreement.name == "agreement on the Karachi-Peshawar railway"
    assert (agreement.date, agreement.place) == ("2017-06-14", "Islamabad")
    assert _people(agreement) == {("Pakistan", "signatory"), ("China", "signatory")}


def test_a_statement_has_its_sender_and_recipient(events):
    statement = events["statement"]
    assert ("Nawaz Sharif", "sender") in _people(statement)
    assert ("National Assembly", "recipient") in _people(statement)
    assert statement.date is None  # "by 2022" is a year, not the statement's day
