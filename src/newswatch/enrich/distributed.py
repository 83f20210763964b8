"""Enrichment on a Dask cluster: batches of article ids go to the workers, each worker
loads the stages once and writes its results through the store.

``newswatch enrich --workers N`` starts a local cluster of N worker processes on this
machine; ``--scheduler tcp://host:8786`` uses a running cluster, whose workers must
have newswatch installed (the same version: the models come with the packages) and
reach the store's database. The client only lists the article ids and collects counts.

Nothing is lost when a worker dies: a batch's results are saved stage by stage in
transactions, the scheduler gives the batch to another worker, and that worker redoes
only what was not saved (stages skip articles whose fingerprint is current), writing
the same annotations (each stage replaces its own annotations of an article).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed, get_worker
from sqlalchemy.engine import make_url

from newswatch.enrich.runner import Enricher
from newswatch.enrich.stage import resolve
from newswatch.errors import EnrichError
from newswatch.store.database import Store

CONNECT_TIMEOUT = "10s"


class EnricherPlugin(WorkerPlugin):
    """Per worker: the store and the stages (with their models), built by the worker's
    first batch, kept for the next ones, rebuilt by a worker that replaces a dead one.
    A worker with several threads runs its batches one at a time (the models are
    shared, and PyTorch already uses the cores)."""

    def __init__(
        self, url: str, stages: Sequence[str] | None, force: bool, threads: int | None
    ) -> None:
        self.name = f"newswatch-enricher-{uuid.uuid4().hex[:12]}"
        self.url, self.stages, self.force, self.threads = url, stages, force, threads
        self._lock = threading.Lock()
        self._loaded: tuple[Store, Enricher] | None = None

    def __getstate__(self) -> dict[str, Any]:  # sent to the workers without its state
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_loaded")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _lock=threading.Lock(), _loaded=None)

    def run(self, ids: list[int]) -> Counter[str]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            store, enricher = self._loaded
            done: Counter[str] = enricher.run(store, ids)
            return done

    def _load(self) -> tuple[Store, Enricher]:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
            raise EnrichError(
                f"worker {get_worker().address} has no SQLite store at {url.database}: a "
                "SQLite store serves only workers on its own host; give every worker a "
                "PostgreSQL store (NEWSWATCH_DB=postgresql://…)"
            )
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        return Store.open(self.url), Enricher(self.stages, force=self.force)

    def teardown(self, worker: Any) -> None:
        if self._loaded is not None:
            self._loaded[0].close()


def _enrich_batch(plugin_name: str, ids: list[int]) -> Counter[str]:
    """Runs on a worker: one batch through every stage."""
    plugin: EnricherPlugin = get_worker().plugins[plugin_name]  # type: ignore[assignment]
    return plugin.run(ids)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Client]:
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise EnrichError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from err
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster,\
            Client(cluster) as client:  # fmt: skip
        yield client


def _batches(ids: list[int], batch_size: int, workers: int) -> list[list[int]]:
    """Batches of at most ``batch_size`` ids, small enough that every worker gets about
    four, so that no worker idles while another finishes a long last batch."""
    size = max(1, min(batch_size, math.ceil(len(ids) / (4 * max(1, workers)))))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def enrich_on_cluster(
    url: str,
    stages: Sequence[str] | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> Counter[str]:
    """``newswatch enrich`` on the Dask cluster at ``scheduler``, or on a local cluster of
    ``workers`` processes; returns the number of articles processed per stage."""
    if bool(scheduler) == bool(workers):
        raise EnrichError("give one of --scheduler ADDRESS and --workers N")
    resolve(stages)  # unknown stage names fail here, not on every worker
    store = Store.open(url)  # creates or checks the schema once, before the workers
    ids = store.current_ids()
    store.close()
    threads = max(1, (os.cpu_count() or 1) // workers) if workers else None
    done: Counter[str] = Counter()
    with _client(scheduler, workers) as client:
        batches = _batches(ids, batch_size, len(client.scheduler_info()["workers"]))
        plugin = EnricherPlugin(url, stages, force, threads)
        futures: dict[Any, list[int]] = {}
        try:
            client.register_plugin(plugin)
            futures = {client.submit(_enrich_batch, plugin.name, batch, pure=False): batch
                       for batch in batches}  # fmt: skip
            finished = 0
            for future in as_completed(futures):
                done += _result(future, futures[future])
                finished += len(futures[future])
                if progress:
                    progress(finished, len(ids))
        finally:
            client.cancel(list(futures))
            client.unregister_worker_plugin(plugin.name)
    return done


def _result(future: Any, batch: list[int]) -> Counter[str]:
    """A batch's counts; a stage's EnrichError is raised here as on one machine."""
    try:
        counts: Counter[str] = future.result()
    except KilledWorker as err:
        raise EnrichError(
            f"the batch of articles {batch[0]}…{batch[-1]} killed every worker that took it "
            f"({err}); if they ran out of memory, use fewer workers per host"
        ) from err
    return counts
