"""Turn a reader's ``Draft`` into a clean, dated, hashed ``Article``.

1. clean the text (``text.clean_text``) and refuse it if nothing is left;
2. parse the dateline: place and outlet when the reader did not know them;
3. parse the publication date with its precision (from the dateline only when the
   source gave no date and the dateline has a year); a date in the future is dropped
   (stored as unknown) and reported as a repair, never kept and never invented;
4. fill a missing title from the lead sentence (marked ``title_source="lead"``);
5. hash the text (SHA-256) for exact duplicates, and sign it (MinHash) for near ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from newswatch.errors import IngestError
from newswatch.models import Article, Draft, Rejection
from newswatch.normalise.dateline import parse_dateline
from newswatch.normalise.dates import is_in_future, parse_published
from newswatch.normalise.minhash import signature
from newswatch.normalise.text import clean_text, lead_title, words


@dataclass(frozen=True)
class Normalised:
    """The article, plus a ``Rejection`` with ``action="repaired"`` when a value was dropped."""

    article: Article
    repair: Rejection | None = None


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(
    draft: Draft, today: dt.date | None = None, *, minhash_perm: int = 128, shingle_words: int = 5
) -> Normalised:
    """Normalise one draft; raises ``IngestError`` when it holds no text."""
    text = clean_text(draft.text)
    if not text:
        raise IngestError(draft.source_key, "no text left after clean-up")
    title = clean_text(draft.title) if draft.title else None
    title_source = draft.title_source if title else None

    dateline = parse_dateline(text)
    place = draft.place or (dateline.place if dateline else None)
    outlet = draft.outlet or (dateline.outlet if dateline else None)

    repair = None
    published = parse_published(draft.date_text, draft.date_source or "metadata")
    if published is None and draft.date_text is None and dateline and dateline.month_day:
        published = parse_published(dateline.month_day, "dateline")  # only with a year
    if published is not None and is_in_future(published, today):
        repair = Rejection(
            source=draft.source_key,
            reason=f"publication date {published.value} is in the future; stored as unknown",
            reader=draft.reader,
            raw=draft.raw,
            raw_size=len(draft.raw),
            action="repaired",
        )
        published = None

    if title is None:
        lead = text[dateline.end :] if dateline else text
        title = lead_title(lead)
        title_source = "lead" if title else None

    article = Article(
        source_key=draft.source_key,
        text=text,
        content_hash=content_hash(text),
        reader=draft.reader,
        title=title,
        title_source=title_source,
        outlet=outlet,
        authors=tuple(a.strip() for a in draft.authors if a and a.strip()),
        published=published,
        url=draft.url,
        place=place,
        dateline=dateline.text if dateline else None,
        language=declared_language(draft.language),
        genre=draft.genre,
        word_count=len(words(text)),
        signature=signature(text, minhash_perm, shingle_words).tobytes(),
        extra=draft.extra,
    )
    return Normalised(article, repair)


_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")


def declared_language(value: str | None) -> str | None:
    """A language a source declared, as its ISO 639 code: "en-US" and "EN_gb" → "en".
    Anything that is not a language tag ("English (UK)") is dropped, and the
    ``language`` stage detects the language of the text instead."""
    found = _LANGUAGE_TAG.fullmatch(value.strip().lower()) if value else None
    return found.group(1) if found else None
