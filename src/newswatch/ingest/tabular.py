"""JSONL and CSV/TSV articles, with a field map from columns to newswatch fields.

Fields: ``text`` (required), ``title``, ``date``, ``outlet``, ``authors``, ``url``,
``place``, ``language``, ``id``. ``--map text=body,date=published`` names the column of
each field; a field not in the map takes the first column present (case-insensitive)
among ``DEFAULT_FIELDS``. ``authors`` may be a JSON list (JSONL) or a string split on
``;`` or ``,``. The ``id`` column, when present, makes the item's source key
``FILE#ID``; otherwise it is ``FILE#line=N`` (JSONL) or ``FILE#row=N`` (CSV).

A bad JSONL line is quarantined alone and the other lines are read; a column the map
names but the file lacks rejects the whole file, since every row would be wrong.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from newswatch.errors import ConfigError, IngestError
from newswatch.ingest.base import Input, ReadContext, ReadResult
from newswatch.ingest.decode import decode_input
from newswatch.models import Draft, Rejection

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "maintext"),
    "title": ("title", "headline"),
    "date": ("date", "published", "publication_date", "pubdate", "date_publish"),
    "outlet": ("outlet", "publisher", "source", "site_name", "sitename"),
    "authors": ("authors", "author", "byline"),
    "url": ("url", "link"),
    "place": ("place", "dateline", "location"),
    "language": ("language", "lang"),
    "id": ("id", "article_id", "guid"),
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def parse_field_map(spec: str) -> dict[str, str]:
    """Parse ``"text=body,date=published"``; raises ``ConfigError`` naming the bad item."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        field, sep, column = (s.strip() for s in item.partition("="))
        if not sep or not field or not column:
            raise ConfigError(f"--map item {item!r} is not FIELD=COLUMN (e.g. text=body)")
        if field not in DEFAULT_FIELDS:
            raise ConfigError(
                f"--map field {field!r} is unknown; fields are: {', '.join(DEFAULT_FIELDS)}"
            )
        mapping[field] = column
    return mapping


def _resolve(columns: list[str], field_map: Mapping[str, str], source: str) -> dict[str, str]:
    """Field → column for this file; raises ``IngestError`` for missing columns."""
    lower = {c.lower(): c for c in columns}
    resolved: dict[str, str] = {}
    for field, candidates in DEFAULT_FIELDS.items():
        if field in field_map:
            wanted = field_map[field]
            column = wanted if wanted in columns else lower.get(wanted.lower())
            if column is None:
                raise IngestError(
                    source,
                    f"column {wanted!r} (mapped to {field}) not found; columns are: "
                    f"{', '.join(columns)}",
                )
            resolved[field] = column
            continue
        for candidate in candidates:
            if candidate in lower:
                resolved[field] = lower[candidate]
                break
    if "text" not in resolved:
        raise IngestError(
            source,
            f"no text column found; columns are: {', '.join(columns)}; "
            "name it with --map text=COLUMN",
        )
    return resolved


def _value(row: Mapping[str, Any], column: str | None) -> Any:
    if column is None:
        return None
    value = row.get(column)
    if isinstance(value, str):
        value = value.strip()
    return value if value not in ("", None) else None


def _draft(
    row: Mapping[str, Any], fields: dict[str, str], location: str, position: str, reader: str,
    raw: bytes,
) -> ReadResult:  # fmt: skip
    text = _value(row, fields["text"])
    item_id = _value(row, fields.get("id"))
    key = f"{location}#{item_id}" if item_id is not None else f"{location}#{position}"
    if not isinstance(text, str) or not text.strip():
        return Rejection(key, f"{position}: no text in column {fields['text']!r}", reader, raw)
    authors = _value(row, fields.get("authors"))
    if isinstance(authors, str):
        separator = ";" if ";" in authors else ","
        authors = [a for a in authors.split(separator)]
    date = _value(row, fields.get("date"))
    return Draft(
        source_key=key,
        text=text,
        reader=reader,
        title=_str(_value(row, fields.get("title"))),
        title_source="metadata" if _value(row, fields.get("title")) else None,
        outlet=_str(_value(row, fields.get("outlet"))),
        authors=tuple(str(a).strip() for a in authors or () if str(a).strip()),
        date_text=str(date) if date is not None else None,
        date_source="metadata" if date is not None else None,
        url=_str(_value(row, fields.get("url"))),
        place=_str(_value(row, fields.get("place"))),
        language=_str(_value(row, fields.get("language"))),
        raw=raw,
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def read_jsonl(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """One article per JSON line; a broken line is rejected alone."""
    content = decode_input(inp, "jsonl")
    if isinstance(content, Rejection):
        yield content
        return
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        raw = line.encode()
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            yield Rejection(f"{inp.location}#line={number}",
                            f"line {number}: invalid JSON: {err.msg}", "jsonl", raw)  # fmt: skip
            continue
        if not isinstance(row, dict):
            yield Rejection(f"{inp.location}#line={number}",
                            f"line {number}: not a JSON object", "jsonl", raw)  # fmt: skip
            continue
        try:  # JSON lines need not share keys, so each line is mapped on its own
            fields = _resolve(list(row), ctx.field_map, inp.location)
        except IngestError as err:
            yield Rejection(f"{inp.location}#line={number}", f"line {number}: {err.reason}",
                            "jsonl", raw)  # fmt: skip
            continue
        yield _draft(row, fields, inp.location, f"line={number}", "jsonl", raw)


def read_csv(inp: Input, ctx: ReadContext) -> Iterator[ReadResult]:
    """One article per CSV/TSV row; a missing mapped column rejects the file."""
    content = decode_input(inp, "csv")
    if isinstance(content, Rejection):
        yield content
        return
    if inp.location.lower().endswith(".tsv"):
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(content[:8192], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        fields = _resolve(list(reader.fieldnames or []), ctx.field_map, inp.location)
    except IngestError as err:
        yield Rejection(inp.location, err.reason, "csv", inp.data, len(inp.data))
        return
    for number, row in enumerate(reader, start=1):
        raw = delimiter.join(str(v) for v in row.values()).encode()
        yield _draft(row, fields, inp.location, f"row={number}", "csv", raw)
