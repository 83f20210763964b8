"""Who, what, when, where end to end: the seed articles ingested and fully enriched.

These golden tests pin the facts the issue names for the two seed articles, plus the
store-wide merges (a bare acronym or surname in another article resolves to the entity
defined elsewhere), through the Python API and the CLI's JSON output.
"""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS

from newswatch.enrich.runner import enrich
from newswatch.ingest.core import ingest
from newswatch.query import facts
from newswatch.store.database import ArticleFilter, Store

LATER = (
    " date 2021-01-15 \nISLAMABAD: Work on CPEC projects in Gwadar picked up, Planning "
    "Minister Asad Umar said on Friday. Alvi welcomed the progress.\n"
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, module_settings):
    folder = tmp_path_factory.mktemp("seeds")
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_text(seed.read_text())
    (folder / "later.txt").write_text(LATER)
    settings = module_settings
    store = Store.open(settings.database_url())
    ingest(store, [str(folder)], settings)
    enrich(store)
    yield store, settings
    store.close()


@pytest.fixture(scope="module")
def store(seeded):
    return seeded[0]


def _article(store, place):
    return next(a for a in store.iter_articles() if a.place == place)


def _entity(store, name):
    rows = [r for r in facts.entities(store, limit=None) if r["name"] == name]
    assert rows, f"{name} is not an entity"
    return rows[0]


def test_people_carry_their_roles_and_short_names(store):
    xi = _entity(store, "Xi Jinping")
    assert {"title": "President", "organisation": "China"} in xi["roles"]
    assert {"title": "general secretary", "organisation": "CPC Central Committee"} in xi["roles"]
    assert "Xi" in xi["aliases"]
    alvi = _entity(store, "Arif Alvi")
    assert {"title": "President", "organisation": "Pakistan"} in alvi["roles"]
    assert alvi["articles"] == 2  # "Alvi" alone in the later article is the same person
    assert {"title": "Vice Foreign Minister", "organisation": None} in _entity(
        store, "Luo Zhaohui"
    )["roles"]
    assert {"title": "Foreign Secretary", "organisation": "Pakistan"} in _entity(
        store, "Sohail Mahmood"
    )["roles"]
    awan = _entity(store, "Zamir Ahmed Awan")
    assert {"title": "senior fellow", "organisation": "Center for China and Globalization"} in (
        awan["roles"]
    )


def test_acronyms_resolve_to_their_long_form_across_the_store(store):
    cpec = _entity(store, "China-Pakistan Economic Corridor")
    assert "CPEC" in cpec["aliases"]
    assert cpec["articles"] == 3  # the later article never spells CPEC out
    jwg = _entity(store, "Joint Working Group on International Cooperation and Coordination")
    assert "JWG-ICC" in jwg["aliases"]
    assert _entity(store, "COVID-19")["type"] == "DISEASE"
    names = {r["name"] for r in facts.entities(store, limit=None)}
    assert not {"CPEC", "JWG-ICC", "Xi", "Alvi"} & names


def test_time_expressions_are_normalised_against_the_publication_date(store):
    for day, expected in (
        ("2020-08-21", {"Friday": "2020-08-21", "Thursday": "2020-08-20", "2019": "2019"}),
        ("2020-12-31", {"December 25, 2020": "2020-12-25", "April 9, 2019": "2019-04-09"}),
    ):
        article = next(a for a in store.iter_articles() if a.published.value == day)
        times = {n.data["text"]: n.data["value"] for n in store.annotations(article.id, ["timex"])}
        for text, value in expected.items():
            assert times.get(text) == value, (text, times)


def test_who_said_what_names_canonical_speakers(store):
    said = facts.quotes(store, speaker="Xi Jinping")
    assert any("is of great importance" in q["text"] and q["cue"] == "said" for q in said)
    alvi = facts.quotes(store, speaker="Alvi")
    assert any("building a community with a shared future" in q["text"] for q in alvi)
    # "He thanked …", "He said …" go on quoting Alvi, though his words named Xi
    assert any("Pakistan will continue to enhance" in q["text"] for q in alvi)
    for q in said + alvi:
        article = store.get(q["article_id"])
        assert article.text[q["start"] : q["end"]] == q["text"]


def test_events_of_the_seeds(store):
    rows = facts.events(store)
    by_name = {e["name"]: e for e in rows}
    second = by_name[
        "Second Meeting of the Joint Working Group on International Cooperation and Coordination"
    ]
    assert (second["type"], second["date"], second["place"]) == ("meeting", "2020-12-25", "Urumqi")
    assert {(p["name"], p["role"]) for p in second["participants"]} == {
        ("Luo Zhaohui", "co-chair"), ("Sohail Mahmood", "co-chair")
    }  # fmt: skip
    inaugural = next(e for e in rows if e["ordinal"] == 1 and "JWG-ICC" in e["name"])
    assert inaugural["date"] == "2019-04-09"
    conference = by_name[
        "Second Conference of the CPEC Political Parties Joint Consultation Mechanism"
    ]
    assert (conference["date"], conference["place"]) == ("2020-08-20", "video link")
    assert {"name": "International Department of the CPC Central Committee",
            "role": "organiser"} in conference["participants"]  # fmt: skip
    message = next(e for e in rows if e["type"] == "message" and e["date"] == "2020-08-21")
    assert {(p["name"], p["role"]) for p in message["participants"]} >= {
        ("Xi Jinping", "sender"), ("Arif Alvi", "recipient")
    }  # fmt: skip
    assert [e["date"] for e in facts.events(store, filters=ArticleFilter(since="2020-12-01"))
            if e["date"]] == ["2020-12-25"]  # fmt: skip


def test_metadata_read_from_the_text(store):
    oped = next(a for a in store.iter_articles() if a.genre == "opinion")
    assert oped.outlet == "People's Daily Online"
    assert oped.authors == ("Zamir Ahmed Awan",)
    assert _article(store, "BEIJING").genre == "news"


def test_entity_profile_gathers_roles_quotes_and_company(store):
    profile = facts.find_entity(store, "Alvi")
    assert profile["name"] == "Arif Alvi"
    assert [d["date"] for d in profile["mentions_over_time"]] == ["2020-08-21", "2021-01-15"]
    assert profile["quotes_by"]
    assert "Xi Jinping" in {c["name"] for c in profile["co_occurring"]}
    with pytest.raises(LookupError):
        facts.find_entity(store, "Nobody Atall")


def test_cli_listings_print_the_json_fields_scripts_rely_on(seeded, cli_on):
    run = cli_on(seeded[1])
    entities = json.loads(run("entities", "--json", "--type", "PERSON").out)
    assert all({"name", "type", "aliases", "roles"} <= set(e) for e in entities)
    assert all(e["type"] == "PERSON" for e in entities)
    quotes = json.loads(run("quotes", "--json", "--speaker", "Xi Jinping").out)
    assert quotes and all(
        {"speaker", "cue", "text", "article_id", "start", "end"} <= set(q) for q in quotes
    )
    events = json.loads(run("events", "--json", "--place", "Urumqi").out)
    assert [e["date"] for e in events] == ["2020-12-25"]
    assert all({"name", "role"} == set(p) for p in events[0]["participants"])
    shown = json.loads(run("show", str(events[0]["article_id"]), "--json").out)
    assert {"entities", "times", "quotes", "events", "roles"} <= set(shown)
    profile = json.loads(run("entity", "CPEC", "--json").out)
    assert profile["name"] == "China-Pakistan Economic Corridor"
    missing = run("entity", "Nobody Atall")
    assert missing.code == 2 and "no entity matches" in missing.err
