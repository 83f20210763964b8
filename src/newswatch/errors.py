"""One exception tree for newswatch.

    NewswatchError                 anything newswatch raises on purpose
     ├── ConfigError               bad settings, flags or field maps
     ├── IngestError               an input could not be read; carries the source
     │    ├── FetchError           HTTP: unreachable, 4xx/5xx, redirect loop, robots.txt
     │    └── InputTooLarge        over the configured size limit
     ├── StoreError                the database could not be opened, migrated or written
     │    └── NotFound             no article (or other record) with that id
     ├── QuerySyntaxError          a search query that cannot be parsed
     └── EnrichError               an enrichment stage failed or is unknown

Messages are written for the person at the terminal: the bad value, what was expected,
and what to do. The CLI turns these into one line and a non-zero exit code; the
traceback is shown only with ``--debug``.
"""

from __future__ import annotations


class NewswatchError(Exception):
    """Base class of every error newswatch raises deliberately."""


class ConfigError(NewswatchError):
    """A setting, flag or field mapping is invalid."""


class IngestError(NewswatchError):
    """An input could not be turned into an article.

    ``source`` names the file or URL; ``reason`` is the short human explanation that
    ends up in the quarantine table. ``raw`` carries the bytes to quarantine when the
    raiser has them (for an oversized input: its head) and ``size`` the full size.
    """

    def __init__(self, source: str, reason: str, raw: bytes = b"", size: int = 0) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.raw = raw
        self.size = size or len(raw)


class FetchError(IngestError):
    """An HTTP fetch failed (network, status, redirects, robots.txt)."""


class InputTooLarge(IngestError):
    """An input is larger than ``Settings.max_input_bytes``."""


class StoreError(NewswatchError):
    """The store could not be opened, migrated or written."""


class NotFound(StoreError):
    """The requested record does not exist."""


class QuerySyntaxError(NewswatchError):
    """A search query could not be parsed."""


class EnrichError(NewswatchError):
    """An enrichment stage is unknown or failed."""
