"""Shared fixtures: a fresh store per test on each backend, the CLI run in-process, the
shared corpora.

Every test that takes ``settings`` or ``store`` runs twice: on a SQLite file and on a
fresh database of a real PostgreSQL server started for the test session (Debian's
server binaries, driven by pytest-postgresql). ``NEWSWATCH_TEST_BACKENDS=sqlite`` limits
a local run to one backend.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import port_for
import pytest
from pytest_postgresql.executors.proc import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

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


BACKENDS = tuple(os.environ.get("NEWSWATCH_TEST_BACKENDS", "sqlite,postgresql").split(","))
PG_CTL_AS_POSTGRES = ROOT / "tests" / "support" / "pg_ctl_as_postgres"


def _pg_ctl() -> str | None:
    """Debian's pg_ctl (``make test`` installs the ``postgresql`` package)."""
    found = shutil.which("pg_ctl") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)), None
    )
    return found


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[PostgreSQLExecutor]:
    """A PostgreSQL server on 127.0.0.1 for the whole session, in a temporary folder.

    pg_ctl refuses to run as root, so as root the server runs as the ``postgres`` user.
    Durability is switched off: a test server need not survive a power cut."""
    pg_ctl = _pg_ctl()
    if pg_ctl is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (pg_ctl) are missing in CI")
        pytest.skip("PostgreSQL server binaries not found; `make test` installs them")
    folder = Path(tempfile.mkdtemp(prefix="newswatch-pg-"))
    executable = pg_ctl
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        os.environ["NEWSWATCH_PG_CTL"] = pg_ctl
        executable = str(PG_CTL_AS_POSTGRES)
    server = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=port_for.select_random(),
        datadir=str(folder / "data"),
        unixsocketdir=str(folder),
        logfile=str(folder / "server.log"),
        startparams="-w",
        dbname="newswatch",
        postgres_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
    )
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def new_store_url(request: pytest.FixtureRequest):
    """``new_store_url(backend, folder)``: the URL of a new, empty store: a SQLite file
    in ``folder``, or a new database on the session's PostgreSQL server."""

    def new(backend: str, folder: Path) -> str:
        if backend == "sqlite":
            return f"sqlite:///{folder / 'store.db'}"
        server = request.getfixturevalue("postgresql_server")
        janitor = _janitor(server, f"store{next(_database_numbers)}")
        janitor.init()
        return f"postgresql://{server.user}@{server.host}:{server.port}/{janitor.dbname}"

    return new


def _janitor(server: PostgreSQLExecutor, dbname: str) -> DatabaseJanitor:
    return DatabaseJanitor(user=server.user, host=server.host, port=server.port, dbname=dbname)


def drop_store(request: pytest.FixtureRequest, url: str) -> Callable[[], None]:
    """What drops a store made by ``new_store_url``, called at the end of its test."""
    if not url.startswith("postgresql://"):
        return lambda: None
    janitor = _janitor(request.getfixturevalue("postgresql_server"), url.rsplit("/", 1)[1])
    return janitor.drop  # ends the database's connections first


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    """The backend of a store shared by a module's tests."""
    return request.param


@pytest.fixture(scope="module")
def module_settings(module_backend: str, new_store_url, tmp_path_factory) -> Settings:
    """Settings of a fresh store that a module's tests share, on each backend."""
    return Settings(db=new_store_url(module_backend, tmp_path_factory.mktemp("store")))


@pytest.fixture
def settings(backend: str, new_store_url, tmp_path: Path, request: pytest.FixtureRequest):
    """Settings of a fresh store; its SQLite file lies beside, not inside, ``tmp_path``
    (tests ingest ``tmp_path`` as a folder)."""
    folder = tmp_path.parent / f"{tmp_path.name}-store"
    folder.mkdir(exist_ok=True)
    url = new_store_url(backend, folder)
    drop = drop_store(request, url)
    yield Settings(db=url)
    drop()


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
