"""The store: articles, near-duplicate clusters, quarantine and annotations in one database.

``Store.open(url)`` connects to a SQLite file (the default, in WAL mode) or a PostgreSQL
server (``postgresql://user@host/db``, driven by psycopg 3) and checks the schema, which
Alembic migrations create and upgrade (``Store.migrate``). Everything else in newswatch
talks to the database through this class, so the backends differ only inside ``store/``.

Writes happen in batches, one transaction each: an interrupted run (Ctrl-C, kill)
leaves every committed batch complete and the current one absent, and re-running
the same input picks up where it stopped because ingest is idempotent.

Several processes may write one store at once (two ingests, an enrich beside an
ingest, Dask workers). Writers take one store-wide write lock when their transaction
begins (SQLite's ``BEGIN IMMEDIATE``; a PostgreSQL transaction-level advisory lock), so
a text's hash lookup and its insert can never interleave with another writer's, and
with a single lock taken first no two writers can deadlock. Readers never wait.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from newswatch.errors import NotFound, QuerySyntaxError, StoreError
from newswatch.models import (
    Annotation,
    Article,
    IngestOutcome,
    IngestStatus,
    PublishedDate,
    QuarantineEntry,
    Rejection,
    SearchHit,
    StageOutput,
    StoredArticle,
)
from newswatch.normalise.minhash import band_keys, similarity
from newswatch.store import schema as t
from newswatch.store.fulltext import (
    TEXT_SEARCH_CONFIG,
    Node,
    parse_query,
    render_fts5,
    render_tsquery,
)

MIGRATIONS = Path(__file__).parent / "migrations"
WRITE_LOCK = 0x6E657773  # PostgreSQL advisory lock key of the store's writers ("news")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _published_date(published: PublishedDate | None) -> str | None:
    """The first calendar day of the publication period, used to sort and filter."""
    if published is None:
        return None
    return (published.value + "-01-01")[:10] if len(published.value) < 10 else published.value[:10]


@dataclass(frozen=True)
class ArticleFilter:
    """Filters shared by search, export and analytics. Dates are inclusive ISO days."""

    since: str | None = None
    until: str | None = None
    outlet: str | None = None
    language: str | None = None
    ids: tuple[int, ...] | None = None
    include_superseded: bool = False

    def clauses(self) -> list[Any]:
        a = t.article.c
        clauses: list[Any] = []
        if not self.include_superseded:
            clauses.append(a.superseded_by.is_(None))
        if self.since:
            clauses.append(a.published_date >= self.since)
        if self.until:
            clauses.append(a.published_date <= self.until)
        if self.outlet:
            clauses.append(func.lower(a.outlet) == self.outlet.lower())
        if self.language:
            clauses.append(a.language == self.language)
        if self.ids is not None:
            clauses.append(a.id.in_(self.ids))
        return clauses


@dataclass
class _Batch:
    """Rows of the current transaction written at its end; read here so that copies
    inside one batch find each other."""

    bands: dict[int, list[int]] = field(default_factory=dict)
    signatures: dict[int, np.ndarray] = field(default_factory=dict)
    sources: dict[tuple[str, int], str] = field(default_factory=dict)


# Statements of the ingest path, built once and compiled once per store (``_HotPath``):
# SQLAlchemy's per-call machinery costs more than SQLite takes to run them.
_A = t.article.c
_BY_HASH = select(_A.id, _A.syndication_cluster).where(_A.content_hash == bindparam("hash"))
_SOURCE_SEEN = select(t.article_source.c.article_id).where(
    t.article_source.c.source_key == bindparam("key"),
    t.article_source.c.article_id == bindparam("id"),
)
_CURRENT_VERSION = select(_A.id, _A.version).where(
    _A.source_key == bindparam("key"), _A.superseded_by.is_(None)
)
_INSERT_ARTICLE = insert(t.article).returning(_A.id)
_SET_CLUSTER = (
    update(t.article)
    .where(_A.id == bindparam("aid"))
    .values(syndication_cluster=bindparam("cluster"))
)
_SET_SUPERSEDED = (
    update(t.article).where(_A.id == bindparam("aid")).values(superseded_by=bindparam("by"))
)
_SIGNATURES = select(t.minhash.c.article_id, t.minhash.c.signature).where(
    t.minhash.c.article_id.in_(bindparam("ids", expanding=True))
)
_CURRENT_CLUSTERS = select(_A.id, _A.syndication_cluster).where(
    _A.id.in_(bindparam("ids", expanding=True)), _A.superseded_by.is_(None)
)


def _band_lookup(bands: int) -> Any:
    keys: list[Any] = [bindparam(f"k{i}") for i in range(bands)]
    return select(t.minhash_band.c.article_id).distinct().where(t.minhash_band.c.band_key.in_(keys))


class _HotPath:
    """The per-article statements of ingest, compiled once for the store's dialect and
    run on the DBAPI cursor of the current transaction (same SQL, same transaction)."""

    def __init__(self, engine: Engine, bands: int) -> None:
        columns = [c.name for c in t.article.columns if c.name != "id"]
        statements = {
            "by_hash": (_BY_HASH, None),
            "source_seen": (_SOURCE_SEEN, None),
            "current_version": (_CURRENT_VERSION, None),
            "insert_article": (_INSERT_ARTICLE, columns),
            "set_cluster": (_SET_CLUSTER, None),
            "set_superseded": (_SET_SUPERSEDED, None),
            "band_lookup": (_band_lookup(bands), None),
        }
        self.compiled = {}
        for name, (statement, keys) in statements.items():
            compiled = statement.compile(dialect=engine.dialect, column_keys=keys)
            self.compiled[name] = (compiled.string, compiled.positiontup)

    def run(self, conn: Connection, name: str, params: dict[str, Any]) -> Any:
        sql, order = self.compiled[name]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(sql, [params[key] for key in order] if order is not None else params)
        return cursor

    def run_many(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` into ``table``: with COPY on PostgreSQL (several times faster
        than row-by-row inserts there), with one prepared INSERT on SQLite."""
        if not rows:
            return
        columns = list(rows[0])
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            return
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=columns)
        order = compiled.positiontup
        assert order is not None, "SQLite's parameters are positional"
        cursor.executemany(compiled.string, [[row[key] for key in order] for row in rows])


class Store:
    """All persistent state of newswatch, behind plain typed methods."""

    def __init__(
        self,
        engine: Engine,
        *,
        minhash_bands: int = 32,
        near_duplicate_threshold: float = 0.6,
    ) -> None:
        self.engine = engine
        self.minhash_bands = minhash_bands
        self.near_duplicate_threshold = near_duplicate_threshold
        self._hot: _HotPath | None = None
        self._writer = engine.execution_options(write=True)

    def _hot_path(self) -> _HotPath:
        if self._hot is None:
            self._hot = _HotPath(self.engine, self.minhash_bands)
        return self._hot

    # ── opening and migrating ────────────────────────────────────────────────────

    @classmethod
    def open(cls, url: str, **options: Any) -> Store:
        """Connect to ``url`` and make sure its schema is the one this code needs.

        A new (empty) database gets the schema. An older SQLite store is upgraded in
        place, as one analyst's file; an older PostgreSQL store is shared by a desk, so
        it is upgraded only on request (``newswatch migrate``) and refused until then.
        """
        store = cls.at(url, **options)
        revision, head = store.revision(), _head()
        if revision != head and (revision is None or store.dialect == "sqlite"):
            store.migrate()
        elif revision != head:
            store.close()
            raise StoreError(
                f"store {store.url} has schema revision {revision}, this newswatch needs "
                f"{head}: run `newswatch --db URL migrate` once to upgrade it in place"
            )
        return store

    @classmethod
    def at(cls, url: str, **options: Any) -> Store:
        """A store for ``url`` without looking at or changing its schema."""
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(_driver_url(url))
        except (SQLAlchemyError, ImportError, ValueError) as err:
            raise StoreError(f"cannot open store {_shown(url)}: {err}") from err
        shown = engine.url.render_as_string(hide_password=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            event.listen(engine, "begin", _postgresql_begin)
        elif engine.dialect.name == "postgresql":
            raise StoreError(f"store {shown}: newswatch talks to PostgreSQL through psycopg 3; "
                             "write the URL as postgresql://…")  # fmt: skip
        else:
            raise StoreError(f"store {shown}: newswatch stores live in SQLite or PostgreSQL")
        return cls(engine, **options)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def revision(self) -> str | None:
        """The schema revision the store is at (None: no newswatch schema yet).

        Read without the write lock, so opening a current store to search it never
        waits behind a running ingest."""
        try:
            with self.engine.connect() as conn:
                revision = MigrationContext.configure(conn).get_current_revision()
        except OperationalError as err:
            raise StoreError(f"cannot open store {self.url}: {err.orig}") from err
        if revision is not None and revision not in _revisions():
            raise StoreError(
                f"store {self.url} has schema revision {revision}, unknown to this "
                "newswatch: it was written by a newer version"
            )
        return revision

    def migrate(self, target: str = "head") -> tuple[str | None, str | None]:
        """Upgrade the schema in place to ``target`` (a no-op when it is there already);
        returns the revisions before and after. Concurrent callers wait for the first."""
        config = _alembic_config()
        before = self.revision()
        try:
            with self._writer.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, target)
        except (OperationalError, ProgrammingError) as err:
            raise StoreError(f"cannot migrate store {self.url}: {err.orig}") from err
        return before, self.revision()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # ── ingest ───────────────────────────────────────────────────────────────────

    def add_articles(self, articles: Sequence[Article]) -> list[IngestOutcome]:
        """Store a batch of articles in one transaction and say what happened to each.

        Exact duplicates (same text hash) collapse to the stored article; the same
        source key with new text becomes a new version; a text whose MinHash estimate
        of Jaccard similarity with a stored current article reaches the threshold joins
        that article's syndication cluster.
        """
        outcomes = []
        batch = _Batch()
        with self._writer.begin() as conn:
            for article in articles:
                outcomes.append(self._add_article(conn, article, batch))
            self._write_batch(conn, batch)
        return outcomes

    def _add_article(self, conn: Connection, article: Article, batch: _Batch) -> IngestOutcome:
        now = _now()
        hot = self._hot_path()
        existing = hot.run(conn, "by_hash", {"hash": article.content_hash}).fetchone()
        if existing is not None:
            existing_id, existing_cluster = existing
            source = (article.source_key, existing_id)
            seen = (
                source in batch.sources
                or hot.run(
                    conn, "source_seen", {"key": article.source_key, "id": existing_id}
                ).fetchone()
                is not None
            )
            if seen:
                return IngestOutcome(existing_id, "unchanged", existing_cluster)
            batch.sources[source] = now
            return IngestOutcome(existing_id, "duplicate", existing_cluster)

        previous = hot.run(conn, "current_version", {"key": article.source_key}).fetchone()
        previous_id, previous_version = previous if previous else (None, 0)
        sig = np.frombuffer(article.signature, dtype=np.uint32)
        keys = band_keys(sig, self.minhash_bands)
        match = self._best_match(conn, sig, keys, batch, exclude=previous_id)

        values = _article_row(article, now)
        values["version"] = previous_version + 1
        values["superseded_by"] = None
        values["syndication_cluster"] = match if match is not None else 0
        article_id = int(hot.run(conn, "insert_article", values).fetchone()[0])
        cluster = match if match is not None else article_id
        if match is None:
            hot.run(conn, "set_cluster", {"aid": article_id, "cluster": cluster})
        if previous_id is not None:
            hot.run(conn, "set_superseded", {"aid": previous_id, "by": article_id})
        batch.sources[(article.source_key, article_id)] = now
        batch.signatures[article_id] = sig
        for key in keys:
            batch.bands.setdefault(key, []).append(article_id)
        status: IngestStatus
        if previous_id is not None:
            status = "updated"
        elif match is not None:
            status = "near-duplicate"
        else:
            status = "new"
        return IngestOutcome(article_id, status, cluster)

    def _best_match(
        self, conn: Connection, sig: np.ndarray, keys: list[int], batch: _Batch, exclude: int | None
    ) -> int | None:
        """The syndication cluster of the most similar current article, if similar enough."""
        candidates: set[int] = set()
        for key in keys:
            candidates.update(batch.bands.get(key, ()))
        params = {f"k{i}": key for i, key in enumerate(keys)}
        candidates.update(row[0] for row in self._hot_path().run(conn, "band_lookup", params))
        candidates.discard(exclude or -1)
        if not candidates:
            return None
        signatures = dict(batch.signatures)
        missing = [c for c in candidates if c not in signatures]
        if missing:
            for row in conn.execute(_SIGNATURES, {"ids": missing}):
                signatures[row.article_id] = np.frombuffer(row.signature, dtype=np.uint32)
        current = dict(conn.execute(_CURRENT_CLUSTERS, {"ids": list(candidates)}).all())
        best, best_score = None, self.near_duplicate_threshold
        for candidate in sorted(current):
            score = similarity(sig, signatures[candidate])
            if score >= best_score and (best is None or score > best_score):
                best, best_score = current[candidate], score
        return best

    def _write_batch(self, conn: Connection, batch: _Batch) -> None:
        """Rows that nothing inside the batch reads back from the database, in bulk."""
        hot = self._hot_path()
        hot.run_many(conn, t.article_source, [
            {"source_key": key, "article_id": aid, "first_seen": seen}
            for (key, aid), seen in batch.sources.items()
        ])  # fmt: skip
        hot.run_many(conn, t.minhash, [
            {"article_id": i, "signature": s.tobytes()} for i, s in batch.signatures.items()
        ])  # fmt: skip
        hot.run_many(conn, t.minhash_band, [
            {"band_key": k, "article_id": i} for k, ids in batch.bands.items() for i in ids
        ])  # fmt: skip

    def add_rejections(self, rejections: Iterable[Rejection], raw_cap: int) -> None:
        """Record rejected or repaired inputs with (up to ``raw_cap`` of) their raw bytes."""
        rows = [
            {
                "source": r.source,
                "reader": r.reader,
                "reason": r.reason,
                "action": r.action,
                "at": _now(),
                "raw": r.raw[:raw_cap],
                "raw_size": r.raw_size or len(r.raw),
            }
            for r in rejections
        ]
        if rows:
            with self._writer.begin() as conn:
                conn.execute(insert(t.quarantine), rows)

    # ── reading articles ─────────────────────────────────────────────────────────

    def get(self, article_id: int) -> StoredArticle:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.article).where(t.article.c.id == article_id)).first()
        if row is None:
            raise NotFound(f"no article with id {article_id}; `newswatch search` lists ids")
        return _stored(row)

    def iter_articles(
        self,
        filters: ArticleFilter | None = None,
        *,
        chunk: int = 1000,
        ids: Sequence[int] | None = None,
    ) -> Iterator[StoredArticle]:
        """Every article that passes ``filters``, in id order, streamed in chunks."""
        clauses = (filters or ArticleFilter()).clauses()
        if ids is not None:
            clauses.append(t.article.c.id.in_(ids))
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(t.article)
                    .where(t.article.c.id > last, *clauses)
                    .order_by(t.article.c.id)
                    .limit(chunk)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _stored(row)
            last = rows[-1].id

    def cluster_members(self, cluster: int) -> list[StoredArticle]:
        """Members of a syndication cluster, earliest publication first (unknown last)."""
        a = t.article.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.article)
                .where(a.syndication_cluster == cluster, a.superseded_by.is_(None))
                .order_by(a.published_date.is_(None), a.published_date, a.id)
            ).all()
        return [_stored(r) for r in rows]

    def syndicated(self) -> dict[int, tuple[int, int]]:
        """Clusters with more than one current copy: cluster → (earliest copy's id, size).

        The earliest copy is the one with the earliest publication day (undated copies
        come last), ties going to the first ingested.
        """
        a = t.article.c
        cluster = a.syndication_cluster
        ranked = (
            select(
                a.syndication_cluster.label("cluster"),
                a.id,
                func.count().over(partition_by=cluster).label("size"),
                func.row_number()
                .over(
                    partition_by=cluster,
                    order_by=(a.published_date.is_(None), a.published_date, a.id),
                )
                .label("rank"),
            )
            .where(a.superseded_by.is_(None))
            .subquery()
        )
        sql = select(ranked.c.cluster, ranked.c.id, ranked.c.size).where(
            ranked.c.rank == 1, ranked.c.size > 1
        )
        with self.engine.connect() as conn:
            return {cluster: (first, size) for cluster, first, size in conn.execute(sql).all()}

    def versions(self, source_key: str) -> list[tuple[int, int]]:
        """``(version, article id)`` of every stored text under ``source_key``."""
        a = t.article.c
        with self.engine.connect() as conn:
            return [
                (r.version, r.id)
                for r in conn.execute(
                    select(a.version, a.id).where(a.source_key == source_key).order_by(a.version)
                )
            ]

    # ── search ───────────────────────────────────────────────────────────────────

    def search(
        self, query: str, filters: ArticleFilter | None = None, limit: int = 20, offset: int = 0
    ) -> list[SearchHit]:
        """Ranked full-text search, title weighted ×5, with highlighted snippets (the
        matched words between ``\\x02`` and ``\\x03``).

        SQLite ranks by BM25 over its FTS5 index; PostgreSQL by cover density
        (``ts_rank_cd``, normalised by document length) over the ``search_vector`` GIN
        index. Both answer the same query language with the same filters."""
        node = parse_query(query)
        clauses = (filters or ArticleFilter()).clauses()
        if self.dialect == "postgresql":
            sql = _postgresql_search(node, clauses, limit, offset)
        else:
            sql = _sqlite_search(node, clauses, limit, offset)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sql).all()
        except (OperationalError, ProgrammingError) as err:
            raise QuerySyntaxError(f"search engine refused query {query!r}: {err.orig}") from err
        return [
            SearchHit(
                id=r.id,
                title=r.title,
                published=r.published,
                outlet=r.outlet,
                score=float(f"{float(r.score):.6g}"),
                snippet=r.snippet,
                language=r.language,
                syndication_cluster=r.syndication_cluster,
            )
            for r in rows
        ]

    # ── quarantine and statistics ────────────────────────────────────────────────

    def quarantined(self, limit: int | None = None) -> list[QuarantineEntry]:
        q = t.quarantine.c
        sql = select(
            q.id,
            q.source,
            q.reader,
            q.reason,
            q.action,
            q.at,
            q.raw_size,
            func.length(q.raw).label("raw_stored"),
        ).order_by(q.id)
        if limit:
            sql = sql.limit(limit)
        with self.engine.connect() as conn:
            return [QuarantineEntry(**r._mapping) for r in conn.execute(sql)]

    def quarantined_raw(self, entry_id: int) -> bytes:
        with self.engine.connect() as conn:
            raw = conn.execute(
                select(t.quarantine.c.raw).where(t.quarantine.c.id == entry_id)
            ).scalar()
        if raw is None:
            raise NotFound(f"no quarantine entry with id {entry_id}")
        return bytes(raw)

    def stats(self, filters: ArticleFilter | None = None) -> dict[str, Any]:
        """Counts a desk looks at first: raw and deduplicated articles, outlets, dates."""
        a = t.article.c
        clauses = (filters or ArticleFilter()).clauses()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    func.count(),
                    func.count(a.syndication_cluster.distinct()),
                    func.min(a.published_date),
                    func.max(a.published_date),
                    func.count(a.published_date),
                    func.coalesce(func.sum(a.word_count), 0),
                ).where(*clauses)
            ).one()
            versions = conn.execute(
                select(func.count()).where(a.superseded_by.is_not(None))
            ).scalar_one()
            outlets = conn.execute(
                select(a.outlet, func.count())
                .where(*clauses)
                .group_by(a.outlet)
                .order_by(func.count().desc(), a.outlet)
            ).all()
            languages = conn.execute(
                select(a.language, func.count())
                .where(*clauses)
                .group_by(a.language)
                .order_by(func.count().desc())
            ).all()
            quarantined = conn.execute(select(func.count()).select_from(t.quarantine)).scalar_one()
            stages = conn.execute(
                select(t.stage_run.c.stage, func.count()).group_by(t.stage_run.c.stage)
            ).all()
        return {
            "articles": row[0],
            "articles_deduplicated": row[1],
            "superseded_versions": versions,
            "earliest": row[2],
            "latest": row[3],
            "undated": row[0] - row[4],
            "words": int(row[5]),
            "outlets": {o or "(unknown)": n for o, n in outlets},
            "languages": {lang or "(not identified)": n for lang, n in languages},
            "syndicated_stories": len(self.syndicated()),
            "quarantined": quarantined,
            "enriched": dict(stages),
        }

    # ── enrichment ───────────────────────────────────────────────────────────────

    def current_ids(self) -> list[int]:
        """Ids of all current (not superseded) articles, ascending."""
        a = t.article.c
        with self.engine.connect() as conn:
            sql = select(a.id).where(a.superseded_by.is_(None)).order_by(a.id)
            return list(conn.execute(sql).scalars())

    def stage_fingerprints(self, stage: str, ids: Sequence[int]) -> dict[int, str]:
        """The fingerprint each of ``ids`` was last enriched with by ``stage``."""
        r = t.stage_run.c
        sql = select(r.article_id, r.fingerprint).where(
            r.stage == stage, r.article_id.in_(list(ids))
        )
        with self.engine.connect() as conn:
            return dict(conn.execute(sql).all())

    def save_stage(
        self,
        stage: str,
        fingerprint: str,
        outputs: Sequence[StageOutput],
        allowed_fields: Iterable[str],
    ) -> None:
        """Replace ``stage``'s annotations of each article and record the fingerprint.

        One transaction per call: annotations and the run record land together or not
        at all, so an interrupted ``enrich`` simply redoes the batch.
        """
        allowed = set(allowed_fields)
        now = _now()
        with self._writer.begin() as conn:
            for output in outputs:
                unknown = set(output.fields) - allowed
                if unknown:
                    raise StoreError(
                        f"stage {stage} may not write article fields {sorted(unknown)}"
                    )
                if output.fields:
                    values = {
                        k: json.dumps(list(v), ensure_ascii=False)
                        if isinstance(v, list | tuple)
                        else v
                        for k, v in output.fields.items()
                    }
                    conn.execute(
                        update(t.article)
                        .where(t.article.c.id == output.article_id)
                        .values(**values)
                    )
                conn.execute(
                    delete(t.annotation).where(
                        t.annotation.c.article_id == output.article_id,
                        t.annotation.c.stage == stage,
                    )
                )
                if output.annotations:
                    conn.execute(
                        insert(t.annotation),
                        [
                            {
                                "article_id": output.article_id,
                                "stage": stage,
                                "kind": n.kind,
                                "start": n.start,
                                "end": n.end,
                                "label": n.label,
                                "score": n.score,
                                "data": json.dumps(n.data, ensure_ascii=False),
                            }
                            for n in output.annotations
                        ],
                    )
                conn.execute(
                    delete(t.stage_run).where(
                        t.stage_run.c.article_id == output.article_id, t.stage_run.c.stage == stage
                    )
                )
                conn.execute(
                    insert(t.stage_run).values(
                        article_id=output.article_id,
                        stage=stage,
                        fingerprint=fingerprint,
                        ran_at=now,
                    )
                )

    def annotations(self, article_id: int, kinds: Iterable[str] | None = None) -> list[Annotation]:
        n = t.annotation.c
        sql = select(t.annotation).where(n.article_id == article_id)
        if kinds is not None:
            sql = sql.where(n.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            rows = conn.execute(sql.order_by(n.start, n.id)).all()
        return [_annotation(r) for r in rows]

    def annotations_of(
        self, article_ids: Sequence[int], kinds: Sequence[str]
    ) -> dict[int, list[Annotation]]:
        """The annotations of ``kinds`` for many articles at once, in text order."""
        n = t.annotation.c
        found: dict[int, list[Annotation]] = {}
        sql = (
            select(t.annotation)
            .where(n.article_id.in_(list(article_ids)), n.kind.in_(list(kinds)))
            .order_by(n.article_id, n.start, n.id)
        )
        with self.engine.connect() as conn:
            for r in conn.execute(sql):
                found.setdefault(r.article_id, []).append(_annotation(r))
        return found

    def annotations_by_kind(
        self, kinds: Sequence[str], filters: ArticleFilter | None = None
    ) -> Iterator[tuple[StoredArticleRef, Annotation]]:
        """Every annotation of ``kinds`` on current articles matching ``filters``, with the
        article's id, date and outlet, in date order (undated last)."""
        n, a = t.annotation.c, t.article.c
        sql = (
            select(
                a.id,
                a.published_date,
                a.outlet,
                a.title,
                n.kind,
                n.start,
                n.end,
                n.label,
                n.score,
                n.data,
            )
            .select_from(t.annotation.join(t.article, a.id == n.article_id))
            .where(n.kind.in_(list(kinds)), *(filters or ArticleFilter()).clauses())
            .order_by(a.published_date.is_(None), a.published_date, a.id, n.start)
        )
        with self.engine.connect() as conn:
            for r in conn.execute(sql):
                yield (
                    StoredArticleRef(r.id, r.published_date, r.outlet, r.title),
                    _annotation(r),
                )

    def stage_runs(self, article_id: int) -> dict[str, str]:
        r = t.stage_run.c
        with self.engine.connect() as conn:
            return dict(
                conn.execute(select(r.stage, r.fingerprint).where(r.article_id == article_id)).all()
            )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """One write transaction, holding the store's write lock until it ends."""
        with self._writer.begin() as conn:
            yield conn


@dataclass(frozen=True)
class StoredArticleRef:
    """What a listing of facts shows of the article each fact comes from."""

    id: int
    published: str | None
    outlet: str | None
    title: str | None


def _annotation(row: Any) -> Annotation:
    """An annotation row (possibly joined with its article) as the model's record."""
    return Annotation(row.kind, row.start, row.end, row.label, row.score, json.loads(row.data))


_SEARCH_COLUMNS = (_A.id, _A.title, _A.published, _A.outlet, _A.language, _A.syndication_cluster)


def _sqlite_search(node: Node, clauses: list[Any], limit: int, offset: int) -> Any:
    """BM25 over the FTS5 index (``-bm25``: higher is better) and FTS5's snippet."""
    return (
        select(
            *_SEARCH_COLUMNS,
            text("-bm25(article_fts, 5.0, 1.0) AS score"),
            text("snippet(article_fts, 1, char(2), char(3), '…', 16) AS snippet"),
        )
        .select_from(t.article.join(text("article_fts"), text("article_fts.rowid = article.id")))
        .where(text("article_fts MATCH :match").bindparams(match=render_fts5(node)), *clauses)
        .order_by(text("score DESC"), _A.id)
        .limit(limit)
        .offset(offset)
    )


# ts_rank_cd's weights for the labels D, C, B, A: the text is D, the title A (×5).
_RANK_WEIGHTS: Any = literal_column("'{0.2, 0.2, 0.2, 1.0}'::real[]")
_HEADLINE = (
    "StartSel=\x02, StopSel=\x03, MaxWords=16, MinWords=8, MaxFragments=1, FragmentDelimiter=…"
)


def _postgresql_search(node: Node, clauses: list[Any], limit: int, offset: int) -> Any:
    """Cover-density rank over the ``search_vector`` GIN index; snippets (``ts_headline``
    re-parses the text, so only for the page of hits)."""
    vector: Any = literal_column("article.search_vector")
    query = render_tsquery(node)
    ranked = (
        select(_A.id, func.ts_rank_cd(_RANK_WEIGHTS, vector, query, 1).label("score"))
        .where(vector.op("@@")(query), *clauses)
        .order_by(text("score DESC"), _A.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    headline = func.ts_headline(TEXT_SEARCH_CONFIG, _A.text, render_tsquery(node), _HEADLINE)
    return (
        select(*_SEARCH_COLUMNS, ranked.c.score, headline.label("snippet"))
        .select_from(t.article.join(ranked, ranked.c.id == _A.id))
        .order_by(ranked.c.score.desc(), _A.id)
    )


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _head() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _shown(url: str) -> str:
    """``url`` as an error message may show it: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return repr(url)


def _driver_url(url: str) -> str:
    """``postgresql://…`` (and ``postgres://…``) means psycopg 3, the driver installed."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # newswatch, not the sqlite3 module, decides when transactions begin (_sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may wait too
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock when they begin, not at their first write.

    Two processes ingesting the same text could otherwise both find its hash absent and
    both insert it, and two processes opening a new store could both migrate it; with
    ``BEGIN IMMEDIATE`` the second waits (``busy_timeout``) and then sees the first
    one's work. Readers keep deferred transactions, so in WAL mode they never wait.
    """
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _postgresql_begin(conn: Connection) -> None:
    """Writers take the store's write lock first thing in their transaction; it is
    released when the transaction ends. The same reasoning as ``_sqlite_begin``."""
    if conn.get_execution_options().get("write", False):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def _article_row(article: Article, now: str) -> dict[str, Any]:
    published = article.published
    return {
        "source_key": article.source_key,
        "content_hash": article.content_hash,
        "reader": article.reader,
        "title": article.title,
        "title_source": article.title_source,
        "text": article.text,
        "outlet": article.outlet,
        "authors": json.dumps(list(article.authors), ensure_ascii=False),
        "published": published.value if published else None,
        "published_precision": published.precision if published else None,
        "published_source": published.source if published else None,
        "published_date": _published_date(published),
        "url": article.url,
        "place": article.place,
        "dateline": article.dateline,
        "language": article.language,
        "genre": article.genre,
        "word_count": article.word_count,
        "ingested_at": now,
        "extra": json.dumps(article.extra, ensure_ascii=False, default=str),
    }


def _stored(row: Row[Any]) -> StoredArticle:
    values = dict(row._mapping)
    precision = values.pop("published_precision")
    source = values.pop("published_source")
    values.pop("published_date")
    if values["published"]:
        values["published"] = PublishedDate(values["published"], precision, source)
    values["authors"] = tuple(json.loads(values["authors"]))
    values["extra"] = json.loads(values["extra"])
    return StoredArticle(**values)
