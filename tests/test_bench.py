"""The benchmark's own machinery on both backends: fresh stores made and dropped, and the
ingest, search and export cases reporting what they measured. (The figures themselves
are measured by ``newswatch bench``, never by tests.)"""

from __future__ import annotations

import json

import psycopg
import pytest

from newswatch.bench import _corpora, _export_case, _ingest_case, _search_case, _stores


@pytest.fixture
def server_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    """Any database URL on the session's PostgreSQL server, as a user passes it."""
    if backend == "sqlite":
        return None
    server = request.getfixturevalue("postgresql_server")
    return f"postgresql://{server.user}@{server.host}:{server.port}/postgres"


def _databases(server_url: str) -> set[str]:
    with psycopg.connect(server_url) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_cases_measure_a_fresh_store_that_is_dropped_afterwards(backend, server_url, shared_data):
    one_file = _corpora(shared_data)["reuters"][:1]  # 925 stories, 908 kept
    with _stores(server_url) as stores:
        url = stores.new(backend, "reuters")
        ingested = _ingest_case("reuters", one_file, url, 1)
        searched = _search_case(url, [])
        exported = _export_case(url)
        made = stores.databases
        if server_url:
            assert set(made) <= _databases(server_url)
    assert ingested["case"] == "ingest reuters"
    assert (ingested["articles"], ingested["stored"], ingested["quarantined"]) == (925, 908, 75)
    assert ingested["seconds"] > 0 and ingested["peak_rss_mb"] > 0
    assert searched["articles"] == 908 and 0 < searched["hits"] <= 50 * 10
    assert 0 < searched["median_ms"] <= searched["p95_ms"] <= searched["max_ms"]
    assert exported["articles"] == 908
    json.dumps([ingested, searched, exported])  # what the report writes
    if server_url:
        assert len(made) == 1 and not set(made) & _databases(server_url)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--backend", "postgresql"], "needs --postgresql URL of a server"),
        (["--backend", "mysql"], "unknown backend 'mysql'"),
        (["--postgresql", "sqlite:///x.db"], "wants a PostgreSQL URL"),
    ],
)
def test_bad_backend_options_are_clear_errors_before_any_work(cli, tmp_path, options, message):
    result = cli("bench", "ingest", *options, "--data", str(tmp_path / "nothing-here"))
    assert result.code == 2
    assert message in result.err
