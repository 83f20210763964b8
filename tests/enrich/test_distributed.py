"""Enrichment on a real Dask cluster: the same annotations as one process, even when a
worker is killed in the middle of a batch."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from conftest import SEEDS
from distributed import Client, LocalCluster

from newswatch.config import Settings
from newswatch.enrich.distributed import EnricherPlugin, _batches, _enrich_batch, enrich_on_cluster
from newswatch.enrich.runner import enrich
from newswatch.errors import EnrichError
from newswatch.ingest.core import ingest
from newswatch.store.database import Store

STAGES = ["language", "entities", "time"]  # cheap ones: a spaCy parse, rules


def _snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every annotation and stage run, keyed by the article's source, not its id."""
    found: dict[str, list[tuple]] = {}
    for article in store.iter_articles():
        rows = [(n.kind, n.start, n.end, n.label, n.score, json.dumps(n.data, sort_keys=True))
                for n in store.annotations(article.id)]  # fmt: skip
        runs = sorted(store.stage_runs(article.id).items())
        found[article.source_key.rsplit("/", 1)[-1]] = sorted(rows) + runs
    return found


def _store_with(inputs: list[Path], backend: str, new_store_url, folder: Path):
    """A new store holding ``inputs``, and its URL."""
    folder.mkdir()
    settings = Settings(db=new_store_url(backend, folder))
    store = Store.open(settings.database_url())
    ingest(store, [str(p) for p in inputs], settings)
    return store, settings.database_url()


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        yield cluster


@pytest.fixture
def articles(shared_data) -> list[Path]:
    """The seeds and a dozen PolNeAR articles: enough batches for both workers."""
    polnear = sorted((shared_data / "polnear" / "train" / "text").glob("*.txt"))[:12]
    return [*SEEDS.glob("*.txt"), *polnear]


def test_a_two_worker_cluster_writes_what_one_process_writes(
    cluster, articles, backend, new_store_url, tmp_path
):
    alone, _ = _store_with(articles, backend, new_store_url, tmp_path / "alone")
    enrich(alone, STAGES, batch_size=4)
    spread, url = _store_with(articles, backend, new_store_url, tmp_path / "spread")
    done = enrich_on_cluster(url, STAGES, scheduler=cluster.scheduler_address, batch_size=4)
    assert set(done) >= set(STAGES) and set(done.values()) == {len(articles)}
    assert _snapshot(spread) == _snapshot(alone)
    assert enrich_on_cluster(url, STAGES, scheduler=cluster.scheduler_address) == {}


def test_a_worker_killed_mid_batch_loses_nothing(
    cluster, articles, backend, new_store_url, tmp_path
):
    alone, _ = _store_with(articles, backend, new_store_url, tmp_path / "alone")
    enrich(alone, STAGES, batch_size=1)
    spread, url = _store_with(articles, backend, new_store_url, tmp_path / "spread")
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["done"] = enrich_on_cluster(
                url, STAGES, scheduler=cluster.scheduler_address, batch_size=1
            )
        except Exception as err:  # reported below, in the test's thread
            result["error"] = err

    with Client(cluster.scheduler_address) as watcher:
        pids = watcher.run(os.getpid)
        runner = threading.Thread(target=run)
        runner.start()
        killed = None
        deadline = time.time() + 120
        while killed is None and time.time() < deadline and runner.is_alive():
            busy = [w for w, tasks in watcher.processing().items() if tasks and w in pids]
            if busy and _saved_stage_runs(spread):  # models loaded, results being saved
                killed = busy[0]
                os.kill(pids[killed], signal.SIGKILL)  # the nanny starts a new worker
            time.sleep(0.01)
        runner.join(timeout=300)
        assert killed is not None, "no batch was seen in flight"
        assert killed not in watcher.scheduler_info()["workers"]
    assert "error" not in result, result.get("error")
    assert _snapshot(spread) == _snapshot(alone)


def test_a_worker_without_the_sqlite_file_says_so_instead_of_making_one(cluster, tmp_path):
    """A remote worker does not see the client's SQLite file: it must not create an
    empty store there and report nothing to do."""
    elsewhere = tmp_path / "on-another-host.db"
    with Client(cluster.scheduler_address) as client:
        plugin = EnricherPlugin(f"sqlite:///{elsewhere}", STAGES, False, None)
        client.register_plugin(plugin)
        with pytest.raises(EnrichError, match=r"has no SQLite store at .*PostgreSQL store"):
            client.submit(_enrich_batch, plugin.name, [1], pure=False).result()
        client.unregister_worker_plugin(plugin.name)
    assert not elsewhere.exists()


def _saved_stage_runs(store: Store) -> int:
    with store.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM stage_run").scalar_one())


def test_cli_enriches_on_a_local_cluster_and_names_an_unreachable_scheduler(cli):
    assert cli("ingest", str(SEEDS)).code == 0
    result = cli("enrich", "--workers", "2", "--stage", "language", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"language": 2}
    result = cli("enrich", "--scheduler", "tcp://127.0.0.1:9", "--stage", "language")
    assert result.code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.err
    assert cli("enrich", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9").code == 2


def test_batches_are_small_enough_for_every_worker_to_get_several():
    ids = list(range(200))
    assert [len(b) for b in _batches(ids, 64, 2)] == [25] * 8
    assert [len(b) for b in _batches(ids, 64, 0)] == [50] * 4  # no worker connected yet
    assert [len(b) for b in _batches(ids, 10, 2)] == [10] * 20  # never above enrich_batch
    assert [len(b) for b in _batches(ids[:3], 64, 8)] == [1, 1, 1]
    assert [i for batch in _batches(ids, 64, 3) for i in batch] == ids
