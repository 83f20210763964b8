"""RSS and Atom feeds with feedparser; items without full text are fetched as pages.

feedparser parses the bytes it is given (it never fetches by itself here). An item's
text is its ``content`` (``content:encoded``, Atom ``content``) when that holds at least
``FULL_TEXT_CHARS`` characters of text; otherwise its link is fetched and read as a web
page; a link-less item falls back to its summary. A damaged feed whose entries can
still be read is read; one with no readable entry is rejected as a whole. One broken
item never stops the others.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import feedparser
import lxml.etree
import lxml.html

from newswatch.errors import IngestError
from newswatch.ingest.base import Input, ReadContext, ReadResult
from newswatch.ingest.html import read_html
from newswatch.models import Draft, Rejection

READER = "feed"
FULL_TEXT_CHARS = 400


def _plain(html: str) -> str:
    """Text of an HTML fragment, paragraphs separated by blank lines."""
    if "<" not in html:
        return html.strip()
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for block in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return "\n\n".join(p.strip() for p in root.text_content().split("\n\n") if p.strip())


def _iso(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S", parsed) if parsed else None


def _entry_date(entry: Any) -> time.struct_time | None:
    """Published, else updated; asked in that order so feedparser does not warn."""
    for key in ("published_parsed", "updated_parsed"):
        if entry.get(key):
            return entry[key]
    return None


def _authors(entry: Any) -> tuple[str, ...]:
    names = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    if not names and entry.get("author"):
        names = [entry["author"]]
    return tuple(n.strip() for n in names if n.strip())


def read_feed(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """Read every item of one feed document."""
    parsed = feedparser.parse(inp.data, response_headers={"content-location": inp.location})
    if not parsed.entries:
        reason = (
            f"broken feed XML: {parsed.get('bozo_exception')}"
            if parsed.bozo
            else "feed has no items"
        )
        yield Rejection(inp.location, reason, READER, inp.data, len(inp.data))
        return
    outlet = parsed.feed.get("title") or None
    language = parsed.feed.get("language") or None
    for index, entry in enumerate(parsed.entries, start=1):
        yield _read_entry(inp, ctx, entry, index, outlet, language)


def _read_entry(
    inp: Input, ctx: ReadContext, entry: Any, index: int, outlet: str | None, language: str | None
) -> ReadResult:
    link = entry.get("link") or None
    key = link or f"{inp.location}#{entry.get('id') or index}"
    raw = json.dumps(
        {k: entry.get(k) for k in ("id", "link", "title", "published", "updated", "summary")},
        ensure_ascii=False,
        default=str,
    ).encode()
    draft = Draft(
        source_key=key,
        text="",
        reader=READER,
        title=entry.get("title") or None,
        title_source="feed" if entry.get("title") else None,
        outlet=outlet,
        authors=_authors(entry),
        date_text=_iso(_entry_date(entry)),
        date_source="feed",
        url=link,
        language=language,
        raw=raw,
    )
    content = " ".join(c.get("value", "") for c in entry.get("content", []))
    text = _plain(content)
    if len(text) >= FULL_TEXT_CHARS:
        return replace(draft, text=text)
    if link and ctx.fetcher is not None:
        try:
            page = next(iter(read_html(ctx.fetcher.fetch(link), ctx)))
        except IngestError as err:
            return Rejection(key, f"item {link}: page fetch failed: {err.reason}", READER, raw)
        if isinstance(page, Rejection):
            return Rejection(key, f"item {link}: {page.reason}", READER, raw)
        return replace(
            draft,
            text=page.text,
            authors=draft.authors or page.authors,
            date_text=draft.date_text or page.date_text,
            date_source="feed" if draft.date_text else page.date_source,
            title=draft.title or page.title,
        )
    summary = text or _plain(entry.get("summary", ""))
    if summary:
        return replace(draft, text=summary, extra={"text_from": "summary"})
    return Rejection(key, "item has no text, no content and no link", READER, raw)
