"""What every reader receives and yields.

A reader turns one input (a file or a fetched URL) into a stream of ``Draft`` records,
one per article, and ``Rejection`` records for whatever it could not read. Readers never
raise for bad input: one broken item never stops the batch. They never touch the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newswatch.config import Settings
from newswatch.models import Draft, Rejection

if TYPE_CHECKING:
    from newswatch.ingest.fetch import Fetcher

ReadResult = Draft | Rejection


@dataclass(frozen=True)
class Input:
    """One input: its location (absolute path or URL) and its raw bytes.

    ``content_type`` is the HTTP Content-Type for fetched inputs, else ``None``.
    ``final_url`` is the URL after redirects, for fetched inputs.
    """

    location: str
    data: bytes
    content_type: str | None = None
    final_url: str | None = None


@dataclass
class ReadContext:
    """What readers may need beyond the input itself.

    ``field_map`` maps newswatch fields (text, title, date, outlet, authors, url, place,
    language, id) to column names of JSONL/CSV inputs. ``sidecar`` maps a file name
    (without extension) to metadata (publisher, publication_date, author, title, ...).
    ``fetcher`` fetches pages for feed items that carry no full text.
    """

    settings: Settings
    field_map: Mapping[str, str] = field(default_factory=dict)
    sidecar: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fetcher: Fetcher | None = None


Reader = Callable[[Input, ReadContext], Iterator[ReadResult]]
