"""One settings object, read from flags, ``NEWSWATCH_*`` environment variables and defaults."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from newswatch import __version__


def default_data_dir() -> Path:
    """Where newswatch keeps its store when no ``--db`` is given (XDG data home)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newswatch"


class Settings(BaseSettings):
    """Everything that can be tuned without touching code.

    Each field can be set with an environment variable of the same name prefixed
    ``NEWSWATCH_`` (``NEWSWATCH_DB=sqlite:///desk.db``).
    """

    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore")

    db: str = ""
    """SQLAlchemy URL or a plain file path; empty means ``<data dir>/newswatch.db``."""

    max_input_bytes: int = 50 * 1024 * 1024
    """Inputs larger than this are quarantined instead of read."""

    quarantine_raw_cap: int = 1024 * 1024
    """At most this many raw bytes of an oversized input are kept in quarantine."""

    http_timeout: float = 15.0
    http_max_redirects: int = 5
    user_agent: str = (
        f"newswatch/{__version__} (media monitoring; +https://github.com/newswatch/newswatch)"
    )
    respect_robots: bool = True

    minhash_perm: int = 128
    minhash_bands: int = 32
    shingle_words: int = 5
    near_duplicate_threshold: float = 0.6
    """Estimated Jaccard similarity of word shingles above which two texts are copies."""

    ingest_batch: int = 500
    """Articles written per transaction; an interrupted ingest loses at most one batch."""

    enrich_batch: int = 64

    watchlist: str = ""
    """YAML file of the topics the desk follows (tone, claims); empty: the bundled one."""

    topics: str = ""
    """Topic taxonomy YAML of the ``topics`` stage; empty means the shipped
    ``enrich/topics.yaml``."""

    def database_url(self) -> str:
        """The SQLAlchemy URL of the store."""
        db = self.db or str(default_data_dir() / "newswatch.db")
        if "://" in db:
            return db
        return f"sqlite:///{Path(db).expanduser().resolve()}"
