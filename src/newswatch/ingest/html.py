"""Web pages: main text and metadata with trafilatura (dates via htmldate).

trafilatura separates the article from navigation, ads and comments, and reads the
title, author(s), publication date, site name and canonical URL from the page's
metadata. Paragraphs are kept apart by a blank line. A page with no main text (a
login wall, an index page, an empty or broken document) is rejected, not stored empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import trafilatura

from newswatch.ingest.base import Input, ReadContext, ReadResult
from newswatch.ingest.decode import decode_input
from newswatch.models import Draft, Rejection

READER = "html"
MIN_WORDS = 20
"""Fewer words than this is a navigation or error page, not an article."""
_CHARSET = re.compile(r"charset=([\w-]+)", re.IGNORECASE)


def _declared_charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1) if m else None


def read_html(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """Read one HTML page into a draft, or a rejection saying why it has no article."""
    url = inp.final_url or (inp.location if inp.location.startswith("http") else None)
    html = decode_input(inp, READER, _declared_charset(inp.content_type))
    if isinstance(html, Rejection):
        yield html
        return
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as err:  # trafilatura raises assorted lxml errors on broken markup
        reason = f"HTML could not be parsed: {err.__class__.__name__}: {err}"
        yield Rejection(inp.location, reason, READER, inp.data, len(inp.data))
        return
    text = (getattr(document, "text", None) or "").strip()
    if len(text.split()) < MIN_WORDS:
        yield Rejection(inp.location, "no main text found in HTML page", READER, inp.data)
        return
    title = getattr(document, "title", None) or None
    lines = [line for line in text.split("\n") if line.strip()]
    if title and lines and lines[0].strip() == title.strip():
        lines = lines[1:] or lines  # the headline repeated as the first paragraph
    author = getattr(document, "author", None) or ""
    date = getattr(document, "date", None) or None
    yield Draft(
        source_key=url or inp.location,
        text="\n\n".join(lines),
        reader=READER,
        title=title,
        title_source="html" if title else None,
        outlet=getattr(document, "sitename", None) or None,
        authors=tuple(a.strip() for a in author.split(";") if a.strip()),
        date_text=date,
        date_source="html" if date else None,
        url=getattr(document, "url", None) or url,
        language=getattr(document, "language", None) or None,
        raw=inp.data,
    )
