"""Benchmarks a user can re-run: ``newswatch bench ingest`` and ``newswatch bench enrich``.

Each case runs in a fresh process (so its peak memory is its own) against a fresh
SQLite store in a temporary folder, on the shared corpora:

- ``reuters``: the 22 Reuters-21578 SGML files (19,043 stories with a body);
- ``polnear``: the PolNeAR train folder (840 long articles, metadata sidecar);
- ``search``: 50 fixed queries (words, phrases, boolean, prefix; top 10 with snippets)
  against the Reuters store grown with PolNeAR (train, dev) and PTC (train, test) to
  just over 20,000 articles, each run once after one warm-up pass; median and p95.

Ingest includes everything but enrichment: decoding, parsing, clean-up, dating,
hashing, MinHash signatures, LSH candidate lookups and FTS indexing.

``enrich`` ingests the PolNeAR train folder (untimed), runs the prerequisites of the
stages asked for (untimed), then times those stages: all stages end to end by default,
including spaCy parsing, which the stages share and which dominates the cost.
"""

from __future__ import annotations

import json
import multiprocessing
import platform
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psutil

from newswatch import __version__
from newswatch.config import Settings

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


def default_data_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (the one writing the store)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _workers_peak_rss_mb() -> float:
    """Peak resident memory of the largest finished child (ingest worker) process."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _ingest_case(name: str, inputs: list[str], workdir: str) -> dict[str, Any]:
    from newswatch.ingest.core import ingest
    from newswatch.store.database import Store

    settings = Settings(db=str(Path(workdir) / f"{name}.db"))
    store = Store.open(settings.database_url())
    start = time.perf_counter()
    report = ingest(store, inputs, settings)
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


def _search_case(db: str, extra_inputs: list[str]) -> dict[str, Any]:
    from newswatch.ingest.core import ingest
    from newswatch.store.database import Store

    settings = Settings(db=db)
    store = Store.open(settings.database_url())
    ingest(store, extra_inputs, settings)  # untimed: grow the store past 20,000 articles
    for query in SEARCH_QUERIES:  # warm-up: page cache and prepared statements
        store.search(query, limit=10)
    timings, hits = [], 0
    for query in SEARCH_QUERIES:
        start = time.perf_counter()
        hits += len(store.search(query, limit=10))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "case": "search (50 queries, top 10)",
        "articles": store.stats()["articles"],
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "hits": hits,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def _run_isolated(func: Any, *args: Any) -> dict[str, Any]:
    """Run one case in a fresh process (its own peak memory; it may start workers)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        result: dict[str, Any] = pool.submit(func, *args).result()
    return result


def bench_ingest(data: Path, output: Path | None = None) -> dict[str, Any]:
    """Run the ingest and search cases; returns (and optionally writes) the results."""
    reuters = sorted(str(p) for p in (data / "reuters21578").glob("reut2-*.sgm"))
    polnear = data / "polnear" / "train" / "text"
    if not reuters or not polnear.is_dir():
        from newswatch.errors import ConfigError

        raise ConfigError(f"benchmark corpora not found under {data}; pass --data DIR")
    results = []
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as workdir:
        results.append(_run_isolated(_ingest_case, "reuters", reuters, workdir))
        results.append(_run_isolated(_ingest_case, "polnear", [str(polnear)], workdir))
        more = [str(data / "polnear" / "train" / "text"), str(data / "polnear" / "dev" / "text"),
                str(data / "ptc-train" / "articles"), str(data / "ptc-test-unlabeled")]  # fmt: skip
        results.append(_run_isolated(_search_case, str(Path(workdir) / "reuters.db"), more))
    return _report(results, output)


def _enrich_case(inputs: list[str], stages: list[str] | None, workdir: str) -> dict[str, Any]:
    from newswatch.enrich.runner import enrich
    from newswatch.enrich.stage import resolve
    from newswatch.ingest.core import ingest
    from newswatch.store.database import Store

    settings = Settings(db=str(Path(workdir) / "enrich.db"))
    store = Store.open(settings.database_url())
    ingest(store, inputs, settings)
    timed = [s.name for s in resolve(stages)] if not stages else list(stages)
    prerequisites = [s.name for s in resolve(stages) if s.name not in timed]
    if prerequisites:
        enrich(store, prerequisites, batch_size=settings.enrich_batch)
    start = time.perf_counter()
    done = enrich(store, timed, batch_size=settings.enrich_batch)
    seconds = time.perf_counter() - start
    stats = store.stats()
    return {
        "case": "enrich " + ("all stages" if not stages else ", ".join(stages)),
        "articles": stats["articles"],
        "processed": dict(done),
        "seconds": round(seconds, 2),
        "articles_per_s": round(stats["articles"] / seconds, 2),
        "words_per_s": round(stats["words"] / seconds),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def bench_enrich(
    data: Path, stages: list[str] | None = None, output: Path | None = None
) -> dict[str, Any]:
    """Time enrichment (all stages, or ``stages``) on the PolNeAR train folder."""
    polnear = data / "polnear" / "train" / "text"
    if not polnear.is_dir():
        from newswatch.errors import ConfigError

        raise ConfigError(f"PolNeAR train folder not found under {data}; pass --data DIR")
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as workdir:
        results = [_run_isolated(_enrich_case, [str(polnear)], stages, workdir)]
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
