"""Plain-text readers: the seed format and ``.txt`` articles with optional sidecar metadata.

Seed format (``examples/cpec/``): the file starts with `` date YYYY-MM-DD `` and the body
follows on the same line; that header date wins over any other. Plain ``.txt``: the
first line is the title when a blank line follows it (PTC, PolNeAR); otherwise the
whole file is the body. A sidecar row (``metadata.tsv``/``.csv`` keyed by file name)
adds publisher, publication date, author and title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import PurePath

from newswatch.ingest.base import Input, ReadContext, ReadResult
from newswatch.ingest.decode import decode_input
from newswatch.models import Draft, Rejection

SEED_HEADER = re.compile(r"^\ufeff?\s?date (\d{4}-\d{2}-\d{2})\s")
_MISSING = {"", "none", "null", "nan", "n/a"}
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&)\s*")


def is_seed(data: bytes) -> bool:
    """True when ``data`` starts with the seed header `` date YYYY-MM-DD ``."""
    return SEED_HEADER.match(data[:64].decode("utf-8", "replace")) is not None


def _value(row: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = row.get(name)
        if value is not None and value.strip().lower() not in _MISSING:
            return value.strip()
    return None


def split_authors(value: str | None) -> tuple[str, ...]:
    """``"Dan Riehl and Jane Doe"`` → ``("Dan Riehl", "Jane Doe")``."""
    if not value:
        return ()
    return tuple(a for a in _AUTHOR_SPLIT.split(value) if a)


def read_seed(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """Read one seed-format file; its header date has the highest authority."""
    text = decode_input(inp, "seed")
    if isinstance(text, Rejection):
        yield text
        return
    m = SEED_HEADER.match(text)
    if m is None:
        yield Rejection(inp.location, "no ' date YYYY-MM-DD ' header", "seed", inp.data)
        return
    yield Draft(
        source_key=inp.location,
        text=text[m.end() :],
        reader="seed",
        date_text=m.group(1),
        date_source="header",
        raw=inp.data,
    )


def read_text(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """Read one plain-text article, with its sidecar row when there is one."""
    text = decode_input(inp, "text")
    if isinstance(text, Rejection):
        yield text
        return
    title = None
    head, sep, rest = text.lstrip("\ufeff").partition("\n")
    if sep and rest.startswith(("\n", "\r\n")) and head.strip() and len(head) < 400:
        title, text = head.strip(), rest
    meta = ctx.sidecar.get(PurePath(inp.location).stem, {})
    sidecar_title = _value(meta, "title", "headline")
    date_text = _value(meta, "publication_date", "published", "date")
    yield Draft(
        source_key=inp.location,
        text=text,
        reader="text",
        title=sidecar_title or title,
        title_source="metadata" if sidecar_title else ("first line" if title else None),
        outlet=_value(meta, "publisher", "outlet", "source"),
        authors=split_authors(_value(meta, "author", "authors", "byline")),
        date_text=date_text,
        date_source="metadata" if date_text else None,
        url=_value(meta, "url", "link"),
        place=_value(meta, "place", "dateline"),
        language=_value(meta, "language", "lang"),
        raw=inp.data,
        extra={"sidecar": dict(meta)} if meta else {},
    )
