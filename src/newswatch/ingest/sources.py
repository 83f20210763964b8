"""From what the user typed to inputs with a reader: paths, folders, URLs, sidecars.

Readers are chosen by name from ``READERS``; ``choose_reader`` looks at the extension
first and the first bytes second, so a feed saved as ``.txt`` or an HTML page without
an extension is still read by the right reader.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from newswatch.errors import ConfigError
from newswatch.ingest.base import Reader
from newswatch.ingest.decode import decode_text
from newswatch.ingest.feeds import read_feed
from newswatch.ingest.html import read_html
from newswatch.ingest.reuters import read_reuters
from newswatch.ingest.tabular import read_csv, read_jsonl
from newswatch.ingest.text import is_seed, read_seed, read_text

READERS: dict[str, Reader] = {
    "seed": read_seed,
    "text": read_text,
    "html": read_html,
    "feed": read_feed,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "reuters": read_reuters,
}

_BY_EXTENSION = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".sgm": "reuters",
    ".sgml": "reuters",
}
SIDECAR_NAMES = ("metadata.tsv", "metadata.csv")
FOLDER_EXTENSIONS = {*_BY_EXTENSION, ".txt", ".text", ".json"}
"""Extensions read when walking a folder; files without an extension are read too."""
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT = re.compile(rb"<(!doctype html|html)[\s>]", re.IGNORECASE)


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def choose_reader(location: str, head: bytes, content_type: str | None = None) -> str:
    """The name of the reader for an input, from its extension, content type or first bytes."""
    head = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if is_seed(head):
        return "seed"
    if content_type:
        ctype = content_type.split(";")[0].strip().lower()
        if ctype in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
            return "feed"
        if ctype in ("text/xml", "application/xml") and _FEED_ROOT.search(head):
            return "feed"
        if ctype in ("text/html", "application/xhtml+xml"):
            return "html"
    suffix = Path(location.split("?")[0]).suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    if _FEED_ROOT.search(head):
        return "feed"
    if _HTML_ROOT.search(head):
        return "html"
    if head.startswith(b"<!DOCTYPE lewis") or head.startswith(b"<REUTERS"):
        return "reuters"
    if head.startswith(b"{"):
        return "jsonl"
    return "text"


@dataclass(frozen=True)
class PlannedInput:
    """One file or URL to read; ``sidecar`` is the metadata file that applies to it.

    ``skip_reason`` is set for files met in a folder whose extension is no news format
    (``.dtd``, ``.png``, ``.pdf``…): they are reported, not read. Name such a file
    explicitly, or pass ``--format``, to read it anyway.
    """

    location: str
    sidecar: Path | None = None
    skip_reason: str | None = None


def plan_inputs(
    arguments: list[str], sidecar: Path | None = None, forced_format: bool = False
) -> Iterator[PlannedInput]:
    """Expand paths and folders (recursively, sorted, hidden files skipped) and keep URLs.

    A ``metadata.tsv``/``metadata.csv`` in a folder or one of its two parents is the
    sidecar of the ``.txt`` files below it, not an input; an explicit ``sidecar`` wins.
    Paths that do not exist are still planned, so the reader reports them.
    """
    for argument in arguments:
        if is_url(argument):
            yield PlannedInput(argument)
            continue
        path = Path(argument).expanduser().absolute()
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path).parts
                if any(part.startswith(".") for part in relative) or not file.is_file():
                    continue
                if file.name in SIDECAR_NAMES:
                    continue
                suffix = file.suffix.lower()
                skip = None
                if suffix and suffix not in FOLDER_EXTENSIONS and not forced_format:
                    skip = f"skipped: {suffix} is not a news format read from folders"
                yield PlannedInput(str(file), sidecar or find_sidecar(file.parent), skip)
        else:
            yield PlannedInput(str(path), sidecar or find_sidecar(path.parent))


def find_sidecar(folder: Path) -> Path | None:
    for candidate in (folder, folder.parent, folder.parent.parent):
        for name in SIDECAR_NAMES:
            if (candidate / name).is_file():
                return candidate / name
    return None


_KEY_COLUMNS = ("filename", "file", "file_name", "name", "id", "article_id")


def load_sidecar(path: Path) -> dict[str, Mapping[str, str]]:
    """Rows of a metadata sidecar keyed by file name without extension."""
    try:
        content = decode_text(path.read_bytes(), str(path))
    except OSError as err:
        raise ConfigError(f"cannot read metadata sidecar {path}: {err.strerror}") from err
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    columns = {c.lower(): c for c in reader.fieldnames or []}
    key = next((columns[k] for k in _KEY_COLUMNS if k in columns), None)
    if key is None:
        raise ConfigError(
            f"metadata sidecar {path} has no file-name column; expected one of "
            f"{', '.join(_KEY_COLUMNS)}, found {', '.join(reader.fieldnames or [])}"
        )
    rows: dict[str, Mapping[str, str]] = {}
    for row in reader:
        name = (row.get(key) or "").strip()
        if name:
            rows[Path(name).stem if Path(name).suffix in (".txt", ".html") else name] = {
                k.lower(): v for k, v in row.items() if k is not None and v is not None
            }
    return rows
