"""Reuters-21578 SGML, a real foreign format, read from the shared corpus."""

from __future__ import annotations

from newswatch.config import Settings
from newswatch.ingest.base import Input, ReadContext
from newswatch.ingest.reuters import read_reuters
from newswatch.models import Draft, Rejection


def _read(path):
    return list(read_reuters(Input(str(path), path.read_bytes()), ReadContext(Settings())))


def test_every_record_becomes_an_article_or_a_quarantined_brief(shared_data):
    path = shared_data / "reuters21578" / "reut2-000.sgm"
    data = path.read_bytes()
    results = _read(path)
    drafts = [r for r in results if isinstance(r, Draft)]
    rejections = [r for r in results if isinstance(r, Rejection)]
    assert len(results) == data.count(b"<REUTERS ")
    assert len(drafts) == data.count(b"<BODY>")
    assert all("has no body text" in r.reason and r.raw.startswith(b"<REUTERS") for r in rejections)


def test_first_story_fields(shared_data):
    first = next(r for r in _read(shared_data / "reuters21578" / "reut2-000.sgm")
                 if isinstance(r, Draft))  # fmt: skip
    assert first.source_key.endswith("reut2-000.sgm#NEWID=1")
    assert (first.title, first.date_text, first.place) == (
        "BAHIA COCOA REVIEW", "1987-02-26T15:01:01", "SALVADOR")  # fmt: skip
    assert first.extra["topics"] == ["cocoa"]
    assert first.text.startswith("Showers continued throughout the week in the Bahia cocoa zone, "
                                 "alleviating the drought since early January")  # fmt: skip
    paragraphs = first.text.split("\n\n")
    assert all("\n" not in p for p in paragraphs) and len(paragraphs) > 5
    assert not first.text.rstrip().lower().endswith("reuter")


def test_a_file_without_records_is_rejected(tmp_path):
    path = tmp_path / "empty.sgm"
    path.write_bytes(b'<!DOCTYPE lewis SYSTEM "lewis.dtd">\n')
    (result,) = _read(path)
    assert isinstance(result, Rejection) and "no <REUTERS> records" in result.reason
