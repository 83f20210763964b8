"""Shared fixtures: a fresh store per test, the CLI run in-process, the shared corpora."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from newswatch.config import Settings
from newswatch.models import StoredArticle
from newswatch.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "examples" / "cpec"
SHARED_DATA = Path(os.environ.get("NEWSWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))

os.environ.setdefault("COLUMNS", "240")


@pytest.fixture
def shared_data() -> Path:
    """The shared corpora (never copied into the project); CI must have them."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data folder {SHARED_DATA} is missing in CI")
        pytest.skip(f"shared data folder {SHARED_DATA} not found")
    return SHARED_DATA


def _store_path(tmp_path: Path) -> Path:
    """Beside, not inside, ``tmp_path``: tests ingest ``tmp_path`` as a folder."""
    return tmp_path.parent / f"{tmp_path.name}-store" / "store.db"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(_store_path(tmp_path)))


@pytest.fixture
def store(settings: Settings) -> Store:
    s = Store.open(settings.database_url())
    yield s
    s.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli_on(capsys: pytest.CaptureFixture[str]):
    """``cli_on(settings)(ARGS)`` runs ``newswatch --db <settings.db> ARGS`` in-process."""
    from newswatch.cli import run

    def on(settings: Settings):
        def invoke(*args: str) -> CliResult:
            argv = sys.argv
            sys.argv = ["newswatch", "--db", str(settings.db), *args]
            code = 0
            try:
                run()
            except SystemExit as exit_:
                code = int(exit_.code or 0)
            finally:
                sys.argv = argv
            captured = capsys.readouterr()
            return CliResult(code, captured.out, captured.err)

        return invoke

    return on


@pytest.fixture
def cli(cli_on, settings: Settings):
    """Run ``newswatch --db <tmp store> ARGS`` in-process; returns code, stdout, stderr."""
    return cli_on(settings)


def stored_article(text: str, **known: object) -> StoredArticle:
    """An English article as the store would hand it to a stage, without a store."""
    fields: dict[str, object] = dict(
        id=1, version=1, superseded_by=None, syndication_cluster=1, ingested_at="",
        source_key="test", text=text, content_hash="", reader="test", title=None,
        title_source=None, outlet=None, authors=(), published=None, url=None, place=None,
        dateline=None, language="en", genre=None, word_count=len(text.split()),
    )  # fmt: skip
    fields.update(known)
    return StoredArticle(**fields)  # type: ignore[arg-type]
