"""Canonical entities with roles: who and what an article names, the same across the store.

For each English article the ``entities`` stage:

1. repairs spaCy's mentions with an entity ruler (spaCy's own component) holding the
   gazetteer (``gazetteer.yaml``), the acronyms the article defines, and patterns for
   numbered meetings and conferences ("The Second Meeting of the Joint Working Group …",
   which the small model calls a WORK_OF_ART);
2. names every mention canonically: an acronym becomes its long form ("CPEC" →
   China-Pakistan Economic Corridor), an alias its gazetteer name, and a short mention
   the full name it abbreviates in the same article ("Xi" → Xi Jinping, "Alvi" → Arif
   Alvi, even where the model tagged "Alvi" as an organisation);
3. splits titles from names and keeps them as roles with their organisation or country:
   "Chinese President Xi Jinping" → Xi Jinping, President, China; "Foreign Secretary of
   Pakistan Sohail Mahmood"; "Xi, also general secretary of the CPC Central Committee";
   "Zamir Ahmed Awan is a senior fellow with the Center for China and Globalization".

Each mention carries a ``key`` (type and normalised canonical name), so the same person
is one entity across articles; ``query/facts.py`` merges keys store-wide through the
acronym definitions (``alias`` annotations) that any article made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from newswatch.enrich.acronyms import Acronym, find_acronyms
from newswatch.enrich.linguistic import load_model
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Doc, Span

ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT", "DISEASE")
"""Labels that name something; dates and amounts belong to the time stage, not here."""

TITLE_HEADS = frozenset(
    """president minister secretary ambassador chairman chairwoman chairperson chair premier
    senator governor spokesperson spokesman spokeswoman director chief general commander
    mayor king queen prince envoy counsellor counselor councillor adviser advisor fellow
    professor dean ceo head leader consul representative congressman congresswoman speaker
    judge justice attorney commissioner chancellor administrator founder editor economist
    analyst researcher scholar sinologist correspondent columnist diplomat officer member
    vice-president vice-chairman vice-premier secretary-general lieutenant colonel admiral
    marshal captain major""".split()
)
"""Nouns that head a title ("Vice Foreign *Minister*", "senior *fellow*")."""

TITLE_MODIFIERS = frozenset(
    """vice deputy foreign prime federal finance interior defence defense planning state
    senior assistant special executive former acting interim provincial national permanent
    information commerce trade railways maritime development affairs party junior associate
    research visiting managing general chief first principal parliamentary army air naval
    police education health energy water power economic political cabinet""".split()
)

HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. dr dr. sir madam".split())

DEMONYMS = {
    "chinese": "China",
    "pakistani": "Pakistan",
    "indian": "India",
    "american": "United States",
    "afghan": "Afghanistan",
    "iranian": "Iran",
    "russian": "Russia",
    "british": "United Kingdom",
    "japanese": "Japan",
    "saudi": "Saudi Arabia",
    "turkish": "Turkey",
    "bangladeshi": "Bangladesh",
    "sri lankan": "Sri Lanka",
    "us": "United States",
    "u.s.": "United States",
}
"""Countries of the adjectives that precede titles ("Pakistani President")."""

ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "inaugural 1st 2nd 3rd 4th 5th 6th 7th 8th 9th 10th 11th 12th"
).split()
EVENT_NOUNS = (
    "meeting meetings conference summit session forum round dialogue consultation "
    "consultations congress plenum symposium expo exhibition"
).split()
MONTHS = (
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
).split()
_CONNECTORS = ["of", "on", "and", "for", "the", "-", "&", "in"]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    type: str
    name: str
    via: str

    @property
    def key(self) -> str:
        return entity_key(self.type, self.name)


@dataclass(frozen=True)
class Role:
    start: int
    end: int
    person: str
    title: str
    organisation: str | None


def entity_key(type_: str, name: str) -> str:
    """``TYPE:normalised name``: the identity of an entity across the store."""
    return f"{type_}:{normalise_name(name)}"


def normalise_name(name: str) -> str:
    text = name.casefold().replace("’", "'").replace("‐", "-")
    text = re.sub(r"^the\s+", "", text)
    text = re.sub(r"['’]s$", "", text)
    return re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", text)).strip(" .,")


# ── the gazetteer and the ruler ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    type: str
    aliases: tuple[str, ...]


@cache
def gazetteer_text() -> str:
    return resources.files("newswatch.enrich").joinpath("gazetteer.yaml").read_text("utf-8")


@cache
def gazetteer() -> dict[str, GazetteerEntry]:
    """Every name and alias of the gazetteer, normalised, to its entry."""
    entries = [
        GazetteerEntry(e["name"], e["type"], tuple(e.get("aliases") or ()))
        for e in yaml.safe_load(gazetteer_text())
    ]
    table: dict[str, GazetteerEntry] = {}
    for entry in entries:
        for surface in (entry.name, *entry.aliases):
            table.setdefault(normalise_name(surface), entry)
    return table


def _event_patterns() -> list[dict[str, Any]]:
    """Numbered meetings and conferences named after their body: "the Second Meeting of
    the Joint Working Group on …", "the inaugural meeting of JWG-ICC"."""
    name_word = {"REGEX": r"^[A-Z]", "NOT_IN": MONTHS}
    capital = {"TEXT": name_word}
    inner = {"TEXT": name_word, "OP": "*"}
    opening = [
        {"LOWER": {"IN": ORDINALS}},
        {"LOWER": {"IN": EVENT_NOUNS}},
        {"LOWER": "of"},
        {"LOWER": "the", "OP": "?"},
        capital,
    ]
    connected = [{"LOWER": {"IN": _CONNECTORS}, "OP": "?"}, inner] * 6
    return [
        {"label": "EVENT", "pattern": [*opening, *connected, capital]},
        {"label": "EVENT", "pattern": opening},
    ]


@cache
def _token_pattern(surface: str) -> tuple[dict[str, str], ...]:
    """A phrase as a token pattern: matching it needs only the tokenizer, where a phrase
    pattern would run the whole pipeline over the phrase each time a ruler is built."""
    return tuple({"TEXT": token.text} for token in load_model().tokenizer(surface))


def _phrase(label: str, surface: str) -> dict[str, Any]:
    return {"label": label, "pattern": list(_token_pattern(surface))}


@cache
def _base_patterns() -> tuple[dict[str, Any], ...]:
    patterns: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in gazetteer().values():
        for surface in (entry.name, *entry.aliases):
            if surface not in seen:
                seen.add(surface)
                patterns.append(_phrase(entry.type, surface))
    return tuple(patterns + _event_patterns())


def _ruler(acronyms: Iterable[Acronym]) -> EntityRuler:
    """An entity ruler with the gazetteer, event patterns and the article's acronyms.

    Built per article because the acronyms are the article's own (one ruler, so the
    longest match wins across all patterns); token patterns compile in about a
    millisecond.
    """
    from spacy.pipeline import EntityRuler

    ruler = EntityRuler(load_model(), overwrite_ents=True)
    extra: list[dict[str, Any]] = []
    for acronym in acronyms:
        label = _gazetteer_type(acronym.long) or "ORG"
        extra.append(_phrase(label, acronym.long))
        extra.append(_phrase(label, acronym.short))
    ruler.add_patterns([*_base_patterns(), *extra])
    return ruler


def _gazetteer_type(text: str) -> str | None:
    entry = gazetteer().get(normalise_name(text))
    return entry.type if entry else None


# ── mentions ─────────────────────────────────────────────────────────────────────────


def extract(doc: Doc) -> tuple[list[Mention], list[Role], list[Acronym]]:
    """Canonical mentions, roles and acronym definitions of one parsed article."""
    acronyms = find_acronyms(doc.text)
    doc = _ruler(acronyms)(doc)
    longs = {a.short.casefold(): a.long for a in acronyms}
    trimmed = [_trim(ent) for ent in doc.ents if ent.label_ in ENTITY_TYPES]
    spans = [s for s in trimmed if s is not None and s.text.strip() and not _only_title(s)]
    people = _full_names([s for s in spans if s.label_ == "PERSON"])
    mentions = [_canonical(span, longs, people) for span in spans]
    for acronym in acronyms:  # a long form nested in a bigger mention is a mention too
        if not any(m.start <= acronym.long_start and acronym.long_end <= m.end and m.text ==
                   acronym.long for m in mentions):  # fmt: skip
            name = _gazetteer_name(acronym.long) or acronym.long
            type_ = _gazetteer_type(acronym.long) or "ORG"
            mentions.append(
                Mention(acronym.long_start, acronym.long_end, acronym.long, type_, name, "acronym")
            )
    mentions.sort(key=lambda m: (m.start, -m.end))
    roles = _roles(doc, mentions)
    return mentions, roles, acronyms


def _only_title(span: Span) -> bool:
    """A "mention" made of title words alone ("Planning" in "Planning Minister Asad
    Umar", which the small model tags ORG) names no entity; the role keeps it."""
    return all(t.lower_ in _TITLE_WORDS for t in span)


def _trim(span: Span) -> Span | None:
    """Drop a leading "the", titles and honorifics from a mention, and a trailing "'s"."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and doc[start].lower_ in ("the", *HONORIFICS):
        start += 1
    if span.label_ == "PERSON":
        while start < end - 1 and doc[start].lower_ in TITLE_HEADS | TITLE_MODIFIERS:
            start += 1
    while end > start and doc[end - 1].lower_ in ("'s", "’s", "'", "’"):
        end -= 1
    if start >= end:
        return None
    from spacy.tokens import Span as SpanType

    return SpanType(doc, start, end, label=span.label_)


def _full_names(people: list[Span]) -> dict[str, str]:
    """Each name token of a multi-word person name → that full name ("Xi" → Xi Jinping).

    A token shared by two different full names ("Khan") is ambiguous and maps to neither.
    """
    owners: dict[str, set[str]] = {}
    for span in people:
        if len(span) > 1:
            for token in span:
                if token.is_alpha and token.text[0].isupper():
                    owners.setdefault(token.text, set()).add(span.text)
    return {token: names.pop() for token, names in owners.items() if len(names) == 1}


def _canonical(span: Span, longs: dict[str, str], people: dict[str, str]) -> Mention:
    text = span.text
    start, end = span.start_char, span.end_char
    label = span.label_
    if len(span) <= 2 and all(t.text in people for t in span if t.is_alpha):
        full = {people[t.text] for t in span if t.is_alpha}
        if len(full) == 1 and full != {text}:  # "Xi", "Alvi" (whatever the model called it)
            return Mention(start, end, text, "PERSON", full.pop(), "alias")
    long = longs.get(text.casefold())
    if long is not None:
        name = _gazetteer_name(long) or long
        return Mention(start, end, text, _gazetteer_type(long) or label, name, "acronym")
    known = _gazetteer_name(text)
    if known is not None:
        return Mention(start, end, text, _gazetteer_type(text) or label, known, "gazetteer")
    if text.isupper() and len(text) > 4 and label in ("GPE", "LOC"):
        return Mention(start, end, text, label, text.title(), "ner")  # a dateline: "BEIJING"
    return Mention(start, end, text, label, text, "ner")


def _gazetteer_name(text: str) -> str | None:
    entry = gazetteer().get(normalise_name(text))
    return entry.name if entry else None


# ── roles ────────────────────────────────────────────────────────────────────────────

_TITLE_WORDS = TITLE_HEADS | TITLE_MODIFIERS
_RIGHT_SKIP = frozenset(
    "who which , also now currently previously formerly once then has had have been is was "
    "served serves serving became becomes as".split()
)


def _roles(doc: Doc, mentions: list[Mention]) -> list[Role]:
    """Titles before a person's name, in apposition after it, or after "is a" / "served
    as", each with the organisation or country it belongs to."""
    by_token = _mention_at_token(doc, mentions)
    roles: list[Role] = []
    for mention in mentions:
        if mention.type != "PERSON" or mention.via == "acronym":
            continue
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is None:
            continue
        for found in (_title_before(doc, span, by_token), *_titles_after(doc, span, by_token)):
            if found is not None:
                title, organisation, first, last = found
                roles.append(
                    Role(
                        doc[first].idx,
                        doc[last].idx + len(doc[last]),
                        mention.name,
                        title,
                        organisation,
                    )
                )
    return _most_specific(roles)


def _mention_at_token(doc: Doc, mentions: list[Mention]) -> dict[int, tuple[Mention, int, int]]:
    """Token index → (mention, first token, last token) for the outermost mentions."""
    table: dict[int, tuple[Mention, int, int]] = {}
    for mention in mentions:
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is None:
            continue
        for i in range(span.start, span.end):
            if i not in table or (table[i][2] - table[i][1]) < (span.end - 1 - span.start):
                table[i] = (mention, span.start, span.end - 1)
    return table


def _organisation(mention: Mention) -> str:
    return mention.name


def _title_before(
    doc: Doc, span: Span, by_token: dict[int, tuple[Mention, int, int]]
) -> tuple[str, str | None, int, int] | None:
    """ "Chinese President Xi Jinping", "Foreign Secretary of Pakistan Sohail Mahmood",
    "Prime Minister of Pakistan, Imran Khan"."""
    i = span.start - 1
    if i >= 0 and doc[i].text == ",":
        i -= 1
    organisation = None
    if i >= 1 and i in by_token and by_token[i][0].type in ("GPE", "ORG"):
        owner, first, _ = by_token[i]
        if first >= 1 and doc[first - 1].lower_ == "of":
            organisation = _organisation(owner)
            i = first - 2
    last = i
    while i >= 0 and doc[i].lower_ in _TITLE_WORDS and not _is_person(by_token, i):
        i -= 1
    first = i + 1
    if first > last or not any(doc[k].lower_ in TITLE_HEADS for k in range(first, last + 1)):
        return None
    title = _title_text(doc, first, last)
    if i >= 0 and organisation is None:
        organisation = _country(doc, i, by_token)
        if organisation is not None:
            first = i if i not in by_token else by_token[i][1]
    return title, organisation, first, span.end - 1


def _titles_after(
    doc: Doc, span: Span, by_token: dict[int, tuple[Mention, int, int]]
) -> list[tuple[str, str | None, int, int] | None]:
    """ "Xi, also general secretary of the CPC Central Committee", "Awan is a senior
    fellow with the Center for China and Globalization … and a sinologist at NUST"."""
    found: list[tuple[str, str | None, int, int] | None] = []
    i = span.end
    end = min(len(doc), span.end + 40)
    if i < end and doc[i].text not in (",", "is", "was", "who", "served", "serves", "has"):
        return found
    while i < end:
        while i < end and (doc[i].lower_ in _RIGHT_SKIP or doc[i].lower_ in ("a", "an", "the")):
            if doc[i].is_sent_start and i > span.end:
                return found
            i += 1
        country = None
        if i < end and (c := _country(doc, i, by_token)) is not None:
            country = c
            i = by_token[i][2] + 1 if i in by_token else i + 1
        first = i
        while i < end and doc[i].lower_ in _TITLE_WORDS and not _is_person(by_token, i):
            i += 1
        heads = [k for k in range(first, i) if doc[k].lower_ in TITLE_HEADS]
        if not heads:
            return found
        last = heads[-1]
        i = last + 1
        organisation = country
        if i + 1 < end and doc[i].lower_ in ("of", "at", "with", "to", "for", "in"):
            j = i + 1
            if j in by_token and by_token[j][0].type in ("ORG", "GPE", "FAC"):
                owner, _, owner_last = by_token[j]
                if country is None or doc[i].lower_ != "to":
                    organisation = _organisation(owner)
                i = owner_last + 1
            elif doc[j].lower_ == "the" and j + 1 in by_token:
                owner, _, owner_last = by_token[j + 1]
                organisation = _organisation(owner)
                i = owner_last + 1
        found.append((_title_text(doc, first, last), organisation, first, i - 1))
        if i + 2 < end and doc[i].text == "(" and doc[i + 2].text == ")":
            i += 3  # the organisation's acronym: "… Globalization (CCG) and a sinologist"
        if i < end and doc[i].lower_ == "and" and i + 1 < end and doc[i + 1].lower_ in ("a", "an"):
            i += 1
            continue
        break
    return found


def _is_person(by_token: dict[int, tuple[Mention, int, int]], i: int) -> bool:
    return i in by_token and by_token[i][0].type == "PERSON"


def _country(doc: Doc, i: int, by_token: dict[int, tuple[Mention, int, int]]) -> str | None:
    """The country of a demonym mention at token ``i`` ("Pakistani" → Pakistan)."""
    if i in by_token and by_token[i][0].type in ("NORP", "GPE"):
        mention = by_token[i][0]
        return DEMONYMS.get(mention.text.casefold(), mention.name)
    if doc[i].lower_ in DEMONYMS:
        return DEMONYMS[doc[i].lower_]
    return None


def _title_text(doc: Doc, first: int, last: int) -> str:
    return doc[first : last + 1].text


def _most_specific(roles: list[Role]) -> list[Role]:
    """Drop a role that another role of the same person says more fully ("Minister"
    beside "Vice Foreign Minister")."""
    kept = []
    for role in roles:
        shadowed = any(
            other is not role
            and other.person == role.person
            and role.organisation in (None, other.organisation)
            and role.title.casefold() in other.title.casefold()
            and (other.title, other.organisation) != (role.title, role.organisation)
            for other in roles
        )
        if not shadowed:
            kept.append(role)
    return kept


# ── the stage ────────────────────────────────────────────────────────────────────────


@register
class EntityStage:
    """Canonical entity mentions (``entity``), roles (``role``) and acronym definitions
    (``alias``) of English articles."""

    spec = StageSpec(
        name="entities",
        version="1.0+" + hashlib.sha256(gazetteer_text().encode()).hexdigest()[:8],
        requires=("language",),
        assigns=("entity", "role", "alias"),
        spacy_pipes=("ner",),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        return batch.map_english(self.annotate)

    @staticmethod
    def annotate(article: StoredArticle, doc: Doc) -> StageOutput:
        mentions, roles, acronyms = extract(doc.copy())
        annotations = [
            Annotation("entity", m.start, m.end, m.type,
                       data={"text": m.text, "name": m.name, "key": m.key, "via": m.via})
            for m in mentions
        ]  # fmt: skip
        annotations += [
            Annotation("role", r.start, r.end, r.title,
                       data={"person": r.person, "key": entity_key("PERSON", r.person),
                             "title": r.title, "organisation": r.organisation})
            for r in roles
        ]  # fmt: skip
        annotations += [
            Annotation("alias", a.long_start, a.short_start + len(a.short) + 1, "ACRONYM",
                       data={"short": a.short, "long": _gazetteer_name(a.long) or a.long,
                             "key": entity_key(_gazetteer_type(a.long) or "ORG",
                                               _gazetteer_name(a.long) or a.long)})
            for a in acronyms
        ]  # fmt: skip
        return StageOutput(article.id, tuple(annotations))
