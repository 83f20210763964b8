"""Move a whole store to another backend (``newswatch copy``), and prove nothing was lost.

Every table is copied row by row in primary-key order, ids included, so annotations,
versions and syndication clusters keep pointing where they did; each backend rebuilds
its own full-text index as the rows arrive. The source is read under its write lock,
so the copy is one consistent state of it (other writers wait until the copy is done).
``checksums`` reads a store the same way on any backend: a row count and a digest of
each table's rows that does not depend on the order a backend returns them in (the sum
of the rows' SHA-256 values, mod 2²⁵⁶).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text, tuple_

from newswatch.errors import StoreError
from newswatch.store import schema as t
from newswatch.store.database import Store

TABLES = tuple(t.metadata.sorted_tables)  # parents first: foreign keys hold at every commit
CHUNK = 2000


def copy_store(
    source: Store, target: Store, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, tuple[int, str]]:
    """Copy every row of ``source`` into the empty store ``target``; returns the
    source's ``checksums`` of what was copied, taken under the same lock.

    Each chunk is one transaction of the target: an interrupted copy leaves a partial
    target, which the next copy refuses (it is not empty) — drop it and start again."""
    if any(_count(target, table) for table in TABLES):
        raise StoreError(f"cannot copy into {target.url}: it is not empty; give a new store")
    with source.writer() as reading:  # no other writer commits until the copy is done
        for table in TABLES:
            copied = 0
            for rows in _chunks(reading, table):
                with target.writer() as conn:
                    conn.execute(insert(table), rows)
                copied += len(rows)
                if progress:
                    progress(table.name, copied)
        copied_checksums = _checksums(reading)
    if target.dialect == "postgresql":
        _restart_id_sequences(target)
    return copied_checksums


def checksums(store: Store) -> dict[str, tuple[int, str]]:
    """``table → (rows, digest of the rows)``, equal for equal contents on any backend."""
    with store.connect() as conn:
        return _checksums(conn)


def _checksums(conn: Connection) -> dict[str, tuple[int, str]]:
    found = {}
    for table in TABLES:
        total, rows = 0, 0
        for chunk in _chunks(conn, table):
            for row in chunk:
                encoded = repr(tuple(_plain(v) for v in row.values())).encode()
                total += int.from_bytes(hashlib.sha256(encoded).digest())
            rows += len(chunk)
        found[table.name] = (rows, f"{total % 2**256:064x}")
    return found


def _chunks(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``table`` in primary-key order, a chunk at a time (keyset paging)."""
    key = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        sql = select(table).order_by(*key).limit(CHUNK)
        if last is not None:
            sql = sql.where(tuple_(*key) > tuple_(*last))
        rows = [dict(r._mapping) for r in conn.execute(sql)]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][c.name] for c in key)


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def _count(store: Store, table: Table) -> int:
    with store.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _restart_id_sequences(store: Store) -> None:
    """Copied ids bypass PostgreSQL's sequences: move each past the largest id copied."""
    with store.writer() as conn:
        for table in TABLES:
            if "id" in table.c and table.c.id.primary_key:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}"
                    )
                )
