"""Canonical entities: acronyms, roles split from names, short names, repaired NER."""

from __future__ import annotations

import pytest

from newswatch.enrich.acronyms import find_acronyms
from newswatch.enrich.entities import extract
from newswatch.enrich.linguistic import load_model


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _names(mentions, type_=None):
    return {m.name for m in mentions if type_ is None or m.type == type_}


def test_acronym_definitions_link_short_and_long_forms():
    text = (
        "The China-Pakistan Economic Corridor (CPEC) and the Joint Working Group on "
        "International Cooperation and Coordination (JWG-ICC) met. BEIJING, AUG 21 (DNA) – "
        "Prices rose in 2019 (2019)."
    )
    found = {a.short: a.long for a in find_acronyms(text)}
    assert found == {
        "CPEC": "China-Pakistan Economic Corridor",
        "JWG-ICC": "Joint Working Group on International Cooperation and Coordination",
    }


def test_bare_acronym_resolves_to_its_long_form_in_the_same_article(nlp):
    doc = nlp(
        "Officials of the Pakistan Tehreek-e-Insaf (PTI) gathered in Lahore. "
        "Later the PTI said the rally would go ahead."
    )
    mentions, _, acronyms = extract(doc)
    assert [a.short for a in acronyms] == ["PTI"]
    bare = [m for m in mentions if m.text == "PTI"]
    assert bare and all(m.name == "Pakistan Tehreek-e-Insaf" for m in bare)


def test_titles_are_split_from_names_and_kept_as_roles(nlp):
    doc = nlp(
        "Pakistani Prime Minister Imran Khan met Chinese Foreign Minister Wang Yi in "
        "Islamabad on Monday. Khan thanked Wang for the visit. Ahsan Iqbal is a senior "
        "fellow with the Sustainable Development Policy Institute."
    )
    mentions, roles, _ = extract(doc)
    people = _names(mentions, "PERSON")
    assert {"Imran Khan", "Wang Yi", "Ahsan Iqbal"} <= people
    assert not {"Khan", "Wang", "Prime Minister Imran Khan"} & people
    found = {(r.person, r.title, r.organisation) for r in roles}
    assert ("Imran Khan", "Prime Minister", "Pakistan") in found
    assert ("Wang Yi", "Foreign Minister", "China") in found
    assert ("Ahsan Iqbal", "senior fellow", "Sustainable Development Policy Institute") in found


def test_role_with_of_phrase_and_acronym_organisation(nlp):
    doc = nlp(
        "The talks were led by Foreign Secretary of Pakistan Sohail Mahmood and by Xi "
        "Jinping, general secretary of the Communist Party of China (CPC) Central Committee."
    )
    _, roles, _ = extract(doc)
    found = {(r.person, r.title, r.organisation) for r in roles}
    assert ("Sohail Mahmood", "Foreign Secretary", "Pakistan") in found
    assert ("Xi Jinping", "general secretary", "CPC Central Committee") in found


def test_ner_errors_that_matter_are_repaired_by_the_ruler(nlp):
    doc = nlp(
        "The Second Meeting of the Joint Working Group on International Cooperation and "
        "Coordination was held despite COVID-19 in the city."
    )
    mentions, _, _ = extract(doc)
    by_text = {m.text: m.type for m in mentions}
    assert by_text.get("COVID-19") == "DISEASE"
    events = [m for m in mentions if m.type == "EVENT"]
    assert [m.text for m in events] == [
        "Second Meeting of the Joint Working Group on International Cooperation and Coordination"
    ]
