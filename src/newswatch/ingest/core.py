"""Ingest: read every input, normalise it, store it, and say what happened.

1. ``sources.plan_inputs`` expands folders and finds metadata sidecars;
2. each file is size-checked and read (URLs are fetched politely by ``fetch.Fetcher``);
3. ``sources.choose_reader`` picks a reader, which yields drafts and rejections;
4. ``normalise.normalise`` cleans, dates, hashes and signs each draft (steps 2-4 run
   in worker processes when there are many inputs);
5. ``Store.add_articles`` writes a batch per transaction, deduplicating exactly and
   clustering near-duplicates; rejections and repairs go to the quarantine table.

One broken input never stops the batch: it is reported with its path or URL and the
reason, and its raw bytes are quarantined.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.context
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from newswatch.config import Settings
from newswatch.errors import ConfigError, IngestError, InputTooLarge
from newswatch.ingest.base import Input, ReadContext, ReadResult
from newswatch.ingest.fetch import Fetcher
from newswatch.ingest.sources import (
    READERS,
    PlannedInput,
    choose_reader,
    is_url,
    load_sidecar,
    plan_inputs,
)
from newswatch.models import Article, Rejection
from newswatch.normalise.core import Normalised, normalise
from newswatch.store.database import Store

ProgressCallback = Callable[[int, int, str], None]
"""Called as ``(inputs done, inputs total, current location)``."""


@dataclass
class IngestReport:
    """Counts per outcome, plus every rejection and repair with its reason."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Rejection] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(self.counts[k] for k in ("new", "updated", "near-duplicate"))

    @property
    def nothing_read(self) -> bool:
        """True when inputs were given but not a single article came out of them."""
        articles = sum(
            self.counts[k] for k in ("new", "updated", "near-duplicate", "duplicate", "unchanged")
        )
        return articles == 0 and self.counts["quarantined"] > 0


PARALLEL_MIN_INPUTS = 8
"""Below this many inputs, worker processes cost more to start than they save."""


@dataclass(frozen=True)
class _Job:
    """Everything a worker process needs to read and normalise one input file."""

    item: PlannedInput
    settings: Settings
    reader: str | None
    field_map: dict[str, str]
    sidecar: dict[str, Any]
    today: dt.date | None


Prepared = Normalised | Rejection


def ingest(
    store: Store,
    arguments: list[str],
    settings: Settings,
    *,
    reader: str | None = None,
    field_map: dict[str, str] | None = None,
    sidecar: Path | None = None,
    progress: ProgressCallback | None = None,
    today: dt.date | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Ingest files, folders and URLs into ``store``; see the module docstring.

    Reading, normalising and signing run in ``workers`` processes (default: one per
    CPU) when there are many inputs, while this process writes to the store in input
    order, so article ids do not depend on the number of workers. URLs and feeds are
    read here, where the polite HTTP client lives.
    """
    if reader is not None and reader not in READERS:
        raise ConfigError(f"unknown format {reader!r}; choose one of {', '.join(READERS)}")
    planned = list(plan_inputs(arguments, sidecar, forced_format=reader is not None))
    report = IngestReport()
    pending: list[Article] = []
    sidecars: dict[Path, dict[str, Any]] = {}

    def job(item: PlannedInput) -> _Job:
        rows: dict[str, Any] = {}
        if item.sidecar is not None:
            if item.sidecar not in sidecars:
                sidecars[item.sidecar] = load_sidecar(item.sidecar)
            stem = PurePath(item.location).stem
            rows = {stem: sidecars[item.sidecar][stem]} if stem in sidecars[item.sidecar] else {}
        return _Job(item, settings, reader, field_map or {}, rows, today)

    def flush() -> None:
        for outcome in store.add_articles(pending):
            report.counts[outcome.status] += 1
            report.article_ids.append(outcome.article_id)
        pending.clear()

    workers = workers or os.cpu_count() or 1
    with ExitStack() as stack:
        fetcher = stack.enter_context(Fetcher(settings))
        jobs = (job(item) for item in planned)
        if workers > 1 and len(planned) >= PARALLEL_MIN_INPUTS:
            pool = ProcessPoolExecutor(
                workers, mp_context=_worker_context(), initializer=_ignore_interrupts
            )
            # On Ctrl-C or an error, drop the queued inputs instead of reading them all.
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
            prepared: Iterator[list[Prepared] | None] = pool.map(
                _prepare_in_worker, jobs, chunksize=8
            )
        else:
            prepared = (None for _ in planned)
        for done, (item, results) in enumerate(zip(planned, prepared, strict=True)):
            if progress:
                progress(done, len(planned), item.location)
            if results is None:
                results = _prepare(job(item), fetcher)
            rejections: list[Rejection] = []
            for result in results:
                report.counts["read"] += 1
                if isinstance(result, Rejection):
                    rejections.append(result)
                    continue
                if result.repair is not None:
                    rejections.append(result.repair)
                pending.append(result.article)
                if len(pending) >= settings.ingest_batch:
                    flush()
            if rejections:
                store.add_rejections(rejections, settings.quarantine_raw_cap)
                report.problems.extend(rejections)
                for r in rejections:
                    report.counts["quarantined" if r.action == "rejected" else r.action] += 1
        flush()
        if progress:
            progress(len(planned), len(planned), "")
    return report


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Fork where the platform has it: workers start in milliseconds, sharing the loaded
    readers (they touch no database or HTTP state); spawn elsewhere."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _prepare_in_worker(job: _Job) -> list[Prepared] | None:
    """Read and normalise a local file in a worker; ``None`` sends it back to the main
    process (URLs, and feeds whose items may need fetching)."""
    if is_url(job.item.location) or job.item.skip_reason:
        return None
    if (job.reader or choose_reader(job.item.location, _head(job.item.location))) == "feed":
        return None
    return _prepare(job, None)


def _head(location: str) -> bytes:
    try:
        with open(location, "rb") as handle:
            return handle.read(2048)
    except OSError:
        return b""


def _prepare(job: _Job, fetcher: Fetcher | None) -> list[Prepared]:
    """Read one input and normalise what it holds; every failure becomes a rejection."""
    item = job.item
    if item.skip_reason:
        return [Rejection(item.location, item.skip_reason, "input", action="skipped")]
    ctx = ReadContext(job.settings, job.field_map, job.sidecar, fetcher)
    results: list[Prepared] = []
    for result in _read(item, ctx, fetcher, job.reader):
        if isinstance(result, Rejection):
            results.append(result)
            continue
        try:
            results.append(
                normalise(
                    result,
                    job.today,
                    minhash_perm=job.settings.minhash_perm,
                    shingle_words=job.settings.shingle_words,
                )
            )
        except IngestError as err:
            results.append(Rejection(err.source, err.reason, result.reader, result.raw))
    return results


def _read(
    item: PlannedInput, ctx: ReadContext, fetcher: Fetcher | None, reader: str | None
) -> Iterator[ReadResult]:
    """Load one input's bytes and run its reader; failures become rejections."""
    try:
        inp = _load(item.location, ctx.settings, fetcher)
    except IngestError as err:
        yield Rejection(item.location, err.reason, reader or "input", err.raw, err.size)
        return
    name = reader or choose_reader(inp.location, inp.data, inp.content_type)
    yield from READERS[name](inp, ctx)


def _load(location: str, settings: Settings, fetcher: Fetcher | None) -> Input:
    if is_url(location):
        if fetcher is None:
            raise IngestError(location, "URLs are fetched by the main process only")
        return fetcher.fetch(location)
    path = Path(location)
    try:
        size = path.stat().st_size
        if size > settings.max_input_bytes:
            with path.open("rb") as handle:
                head = handle.read(settings.quarantine_raw_cap)
            limit_mb = settings.max_input_bytes / 1024 / 1024
            raise InputTooLarge(
                location,
                f"file is {size / 1024 / 1024:.0f} MB, over the {limit_mb:.0f} MB limit; "
                "raise NEWSWATCH_MAX_INPUT_BYTES or split the file",
                head,
                size,
            )
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise IngestError(
            location, "no such file (it may have been removed during the run)"
        ) from err
    except IsADirectoryError as err:
        raise IngestError(location, "is a directory") from err
    except PermissionError as err:
        raise IngestError(location, "permission denied") from err
    except OSError as err:
        raise IngestError(location, f"cannot read file: {err.strerror}") from err
    return Input(location, data)
