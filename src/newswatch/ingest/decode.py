"""Bytes to text: UTF-8 when it is, detected encodings when it is not, and binary refused."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from newswatch.errors import IngestError
from newswatch.ingest.base import Input
from newswatch.models import Rejection

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def looks_binary(data: bytes) -> bool:
    """True for data that is not text in any encoding: NUL bytes in the first 8 KB."""
    head = data[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False
    return b"\x00" in head


def decode_text(data: bytes, source: str, declared: str | None = None) -> str:
    """Decode ``data`` to ``str`` or raise ``IngestError`` naming ``source``.

    Order: byte-order mark, UTF-8, the declared charset (HTTP header or XML prolog),
    then Windows-1252 or charset-normalizer's guess, whichever reads more cleanly.
    Binary data and empty input are refused.
    """
    if not data.strip():
        raise IngestError(source, "empty file: no text to read")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if looks_binary(data):
        raise IngestError(source, "binary file: contains NUL bytes, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(data).best()
    # Windows-1252 is the legacy encoding of most Western news text, and detectors
    # confuse it with its look-alikes (cp1250, mac_latin2) on short inputs: keep it
    # whenever it reads at least as cleanly as the detector's pick.
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and mess_ratio(western) <= (best.chaos if best else 1.0):
        return western
    if best is None:
        raise IngestError(source, "undecodable bytes: not UTF-8 and no text encoding detected")
    return str(best)


def decode_input(inp: Input, reader: str, declared: str | None = None) -> str | Rejection:
    """``decode_text`` for a reader: the text, or the rejection (with raw bytes) to yield."""
    try:
        return decode_text(inp.data, inp.location, declared)
    except IngestError as err:
        return Rejection(inp.location, err.reason, reader, inp.data, len(inp.data))
