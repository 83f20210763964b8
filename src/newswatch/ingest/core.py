"""Ingest: read every input, normalise it, store it, and say what happened.

1. ``sources.plan_inputs`` expands folders and finds metadata sidecars;
2. each file is size-checked and read (URLs are fetched politely by ``fetch.Fetcher``);
3. ``sources.choose_reader`` picks a reader, which yields drafts and rejections;
4. ``normalise.normalise`` cleans, dates and hashes each draft;
5. ``Store.add_articles`` writes a batch per transaction, deduplicating exactly and
   clustering near-duplicates; rejections and repairs go to the quarantine table.

One broken input never stops the batch: it is reported with its path or URL and the
reason, and its raw bytes are quarantined.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

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
from newswatch.normalise.core import normalise
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
) -> IngestReport:
    """Ingest files, folders and URLs into ``store``; see the module docstring."""
    if reader is not None and reader not in READERS:
        raise ConfigError(f"unknown format {reader!r}; choose one of {', '.join(READERS)}")
    planned = list(plan_inputs(arguments, sidecar))
    report = IngestReport()
    pending: list[Article] = []
    sidecars: dict[Path, dict] = {}

    def flush() -> None:
        for outcome in store.add_articles(pending):
            report.counts[outcome.status] += 1
            report.article_ids.append(outcome.article_id)
        pending.clear()

    with ExitStack() as stack:
        fetcher = stack.enter_context(Fetcher(settings))
        for done, item in enumerate(planned):
            if progress:
                progress(done, len(planned), item.location)
            ctx = ReadContext(settings, field_map or {}, {}, fetcher)
            if item.sidecar is not None:
                if item.sidecar not in sidecars:
                    sidecars[item.sidecar] = load_sidecar(item.sidecar)
                ctx.sidecar = sidecars[item.sidecar]
            rejections: list[Rejection] = []
            for result in _read(item, ctx, fetcher, reader):
                report.counts["read"] += 1
                if isinstance(result, Rejection):
                    rejections.append(result)
                    continue
                try:
                    normalised = normalise(result, today)
                except IngestError as err:
                    rejections.append(
                        Rejection(
                            err.source, err.reason, result.reader, result.raw, len(result.raw)
                        )
                    )
                    continue
                if normalised.repair is not None:
                    rejections.append(normalised.repair)
                pending.append(normalised.article)
                if len(pending) >= settings.ingest_batch:
                    flush()
            if rejections:
                store.add_rejections(rejections, settings.quarantine_raw_cap)
                report.problems.extend(rejections)
                for r in rejections:
                    report.counts["quarantined" if r.action == "rejected" else "repaired"] += 1
        flush()
        if progress:
            progress(len(planned), len(planned), "")
    return report


def _read(
    item: PlannedInput, ctx: ReadContext, fetcher: Fetcher, reader: str | None
) -> Iterator[ReadResult]:
    """Load one input's bytes and run its reader; failures become rejections."""
    try:
        inp = _load(item.location, ctx.settings, fetcher)
    except IngestError as err:
        yield Rejection(item.location, err.reason, reader or "input", err.raw, err.size)
        return
    name = reader or choose_reader(inp.location, inp.data, inp.content_type)
    yield from READERS[name](inp, ctx)


def _load(location: str, settings: Settings, fetcher: Fetcher) -> Input:
    if is_url(location):
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
