"""Bytes to text: legacy encodings are read correctly, binary and empty input refused."""

from __future__ import annotations

import pytest

from newswatch.errors import IngestError
from newswatch.ingest.decode import decode_text

TEXTS = [
    ("Café owners in Karachi welcomed the Gwadar–Kashgar road.", "cp1252"),
    ("Экономический коридор Китай — Пакистан расширяется, сообщили в министерстве.", "cp1251"),
    (
        "Der Wirtschaftskorridor zwischen China und Pakistan wird ausgebaut, sagte Müller.",
        "latin-1",
    ),
    ("中巴经济走廊是“一带一路”的旗舰项目，双方同意加强合作。", "gb18030"),
    ("CPEC is a flagship project — “Belt and Road”.", "utf-16"),
]


@pytest.mark.parametrize(("text", "encoding"), TEXTS)
def test_legacy_encodings_decode_to_the_original_text(text, encoding):
    assert decode_text(text.encode(encoding), "x.txt") == text


@pytest.mark.parametrize(("data", "reason"), [(b"", "empty file"), (b"  \n", "empty file"),
                                              (b"PK\x03\x04\x00\x00binary", "binary file")])  # fmt: skip
def test_empty_and_binary_input_is_refused(data, reason):
    with pytest.raises(IngestError, match=reason):
        decode_text(data, "x.txt")
