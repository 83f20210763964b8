"""Who, what, when, where across the store: entities, quotes and events with evidence.

The enrichment stages store facts per article; this module joins them store-wide:

- an entity is every mention with the same key, after two store-wide merges: a bare
  acronym resolves to the long form that any article defined ("CPEC" in an article that
  never spells it out), and a lone surname or given name resolves to the one full name
  in the store that contains it ("Alvi" → Arif Alvi), never when two full names share it;
- a quote's speaker is the canonical entity whose mention covers the speaker span;
- events are listed as stored, with their participants' canonical names.

Each function returns plain dicts with the fields scripts rely on (``--json``), and
every fact carries ``article_id`` and character ``start``/``end`` as evidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from newswatch.enrich.entities import normalise_name
from newswatch.models import Annotation
from newswatch.store.database import ArticleFilter, Store, StoredArticleRef


@dataclass
class Canon:
    """Store-wide merges of entity keys, and each key's display name and type."""

    merged: dict[str, str]
    names: dict[str, str]

    def key(self, key: str) -> str:
        seen = set()
        while key in self.merged and key not in seen:
            seen.add(key)
            key = self.merged[key]
        return key

    def name(self, key: str) -> str:
        key = self.key(key)
        return self.names.get(key, key.split(":", 1)[-1])


def canon(store: Store) -> Canon:
    """Build the store-wide key merges from acronym definitions and full names (over the
    whole store, whatever a listing's filters: an acronym defined last year still
    explains today's bare use)."""
    names: dict[str, str] = {}
    merged: dict[str, str] = {}
    persons: dict[str, set[str]] = defaultdict(set)
    shorts: dict[str, set[str]] = defaultdict(set)
    for _, note in store.annotations_by_kind(("entity", "alias")):
        if note.kind == "alias":
            shorts[note.data["short"].casefold()].add(note.data["key"])
            names.setdefault(note.data["key"], note.data["long"])
            continue
        key = note.data["key"]
        names.setdefault(key, note.data["name"])
        if note.label == "PERSON" and len(note.data["name"].split()) > 1:
            for word in note.data["name"].split():
                persons[word.casefold()].add(key)
    for _, note in store.annotations_by_kind(("entity",)):
        key = note.data["key"]
        words = note.data["name"].split()
        if note.data.get("via") == "ner" and note.data["text"].casefold() in shorts:
            targets = shorts[note.data["text"].casefold()]
            if len(targets) == 1 and key not in targets:
                merged[key] = next(iter(targets))
        elif note.label in ("PERSON", "ORG") and note.data.get("via") == "ner" and len(words) == 1:
            # a lone surname, also where the model took it for an ORG ("Alvi"); never a
            # place ("Jordan" is not Michael Jordan)
            owners = persons.get(words[0].casefold(), set())
            if len(owners) == 1 and key not in owners:
                merged[key] = next(iter(owners))
    return Canon(merged, names)


def entities(
    store: Store,
    type_: str | None = None,
    query: str | None = None,
    filters: ArticleFilter | None = None,
    limit: int | None = 50,
    c: Canon | None = None,
) -> list[dict[str, Any]]:
    """Entities by number of mentions: name, type, aliases, roles, mentions, articles.
    (``c``: store-wide merges already built by the caller.)"""
    c = c or canon(store)
    table: dict[str, dict[str, Any]] = {}
    for ref, note in store.annotations_by_kind(("entity", "role"), filters):
        if note.kind == "role":
            row = table.setdefault(
                c.key(note.data["key"]), _entity_row(c, note.data["key"], "PERSON")
            )
            role = {"title": note.data["title"], "organisation": note.data["organisation"]}
            if role not in row["roles"]:
                row["roles"].append(role)
            continue
        key = c.key(note.data["key"])
        row = table.setdefault(key, _entity_row(c, key, note.label or "?"))
        row["mentions"] += 1
        row["_articles"].add(ref.id)
        row["_aliases"][note.data["text"]] += 1
    rows = []
    wanted = normalise_name(query) if query else None
    for row in table.values():
        row["articles"] = len(row.pop("_articles"))
        aliases = row.pop("_aliases")
        row["aliases"] = [a for a, _ in aliases.most_common() if a != row["name"]]
        if row["mentions"] == 0:
            continue
        if type_ and row["type"] != type_.upper():
            continue
        if wanted and not any(wanted in normalise_name(n) for n in (row["name"], *row["aliases"])):
            continue
        rows.append(row)
    rows.sort(key=lambda r: (-r["mentions"], r["name"]))
    return rows[:limit] if limit else rows


def _entity_row(c: Canon, key: str, type_: str) -> dict[str, Any]:
    return {"name": c.name(key), "type": key.split(":", 1)[0] or type_, "key": key,
            "aliases": [], "roles": [], "mentions": 0, "articles": 0,
            "_articles": set(), "_aliases": Counter()}  # fmt: skip


def find_entity(store: Store, name: str, filters: ArticleFilter | None = None) -> dict[str, Any]:
    """One entity's profile: aliases, roles, mentions per day, quotes by and about it,
    and the entities it appears with. Raises ``LookupError`` when nothing matches."""
    c = canon(store)
    match = _best_match(entities(store, query=name, filters=filters, limit=None, c=c), name)
    key = match["key"]
    per_day: Counter[str] = Counter()
    articles: set[int] = set()
    together: Counter[str] = Counter()
    by_article: dict[int, set[str]] = defaultdict(set)
    for ref, note in store.annotations_by_kind(("entity",), filters):
        other = c.key(note.data["key"])
        by_article[ref.id].add(other)
        if other == key:
            per_day[ref.published or "undated"] += 1
            articles.add(ref.id)
    for article_id in articles:
        together.update(k for k in by_article[article_id] if k != key)
    profile = dict(match)
    profile["mentions_over_time"] = [{"date": d, "mentions": n} for d, n in sorted(per_day.items())]
    said = quotes(store, filters=filters, c=c)
    profile["quotes_by"] = [q for q in said if q["speaker_key"] == key]
    profile["quotes_about"] = [q for q in said if q["speaker_key"] != key
                               and match["name"] in q["about"]]  # fmt: skip
    profile["co_occurring"] = [{"name": c.name(k), "type": k.split(":", 1)[0], "articles": n}
                               for k, n in together.most_common(15)]  # fmt: skip
    return profile


def quotes(
    store: Store,
    speaker: str | None = None,
    about: str | None = None,
    filters: ArticleFilter | None = None,
    c: Canon | None = None,
) -> list[dict[str, Any]]:
    """Attributed quotes with their canonical speaker, cue, content and evidence."""
    c = c or canon(store)
    mentions: dict[int, list[Annotation]] = defaultdict(list)
    found: list[tuple[StoredArticleRef, Annotation]] = []
    for ref, note in store.annotations_by_kind(("entity", "quote"), filters):
        if note.kind == "entity":
            mentions[ref.id].append(note)
        else:
            found.append((ref, note))
    speaker_key = _wanted_key(store, speaker, filters, c)
    about_key = _wanted_key(store, about, filters, c)
    rows = []
    for ref, quote in found:
        entity = _speaker_entity(quote, mentions[ref.id])
        key = c.key(entity.data["key"]) if entity else None
        if speaker is not None and key != speaker_key:
            continue
        inside = {
            c.key(m.data["key"]) for m in mentions[ref.id] if quote.start <= m.start < quote.end
        }
        if about is not None and about_key not in inside:
            continue
        rows.append({
            "speaker": c.name(key) if key else quote.data.get("speaker") or quote.data.get("source"),
            "speaker_key": key,
            "source": quote.data.get("source"),
            "cue": quote.data.get("cue"),
            "text": quote.data.get("text"),
            "kind": quote.label,
            "article_id": ref.id,
            "published": ref.published,
            "outlet": ref.outlet,
            "start": quote.start,
            "end": quote.end,
            "about": sorted(c.name(k) for k in inside),
        })  # fmt: skip
    return rows


def _best_match(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The entity named ``name`` exactly, else by an alias, else the most mentioned one
    whose name contains it. Raises ``LookupError`` when none does."""
    wanted = normalise_name(name)
    exact = [r for r in rows if normalise_name(r["name"]) == wanted]
    aliased = [r for r in rows if wanted in map(normalise_name, r["aliases"])]
    for found in (exact, aliased, rows):
        if found:
            return found[0]
    raise LookupError(name)


def _wanted_key(
    store: Store, name: str | None, filters: ArticleFilter | None, c: Canon
) -> str | None:
    """The key of the entity a ``--speaker``/``--about`` option names ("?" for none)."""
    if name is None:
        return None
    try:
        return str(
            _best_match(entities(store, query=name, filters=filters, limit=None, c=c), name)["key"]
        )
    except LookupError:
        return "?"


def _speaker_entity(quote: Annotation, mentions: Iterable[Annotation]) -> Annotation | None:
    """The entity mention that covers the quote's speaker span (else its source span)."""
    for start_field, end_field in (
        ("speaker_start", "speaker_end"),
        ("source_start", "source_end"),
    ):
        start, end = quote.data.get(start_field), quote.data.get(end_field)
        if start is None or end is None:
            continue
        inside = [m for m in mentions if m.start < end and start < m.end]
        people = [m for m in inside if m.label == "PERSON"]
        if people or inside:
            return (people or inside)[-1]
    return None


def events(
    store: Store,
    type_: str | None = None,
    place: str | None = None,
    filters: ArticleFilter | None = None,
    c: Canon | None = None,
) -> list[dict[str, Any]]:
    """Events in date order (events without a date last): type, name, date, place,
    participants ({name, role}), ordinal and evidence. ``since``/``until`` in
    ``filters`` apply to the event's own date (the article's date when it has none)."""
    c = c or canon(store)
    rows = []
    by_article = replace(filters, since=None, until=None) if filters else None
    for ref, note in store.annotations_by_kind(("event",), by_article):
        data = note.data
        date = data.get("date")
        if filters and filters.since and (date or ref.published or "") < filters.since:
            continue
        if filters and filters.until and (date or ref.published or "9999") > filters.until:
            continue
        if type_ and note.label != type_.lower():
            continue
        if place and normalise_name(place) != normalise_name(data.get("place") or ""):
            continue
        rows.append({
            "type": note.label,
            "name": data["name"],
            "ordinal": data.get("ordinal"),
            "date": date,
            "place": data.get("place"),
            "mode": data.get("mode"),
            "participants": [{"name": c.name(p["key"]), "role": p["role"]}
                             for p in data.get("participants", [])],
            "article_id": ref.id,
            "outlet": ref.outlet,
            "start": note.start,
            "end": note.end,
            "evidence": data.get("evidence", []),
        })  # fmt: skip
    rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["article_id"], r["start"]))
    return rows


def article_facts(store: Store, article_id: int) -> dict[str, list[dict[str, Any]]]:
    """One article's entities, roles, time expressions, quotes and events, with spans."""
    c = canon(store)
    notes = store.annotations(article_id, ["entity", "role", "timex", "quote", "event"])
    kinds: dict[str, list[Annotation]] = defaultdict(list)
    for note in notes:
        kinds[note.kind].append(note)
    article_filter = ArticleFilter(ids=(article_id,))
    return {
        "entities": [{"name": c.name(n.data["key"]), "type": n.label, "text": n.data["text"],
                      "start": n.start, "end": n.end} for n in kinds["entity"]],
        "roles": [{"person": c.name(n.data["key"]), "title": n.data["title"],
                   "organisation": n.data["organisation"], "start": n.start, "end": n.end}
                  for n in kinds["role"]],
        "times": [{"text": n.data["text"], "type": n.label, "value": n.data["value"],
                   "start": n.start, "end": n.end} for n in kinds["timex"]],
        "quotes": quotes(store, filters=article_filter, c=c),
        "events": events(store, filters=article_filter, c=c),
    }  # fmt: skip
