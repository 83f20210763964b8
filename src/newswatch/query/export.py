"""Export articles as JSONL, CSV or Parquet: every matching article, streamed, no caps."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from newswatch.errors import ConfigError
from newswatch.models import StoredArticle
from newswatch.store.database import ArticleFilter, Store

FORMATS = ("jsonl", "csv", "parquet")
COLUMNS = (
    "id", "title", "text", "published", "published_precision", "published_source",
    "outlet", "place", "dateline", "authors", "language", "url", "syndication_cluster",
    "syndication_first", "syndication_size",
    "source_key", "version", "word_count", "title_source", "genre", "reader", "ingested_at",
)  # fmt: skip


def record(article: StoredArticle, syndicated: dict[int, tuple[int, int]] | None = None
           ) -> dict[str, Any]:  # fmt: skip
    """The export form of one article (the stable JSONL fields, and more).

    ``syndicated`` (from ``Store.syndicated``) adds the id of the cluster's earliest copy
    and the number of copies; an article without copies is its own first, size 1.
    """
    p = article.published
    first, size = (syndicated or {}).get(article.syndication_cluster, (article.id, 1))
    return {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "published": p.value if p else None,
        "published_precision": p.precision if p else None,
        "published_source": p.source if p else None,
        "outlet": article.outlet,
        "place": article.place,
        "dateline": article.dateline,
        "authors": list(article.authors),
        "language": article.language,
        "url": article.url,
        "syndication_cluster": article.syndication_cluster,
        "syndication_first": first,
        "syndication_size": size,
        "source_key": article.source_key,
        "version": article.version,
        "word_count": article.word_count,
        "title_source": article.title_source,
        "genre": article.genre,
        "reader": article.reader,
        "ingested_at": article.ingested_at,
    }


def records(store: Store, filters: ArticleFilter) -> Iterator[dict[str, Any]]:
    syndicated = store.syndicated()
    for article in store.iter_articles(filters):
        yield record(article, syndicated)


def export(store: Store, fmt: str, out: IO[str] | Path, filters: ArticleFilter) -> int:
    """Write every article passing ``filters`` to ``out``; returns the number written.

    JSONL and CSV go to a text stream (a file or stdout); Parquet needs a file path.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise ConfigError("Parquet is binary: give an output file with --output FILE.parquet")
        return _parquet(records(store, filters), out)
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as handle:
            return export(store, fmt, handle, filters)
    count = 0
    if fmt == "jsonl":
        for row in records(store, filters):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in records(store, filters):
        writer.writerow({**row, "authors": "; ".join(row["authors"])})
        count += 1
    return count


def _parquet(rows: Iterator[dict[str, Any]], path: Path, chunk: int = 2000) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            (name, pa.list_(pa.string()) if name == "authors" else
             pa.int64() if name in ("id", "syndication_cluster", "syndication_first", "syndication_size",
                                   "version", "word_count") else
             pa.string())
            for name in COLUMNS
        ]
    )  # fmt: skip
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        buffer: list[dict[str, Any]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= chunk:
                writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                count += len(buffer)
                buffer.clear()
        if buffer or count == 0:
            writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
            count += len(buffer)
    return count
