"""Benchmarks a user can re-run: ``newswatch bench ingest|enrich|suite``.

Each case runs in a fresh process (so its peak memory is its own) against a fresh
store: a SQLite file in a temporary folder, or a new database on a PostgreSQL server
the user names (``--postgresql URL``; the database is dropped afterwards). Corpora:

- ``reuters``: the 22 Reuters-21578 SGML files (19,043 stories with a body);
- ``polnear``: the PolNeAR train folder (840 long articles, metadata sidecar);
- ``search``: 50 fixed queries (words, phrases, boolean, prefix; top 10 with snippets)
  against the Reuters store grown with PolNeAR (train, dev) and PTC (train, test) to
  just over 20,000 articles, each run once after one warm-up pass; median and p95;
- ``export``: that store written out as JSONL.

Ingest includes everything but enrichment: decoding, parsing, clean-up, dating,
hashing, MinHash signatures, LSH candidate lookups and full-text indexing.

``enrich`` ingests the PolNeAR train folder (untimed), runs the prerequisites of the
stages asked for (untimed), then times those stages: all stages end to end by default,
including spaCy parsing, which the stages share and which dominates the cost.

``suite`` runs, for each backend: ingest (Reuters, PolNeAR), search and export at
20,000 articles; enrichment of the first ``enrich_articles`` PolNeAR articles stage
by stage in one process, then end to end in one process and on local Dask clusters
of 1 and 2 workers (model loading included, as a user waits for it); and the growth
of ingest and search cost with the store: 1, 5 and all 22 Reuters files (about 1k, 5k
and 19k stories) ingested in one process each, the same 50 queries on each store.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.engine import make_url

from newswatch import __version__
from newswatch.config import Settings
from newswatch.errors import ConfigError

SEARCH_QUERIES = [
    "oil", "wheat", "coffee", "gold", "interest rates", '"trade deficit"', "bank*",
    "opec OR oil", "dollar -yen", '"federal reserve"', "merger", "acquisition AND shares",
    "tokyo", "brazil debt", "strike", "grain exports", "soybean*", "sugar", "copper",
    '"money supply"', "earnings", "dividend", "bundesbank", "tariff*", "japan semiconductors",
    '"stock exchange"', "inflation", "(crude OR petroleum) AND price*", "takeover bid",
    "cocoa", "shipping", "rubber", "iran", "gulf", "treasury", "bond*", "unemployment",
    "reagan", "yeutter", "gatt", "ecuador earthquake", "nickel", "corn", "cotton",
    '"net loss"', "profit NOT loss", "canada", "sterling", "lme", "rate cut",
]  # fmt: skip
assert len(SEARCH_QUERIES) == 50
BACKENDS = ("sqlite", "postgresql")
SCALING_FILES = (1, 5, 22)  # Reuters files: stores of about 1k, 5k and 19k stories


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (the one writing the store)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _workers_peak_rss_mb() -> float:
    """Peak resident memory of the largest finished child process (ingest or Dask
    worker)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# ── stores ───────────────────────────────────────────────────────────────────────


class _Stores:
    """Fresh stores for the cases: SQLite files in ``workdir``, or new databases on the
    PostgreSQL server at ``postgresql`` (any database URL on it), dropped at the end."""

    def __init__(self, workdir: str, postgresql: str | None) -> None:
        self.workdir = workdir
        self.postgresql = postgresql
        self.databases: list[str] = []

    def new(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{Path(self.workdir) / f'{name}.db'}"
        assert self.postgresql, "checked by _check_backends"
        database = f"newswatch_bench_{name}_{os.getpid()}"
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{database}"')
        self.databases.append(database)
        return make_url(self.postgresql).set(database=database).render_as_string(False)

    def drop_all(self) -> None:
        for database in self.databases:
            self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        assert self.postgresql
        url = self.postgresql.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.encode())


def _check_backends(backends: list[str], postgresql: str | None) -> None:
    """Before any work: each backend known, and a PostgreSQL server where one is needed."""
    for backend in backends:
        if backend not in BACKENDS:
            raise ConfigError(f"unknown backend {backend!r}: choose from {', '.join(BACKENDS)}")
    if "postgresql" in backends and not postgresql:
        raise ConfigError("the postgresql backend needs --postgresql URL of a server")
    if postgresql and make_url(postgresql).get_backend_name() != "postgresql":
        raise ConfigError(f"--postgresql wants a PostgreSQL URL, not {postgresql!r}")


@contextmanager
def _stores(postgresql: str | None) -> Iterator[_Stores]:
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as workdir:
        stores = _Stores(workdir, postgresql)
        try:
            yield stores
        finally:
            stores.drop_all()


def _open(url: str) -> Any:
    from newswatch.store.database import Store

    return Store.open(url)


# ── cases (each runs in its own process) ─────────────────────────────────────────


def _ingest_case(
    name: str, inputs: list[str], url: str, workers: int | None = None
) -> dict[str, Any]:
    from newswatch.ingest.core import ingest

    settings = Settings(db=url)
    store = _open(url)
    start = time.perf_counter()
    report = ingest(store, inputs, settings, workers=workers)
    seconds = time.perf_counter() - start
    stats = store.stats()
    articles = sum(report.counts[k] for k in ("new", "updated", "near-duplicate", "duplicate",
                                               "unchanged"))  # fmt: skip
    return {
        "case": f"ingest {name}",
        "articles": articles,
        "stored": stats["articles"],
        "deduplicated": stats["articles_deduplicated"],
        "quarantined": report.counts["quarantined"],
        "seconds": round(seconds, 2),
        "articles_per_s": round(articles / seconds, 1),
        "words_per_s": round(stats["words"] / seconds),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(_workers_peak_rss_mb(), 1),
    }


def _search_case(url: str, extra_inputs: list[str], name: str = "search") -> dict[str, Any]:
    from newswatch.ingest.core import ingest

    settings = Settings(db=url)
    store = _open(url)
    if extra_inputs:
        ingest(store, extra_inputs, settings)  # untimed: grow the store
    for query in SEARCH_QUERIES:  # warm-up: page cache and prepared statements
        store.search(query, limit=10)
    timings, hits = [], 0
    for query in SEARCH_QUERIES:
        start = time.perf_counter()
        hits += len(store.search(query, limit=10))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "case": f"{name} (50 queries, top 10)",
        "articles": store.stats()["articles"],
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "hits": hits,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _export_case(url: str) -> dict[str, Any]:
    from newswatch.query.export import export
    from newswatch.store.database import ArticleFilter

    store = _open(url)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        count = export(store, "jsonl", Path(folder) / "export.jsonl", ArticleFilter())
        seconds = time.perf_counter() - start
    return {
        "case": "export jsonl",
        "articles": count,
        "seconds": round(seconds, 2),
        "articles_per_s": round(count / seconds, 1),
        "words_per_s": round(store.stats()["words"] / seconds),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _enrich_case(inputs: list[str], stages: list[str] | None, url: str) -> dict[str, Any]:
    from newswatch.enrich.runner import enrich
    from newswatch.enrich.stage import resolve

    settings = Settings(db=url)
    store, stats = _ingested(inputs, settings)
    timed = [s.name for s in resolve(stages)] if not stages else list(stages)
    prerequisites = [s.name for s in resolve(stages) if s.name not in timed]
    if prerequisites:
        enrich(store, prerequisites, batch_size=settings.enrich_batch)
    start = time.perf_counter()
    done = enrich(store, timed, batch_size=settings.enrich_batch)
    return {
        "case": "enrich " + ("all stages" if not stages else ", ".join(stages)),
        "processed": dict(done),
        **_enrich_rates(stats, time.perf_counter() - start),
    }


def _enrich_by_stage_case(inputs: list[str], url: str) -> list[dict[str, Any]]:
    """Every stage timed on its own, in dependency order, in one process (models load
    when their stage first runs and stay loaded, as in ``newswatch enrich``, so each
    row's peak memory includes the stages before it)."""
    from newswatch.enrich.runner import enrich
    from newswatch.enrich.stage import resolve

    settings = Settings(db=url)
    store, stats = _ingested(inputs, settings)
    results = []
    for spec in resolve(None):
        start = time.perf_counter()
        enrich(store, [spec.name], batch_size=settings.enrich_batch)
        results.append({
            "case": f"enrich stage {spec.name}",
            **_enrich_rates(stats, time.perf_counter() - start),
        })  # fmt: skip
    return results


def _enrich_cluster_case(inputs: list[str], url: str, workers: int) -> dict[str, Any]:
    """All stages end to end on a local Dask cluster of ``workers`` processes."""
    from newswatch.enrich.distributed import enrich_on_cluster

    settings = Settings(db=url)
    _, stats = _ingested(inputs, settings)
    start = time.perf_counter()
    enrich_on_cluster(url, None, workers=workers, batch_size=settings.enrich_batch)
    return {
        "case": f"enrich all stages, Dask {workers} worker{'s' if workers > 1 else ''}",
        **_enrich_rates(stats, time.perf_counter() - start),
        "worker_peak_rss_mb": round(_workers_peak_rss_mb(), 1),
    }


def _ingested(inputs: list[str], settings: Settings) -> tuple[Any, dict[str, Any]]:
    """The store at ``settings.db`` with ``inputs`` ingested (untimed, in this process
    alone, so the only child processes a case measures are Dask workers) and its stats."""
    from newswatch.ingest.core import ingest

    store = _open(settings.database_url())
    ingest(store, inputs, settings, workers=1)
    return store, store.stats()


def _enrich_rates(stats: dict[str, Any], seconds: float) -> dict[str, Any]:
    """What an enrichment case reports about the articles it enriched in ``seconds``."""
    return {
        "articles": stats["articles"],
        "seconds": round(seconds, 2),
        "articles_per_s": round(stats["articles"] / seconds, 2),
        "words_per_s": round(stats["words"] / seconds),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _run_isolated(func: Any, *args: Any) -> Any:
    """Run one case in a fresh process (its own peak memory; it may start workers)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(func, *args).result()


# ── what the commands run ────────────────────────────────────────────────────────


def _corpora(data: Path) -> dict[str, list[str]]:
    reuters = sorted(str(p) for p in (data / "reuters21578").glob("reut2-*.sgm"))
    polnear = data / "polnear" / "train" / "text"
    if not reuters or not polnear.is_dir():
        raise ConfigError(f"benchmark corpora not found under {data}; pass --data DIR")
    more = [str(polnear), str(data / "polnear" / "dev" / "text"),
            str(data / "ptc-train" / "articles"), str(data / "ptc-test-unlabeled")]  # fmt: skip
    return {"reuters": reuters, "polnear": [str(polnear)], "to 20k": more}


def bench_ingest(
    data: Path, output: Path | None = None, backend: str = "sqlite", postgresql: str | None = None
) -> dict[str, Any]:
    """Run the ingest and search cases; returns (and optionally writes) the results."""
    _check_backends([backend], postgresql)
    corpora = _corpora(data)
    with _stores(postgresql) as stores:
        reuters = stores.new(backend, "reuters")
        results = [
            _run_isolated(_ingest_case, "reuters", corpora["reuters"], reuters),
            _run_isolated(
                _ingest_case, "polnear", corpora["polnear"], stores.new(backend, "polnear")
            ),
            _run_isolated(_search_case, reuters, corpora["to 20k"]),
        ]
    return _report(results, output)


def bench_enrich(
    data: Path,
    stages: list[str] | None = None,
    output: Path | None = None,
    backend: str = "sqlite",
    postgresql: str | None = None,
) -> dict[str, Any]:
    """Time enrichment (all stages, or ``stages``) on the PolNeAR train folder."""
    _check_backends([backend], postgresql)
    polnear = data / "polnear" / "train" / "text"
    if not polnear.is_dir():
        raise ConfigError(f"PolNeAR train folder not found under {data}; pass --data DIR")
    with _stores(postgresql) as stores:
        url = stores.new(backend, "enrich")
        results = [_run_isolated(_enrich_case, [str(polnear)], stages, url)]
    return _report(results, output)


def bench_suite(
    data: Path,
    backends: list[str],
    postgresql: str | None = None,
    enrich_articles: int = 200,
    output: Path | None = None,
    log: Any = print,
) -> dict[str, Any]:
    """Everything, for each backend: ingest, search, export, enrichment by stage and end
    to end (one process, Dask with 1 and 2 workers), and cost against store size."""
    _check_backends(backends, postgresql)
    corpora = _corpora(data)
    sample = sorted(str(p) for p in Path(corpora["polnear"][0]).glob("*.txt"))[:enrich_articles]
    results: list[dict[str, Any]] = []

    def run(backend: str, func: Any, *args: Any) -> None:
        found = _run_isolated(func, *args)
        for result in found if isinstance(found, list) else [found]:
            result["backend"] = backend
            results.append(result)
            log(json.dumps(result))

    with _stores(postgresql) as stores:
        for backend in backends:
            for files in SCALING_FILES:
                url = stores.new(backend, f"scale{files}")
                run(backend, _ingest_case, f"reuters, {files} file(s), one process",
                    corpora["reuters"][:files], url, 1)  # fmt: skip
                run(backend, _search_case, url, [], "search")
            reuters = stores.new(backend, "reuters")
            run(backend, _ingest_case, "reuters", corpora["reuters"], reuters)
            run(
                backend, _ingest_case, "polnear", corpora["polnear"], stores.new(backend, "polnear")
            )
            run(backend, _search_case, reuters, corpora["to 20k"])
            run(backend, _export_case, reuters)
            run(backend, _enrich_by_stage_case, sample, stores.new(backend, "stages"))
            run(backend, _enrich_case, sample, None, stores.new(backend, "e2e"))
            for workers in (1, 2):
                run(backend, _enrich_cluster_case, sample, stores.new(backend, f"dask{workers}"), workers)  # fmt: skip
    return _report(results, output)


def _report(results: list[dict[str, Any]], output: Path | None) -> dict[str, Any]:
    report = {
        "newswatch": __version__,
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "results": results,
    }
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2))
    return report
