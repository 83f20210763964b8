"""Events: meetings, conferences, visits, agreements, statements and messages.

An event is found where the text names one ("the Second Meeting of the JWG-ICC", an
EVENT entity from the entities stage), refers back to one ("The meeting was co-chaired
by …" continues the last meeting named), or describes one with a verb or noun a desk
watches for ("made the remarks in a verbal message to", "visited", "signed an
agreement", "said in a statement"). Each event gathers, from the sentences that mention
it: its date (a normalised value from the time stage), place ("held … in Urumqi", "via
video link"), and participants with roles (chair, co-chair, organiser, host, sender,
recipient, visitor, signatory), each participant a canonical entity. Every attribute
keeps its evidence span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newswatch.enrich.entities import ORDINALS, normalise_name
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

EVENT_TYPES = {
    "meeting": "meeting", "meetings": "meeting", "session": "meeting", "round": "meeting",
    "dialogue": "meeting", "consultation": "meeting", "consultations": "meeting",
    "talks": "meeting", "conference": "conference", "forum": "conference",
    "congress": "conference", "symposium": "conference", "plenum": "conference",
    "expo": "conference", "exhibition": "conference", "summit": "summit", "visit": "visit",
    "message": "message", "letter": "message", "statement": "statement",
    "agreement": "agreement", "accord": "agreement", "mou": "agreement", "deal": "agreement",
    "memorandum": "agreement",
}  # fmt: skip
"""Head nouns of event mentions and the event type each names."""

ORDINAL_VALUES = {word: (i % 12) + 1 for i, word in enumerate(ORDINALS[:12])} | {
    "inaugural": 1,
    **{f"{n}{s}": n for n in range(1, 13) for s in ("st", "nd", "rd", "th")},
}

PARTICIPANT_CUES = (
    (re.compile(r"\bco-?chaired\s+by\b", re.I), "co-chair"),
    (re.compile(r"\bchaired\s+by\b|\bpresided\s+over\s+by\b", re.I), "chair"),
    (re.compile(r"\borgani[sz]ed\s+by\b", re.I), "organiser"),
    (re.compile(r"\bhosted\s+by\b", re.I), "host"),
    (re.compile(r"\battended\s+by\b", re.I), "attendee"),
    (re.compile(r"\baddressed\s+by\b", re.I), "speaker"),
)
VIRTUAL = re.compile(r"\b(?:via|through|by)\s+(video\s+link|video\s+conference|videoconference)|"
                     r"\b(virtually|online)\b", re.I)  # fmt: skip
_NOT_WHEN = re.compile(r"\b(?:by|until|till|before|after|since)\s+(?:the\s+)?$", re.I)
"""A deadline or a bound ("finished by 2022") is not when the event took place."""
_DAY_VALUE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_AGENT_TYPES = ("PERSON", "ORG", "GPE", "NORP")
AGENT_ROLES = {"message": "sender", "statement": "sender", "agreement": "signatory",
               "visit": "visitor"}  # fmt: skip
"""The role of the subject of the clause that names an event of each type."""


@dataclass
class Event:
    type: str
    name: str
    start: int
    end: int
    ordinal: int | None = None
    date: str | None = None
    date_text: str | None = None
    place: str | None = None
    mode: str | None = None
    participants: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[tuple[int, int]] = field(default_factory=list)

    def add_participant(self, entity: Annotation, role: str) -> None:
        key = entity.data["key"]
        for p in self.participants:
            if p["key"] == key:
                if p["role"] != role and role not in ("participant",):
                    p["role"] = role if p["role"] == "participant" else p["role"]
                return
        self.participants.append({"name": entity.data["name"], "key": key, "role": role,
                                  "type": entity.label})  # fmt: skip


def find_events(
    doc: Doc,
    entities: list[Annotation],
    times: list[Annotation],
    roles: Sequence[Annotation] = (),
) -> list[Event]:
    """The events of one article, merged across the sentences that mention them.

    ``roles`` (from the entities stage) mark titles, so the country in "Foreign
    Secretary of Pakistan Sohail Mahmood" is not taken for a participant.
    """
    entities = [e for e in entities if not _inside_title(e, roles)]
    events: list[Event] = []
    for sentence in doc.sents:
        in_sentence = [e for e in entities if sentence.start_char <= e.start < sentence.end_char]
        sentence_times = [t for t in times if sentence.start_char <= t.start < sentence.end_char]
        for event, anchor in _mentions(sentence, in_sentence, events):
            _describe(event, sentence, anchor, in_sentence, sentence_times)
            if event not in events:
                events.append(event)
    events = _merge_messages(events)
    for event in events:  # remarks sent by message are dated by the report of the remarks
        if event.date is None and event.type in ("message", "statement"):
            _date_from_earlier_report(event, doc, entities, times)
    return events


def _merge_messages(events: list[Event]) -> list[Event]:
    """One message told twice ("sent a congratulatory letter to the conference", "had
    previously sent a congratulatory message to the conference") is one event."""
    merged: list[Event] = []
    for event in events:
        twin = next((m for m in merged if event.type == m.type == "message"
                     and _party(m, "recipient") == _party(event, "recipient") is not None
                     and _party(event, "sender") in (None, _party(m, "sender"))), None)  # fmt: skip
        if twin is None:
            merged.append(event)
            continue
        twin.evidence.extend(event.evidence)
        twin.date = twin.date or event.date
        for p in event.participants:
            if all(p["key"] != q["key"] for q in twin.participants):
                twin.participants.append(p)
    return merged


def _party(event: Event, role: str) -> str | None:
    return next((p["key"] for p in event.participants if p["role"] == role), None)


def _inside_title(entity: Annotation, roles: Sequence[Annotation]) -> bool:
    return entity.label != "PERSON" and any(
        r.start <= entity.start and entity.end <= r.end for r in roles
    )


def _mentions(
    sentence: Span, entities: list[Annotation], known: list[Event]
) -> list[tuple[Event, int]]:
    """(event, character offset of its mention) for each event this sentence mentions."""
    found: list[tuple[Event, int]] = []
    covered: list[tuple[int, int]] = []
    for entity in entities:
        if entity.label != "EVENT":
            continue
        name = entity.data["name"]
        words = name.split()
        ordinal = ORDINAL_VALUES.get(words[0].lower()) if words else None
        head = next((EVENT_TYPES[w.lower()] for w in words if w.lower() in EVENT_TYPES), "meeting")
        event = _same(known, name) or Event(head, name, entity.start, entity.end, ordinal)
        event.evidence.append((entity.start, entity.end))
        found.append((event, entity.start))
        covered.append((entity.start, entity.end))
    for token in sentence:
        kind = EVENT_TYPES.get(token.lower_)
        inside = any(s <= token.idx < e for s, e in covered)
        if kind is None or inside or token.pos_ not in ("NOUN", "PROPN"):
            continue
        determiner = token.left_edge.lower_ if token.left_edge.i < token.i else ""
        if determiner in ("the", "this", "that"):
            earlier = next((e for e in reversed(known) if e.type == kind), None)
            if earlier is not None:  # "The meeting was co-chaired by …"
                earlier.evidence.append((token.idx, token.idx + len(token)))
                found.append((earlier, token.idx))
            continue
        if kind in ("message", "statement", "agreement", "visit"):
            phrase = _noun_phrase(token)
            event = Event(kind, phrase.text, phrase.start_char, phrase.end_char)
            event.evidence.append((phrase.start_char, phrase.end_char))
            found.append((event, token.idx))
    for token in sentence:
        if token.lemma_ == "visit" and token.pos_ == "VERB":
            event = Event("visit", f"visit to {_object_text(token)}", token.idx,
                          token.idx + len(token))  # fmt: skip
            event.evidence.append((token.idx, token.idx + len(token)))
            found.append((event, token.idx))
    return found


def _same(known: list[Event], name: str) -> Event | None:
    key = normalise_name(name)
    return next((e for e in known if normalise_name(e.name) == key), None)


def _noun_phrase(token: Any) -> Span:
    """The event noun with its modifiers and what it is about: "an agreement on the
    Karachi-Peshawar railway", "congratulatory letter" (not the rest of the clause)."""
    doc = token.doc
    start = token.i
    while start > token.left_edge.i and doc[start - 1].dep_ in ("amod", "compound"):
        start -= 1
    end = token.i + 1
    about = [
        c for c in token.rights if c.dep_ == "prep" and c.lower_ in ("on", "of", "for", "between")
    ]
    objects = [c for p in about[:1] for c in p.children if c.dep_ == "pobj"]
    if objects:
        end = objects[0].i + 1
    return doc[start:end]


def _object_text(verb: Any) -> str:
    objects = [c for c in verb.children if c.dep_ in ("dobj", "attr")]
    return objects[0].text if objects else "?"


def _describe(
    event: Event, sentence: Span, anchor: int, entities: list[Annotation], times: list[Annotation]
) -> None:
    """Fill the event's date, place and participants from one sentence."""
    text = sentence.text
    offset = sentence.start_char
    if event.date is None:
        dated = _occasions(times, sentence)
        if dated:
            best = min(dated, key=lambda t: (t.start < anchor, abs(t.start - anchor)))
            event.date, event.date_text = t_value(best), best.data.get("text")
    if event.place is None:
        virtual = VIRTUAL.search(text)
        if virtual:
            event.place = "video link" if virtual.group(1) else virtual.group(2).lower()
            event.mode = "virtual"
        else:
            for entity in entities:
                if entity.label in ("GPE", "LOC", "FAC") and entity.start > anchor:
                    before = text[: entity.start - offset].rstrip().lower()
                    if before.endswith((" in", " at")) and _outside_names(entity, entities):
                        event.place, event.mode = entity.data["name"], "in person"
                        break
    for cue, role in PARTICIPANT_CUES:
        for match in cue.finditer(text):
            clause_end = _clause_end(text, match.end())
            for entity in entities:
                local = entity.start - offset
                inside = match.end() <= local < clause_end
                if inside and entity.label in _AGENT_TYPES and _outside_names(entity, entities):
                    event.add_participant(entity, role)
    if event.type in AGENT_ROLES:
        _agents(event, sentence, anchor, entities)


def _occasions(times: Sequence[Annotation], sentence: Span) -> list[Annotation]:
    """Dates in ``sentence`` an event can have happened on: a day, month or year, not a
    bound. (``Doc.text`` is rebuilt on every access, so only the sentence's is read.)"""
    text, offset = sentence.text, sentence.start_char
    return [t for t in times if t.label == "DATE" and _DAY_VALUE.match(str(t.data.get("value")))
            and not _NOT_WHEN.search(text[max(0, t.start - offset - 8) : t.start - offset])]  # fmt: skip


def t_value(timex: Annotation) -> str:
    return str(timex.data["value"])


def _clause_end(text: str, start: int) -> int:
    match = re.compile(r"[,;.](?!\d)(?!\s*(?:and|&)\b)").search(text, start)
    return match.start() if match else len(text)


def _outside_names(entity: Annotation, entities: list[Annotation]) -> bool:
    """Not part of a longer mention ("Pakistan" inside "Foreign Secretary of Pakistan …"
    is the role's country, not a participant)."""
    return not any(
        o is not entity and o.start <= entity.start and entity.end <= o.end and
        (o.end - o.start) > (entity.end - entity.start) for o in entities
    )  # fmt: skip


def _agents(event: Event, sentence: Span, anchor: int, entities: list[Annotation]) -> None:
    """The subjects of the clause that names the event are its senders, signatories or
    visitors ("Pakistan and China signed an agreement"); what follows "to" in a message
    or visit is its recipient or destination ("in a verbal message to Y")."""
    token = next((t for t in sentence if t.idx == anchor), None)
    if token is None:
        return
    verb = token
    while (
        verb.dep_ not in ("ROOT", "ccomp", "conj", "relcl", "advcl", "acl")
        and verb.head.i != verb.i
    ):
        verb = verb.head
    for subject in (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")):
        for agent in (subject, *subject.conjuncts):
            found = _entity_at(agent.left_edge.idx, agent.idx + len(agent), entities)
            if found is not None:
                event.add_participant(found, AGENT_ROLES[event.type])
    if event.type not in ("message", "statement"):
        return
    text, offset = sentence.text, sentence.start_char
    to = re.search(r"\bto\s+", text[anchor - offset :])
    if to:
        start = anchor + to.end()
        clause = offset + _clause_end(text, start - offset)
        candidates = [
            e for e in entities if start <= e.start < clause and _outside_names(e, entities)
        ]
        people = [e for e in candidates if e.label in ("PERSON", "ORG", "GPE", "EVENT")]
        if people:
            event.add_participant(people[-1] if people[0].label == "NORP" else people[0],
                                  "recipient")  # fmt: skip


def _entity_at(start: int, end: int, entities: list[Annotation]) -> Annotation | None:
    inside = [e for e in entities if start <= e.start and e.end <= end and e.label in _AGENT_TYPES]
    people = [e for e in inside if e.label == "PERSON"]
    found = people or inside
    return found[-1] if found else None


def _date_from_earlier_report(
    event: Event, doc: Doc, entities: list[Annotation], times: list[Annotation]
) -> None:
    """ "Xi Jinping said Friday … / Xi … made the remarks in a verbal message": the
    message carries the date of the sentence that first reported its sender's words."""
    senders = {p["key"] for p in event.participants if p["role"] == "sender"}
    for sentence in doc.sents:
        if sentence.end_char > event.start:
            return
        names = {
            e.data["key"] for e in entities if sentence.start_char <= e.start < sentence.end_char
        }
        in_sentence = [t for t in times if sentence.start_char <= t.start < sentence.end_char]
        dated = _occasions(in_sentence, sentence)
        if senders & names and dated:
            event.date, event.date_text = t_value(dated[0]), dated[0].data.get("text")
            return


@register
class EventStage:
    """Events with type, name, ordinal, date, place and participants (``event``)."""

    spec = StageSpec(
        name="events",
        version="1.0",
        requires=("entities", "time"),
        assigns=("event",),
        spacy_pipes=("parser", "tagger", "attribute_ruler", "lemmatizer"),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        stored = batch.annotations(("entity", "role", "timex"))

        def annotate(article: StoredArticle, doc: Doc) -> StageOutput:
            found = stored[article.id]
            kinds = {
                kind: [a for a in found if a.kind == kind] for kind in ("entity", "timex", "role")
            }
            events = find_events(doc, kinds["entity"], kinds["timex"], kinds["role"])
            return StageOutput(article.id, tuple(_annotation(e) for e in events))

        return batch.map_english(annotate)


def _annotation(event: Event) -> Annotation:
    return Annotation(
        "event", event.start, event.end, event.type,
        data={"name": event.name, "ordinal": event.ordinal, "date": event.date,
              "date_text": event.date_text, "place": event.place, "mode": event.mode,
              "participants": event.participants, "evidence": event.evidence},
    )  # fmt: skip
