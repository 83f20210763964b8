"""Typed records passed between the stages of the flow.

    ingest ─► Draft | Rejection ─► normalise ─► Article ─► store ─► StoredArticle
                                                                      │
                                   enrich ◄────────────────────────────┘
                                     └─► StageOutput (annotations + article fields)

Every record is a plain frozen dataclass: no spaCy objects, no database rows.
Character offsets (``start``/``end``) always refer to ``StoredArticle.text``, end exclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

DatePrecision = Literal["year", "month", "day", "minute", "second"]
DateSource = Literal["header", "metadata", "html", "feed", "dateline", "sgml"]


@dataclass(frozen=True)
class PublishedDate:
    """A publication date as precise as its source allows, and where it came from.

    ``value`` is an ISO 8601 string truncated to ``precision``: ``"2019"``,
    ``"2019-04"``, ``"2020-08-21"`` or ``"2020-08-21T15:01:01"``. An unknown date is
    represented by ``None`` in the record that holds it, never by a guess.
    """

    value: str
    precision: DatePrecision
    source: DateSource

    @property
    def day(self) -> dt.date | None:
        """The calendar day, when the precision reaches a day."""
        if self.precision in ("year", "month"):
            return None
        return dt.date.fromisoformat(self.value[:10])


@dataclass(frozen=True)
class Draft:
    """What a reader extracted from one input item, before normalisation.

    ``source_key`` identifies the item across runs: an absolute file path, a URL,
    or ``path#item`` for one record inside a multi-record file (JSONL line, feed
    entry, Reuters story). Re-ingesting the same key with the same text is a no-op;
    with different text it becomes a new version of the article.

    Readers do not interpret dates: ``date_text`` is the date as the source wrote it
    (ISO 8601 where the source gave a structured value) and ``date_source`` says where
    it came from; ``normalise`` parses it and keeps its precision. ``raw`` holds the
    item's raw bytes, kept in quarantine if normalisation repairs or rejects it.
    """

    source_key: str
    text: str
    reader: str
    title: str | None = None
    title_source: str | None = None
    outlet: str | None = None
    authors: tuple[str, ...] = ()
    date_text: str | None = None
    date_source: DateSource | None = None
    url: str | None = None
    place: str | None = None
    language: str | None = None
    genre: str | None = None
    raw: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """An input item that could not be read, with the raw bytes kept for quarantine.

    ``action`` is ``"rejected"`` when nothing was stored, ``"repaired"`` when an
    article was stored after a questionable value was dropped (for example a
    publication date in the future, stored as unknown), or ``"skipped"`` for a file in
    a folder whose extension is no news format (reported, not read).
    """

    source: str
    reason: str
    reader: str
    raw: bytes = b""
    raw_size: int = 0
    action: Literal["rejected", "repaired", "skipped"] = "rejected"


@dataclass(frozen=True, kw_only=True)
class Article:
    """A normalised article ready to be stored (no id yet)."""

    source_key: str
    text: str
    content_hash: str
    reader: str
    title: str | None
    title_source: str | None
    outlet: str | None
    authors: tuple[str, ...]
    published: PublishedDate | None
    url: str | None
    place: str | None
    dateline: str | None
    language: str | None
    genre: str | None
    word_count: int
    signature: bytes = b""
    """MinHash signature (``uint32`` values) of the text, for near-duplicate search."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StoredArticle(Article):
    """An article as read back from the store.

    ``version`` counts the texts stored under the same ``source_key``; an older version
    has ``superseded_by`` set to the id of its successor. ``syndication_cluster`` is
    shared by all near-duplicate copies of one story.
    """

    id: int
    version: int
    superseded_by: int | None
    syndication_cluster: int
    ingested_at: str


IngestStatus = Literal["new", "updated", "unchanged", "duplicate", "near-duplicate"]


@dataclass(frozen=True)
class IngestOutcome:
    """What the store did with one article."""

    article_id: int
    status: IngestStatus
    syndication_cluster: int


@dataclass(frozen=True)
class Annotation:
    """One span-level (or article-level, with start = end = 0) fact from a stage."""

    kind: str
    start: int
    end: int
    label: str | None = None
    score: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StageOutput:
    """Everything one stage produced for one article.

    ``fields`` sets article columns the stage owns (for example ``language``).
    Annotations replace the stage's previous annotations of that article.
    """

    article_id: int
    annotations: tuple[Annotation, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str | None
    published: str | None
    outlet: str | None
    score: float
    snippet: str
    language: str | None = None
    syndication_cluster: int | None = None


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    source: str
    reader: str
    reason: str
    action: str
    at: str
    raw_size: int
    raw_stored: int
