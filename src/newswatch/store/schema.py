"""The store's tables, in SQLAlchemy Core, shared by every backend.

    article          one row per distinct text; a changed text under the same source key
                     is a new row (version + 1) and the old row gets ``superseded_by``
    article_source   every source key under which a text was seen (exact duplicates)
    minhash          the near-duplicate signature of each article
    minhash_band     LSH band keys → article, for indexed candidate lookup
    quarantine       rejected or repaired inputs, with their raw bytes
    stage_run        which stage fingerprint produced each article's annotations
    annotation       span-level facts from enrichment stages (offsets into article.text)

``article.syndication_cluster`` is the id of the cluster's first member to arrive; the
cluster's *first publisher* (earliest publication date) is computed by queries, so it can
never go stale. Full-text indexes are backend-specific and live in ``fulltext.py``.
Migrations in ``migrations/versions`` must create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

article = Table(
    "article",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_key", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("superseded_by", Integer, nullable=True),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("reader", String(32), nullable=False),
    Column("title", Text),
    Column("title_source", String(32)),
    Column("text", Text, nullable=False),
    Column("outlet", Text),
    Column("authors", Text, nullable=False, default="[]"),
    Column("published", String(32)),
    Column("published_precision", String(16)),
    Column("published_source", String(16)),
    Column("published_date", String(10)),
    Column("url", Text),
    Column("place", Text),
    Column("dateline", Text),
    Column("language", String(16)),
    Column("genre", String(32)),
    Column("word_count", Integer, nullable=False),
    Column("syndication_cluster", Integer, nullable=False),
    Column("ingested_at", String(32), nullable=False),
    Column("extra", Text, nullable=False, default="{}"),
    Index("ix_article_source_key", "source_key"),
    Index("ix_article_published_date", "published_date"),
    Index("ix_article_outlet", "outlet"),
    Index("ix_article_cluster", "syndication_cluster"),
)

article_source = Table(
    "article_source",
    metadata,
    Column("source_key", Text, primary_key=True),
    Column("article_id", Integer, ForeignKey("article.id"), primary_key=True),
    Column("first_seen", String(32), nullable=False),
)

minhash = Table(
    "minhash",
    metadata,
    Column("article_id", Integer, ForeignKey("article.id"), primary_key=True),
    Column("signature", LargeBinary, nullable=False),
)

minhash_band = Table(
    "minhash_band",
    metadata,
    Column("band_key", BigInteger, primary_key=True),
    Column("article_id", Integer, ForeignKey("article.id"), primary_key=True),
    sqlite_with_rowid=False,
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("reader", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("action", String(16), nullable=False),
    Column("at", String(32), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("raw_size", Integer, nullable=False),
)

stage_run = Table(
    "stage_run",
    metadata,
    Column("article_id", Integer, ForeignKey("article.id"), primary_key=True),
    Column("stage", String(64), primary_key=True),
    Column("fingerprint", String(128), nullable=False),
    Column("ran_at", String(32), nullable=False),
)

annotation = Table(
    "annotation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", Integer, ForeignKey("article.id"), nullable=False),
    Column("stage", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("label", Text),
    Column("score", Float),
    Column("data", Text, nullable=False, default="{}"),
    Index("ix_annotation_article_stage", "article_id", "stage"),
    Index("ix_annotation_kind_label", "kind", "label"),
)
