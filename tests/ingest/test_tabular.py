"""JSONL and CSV/TSV with default column names and an explicit --map."""

from __future__ import annotations

import json

import pytest

from newswatch.errors import ConfigError
from newswatch.ingest.core import ingest
from newswatch.ingest.tabular import parse_field_map

ROWS = [
    {"id": "a1", "headline": "Gwadar traffic", "body": "The port of Gwadar handled record traffic.",
     "published": "2021-03-04", "publisher": "Dawn", "byline": "Jane Doe; Ali Khan"},
    {"id": "a2", "headline": "Cotton prices", "body": "Cotton prices fell in Multan after rain.",
     "published": "2021-03-05", "publisher": "The News", "byline": "Sara Ahmed"},
]  # fmt: skip


def test_jsonl_with_default_column_names(store, settings, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS))
    report = ingest(store, [str(path)], settings)
    assert report.counts["new"] == 2
    first = store.get(1)
    assert (first.title, first.outlet, first.published.value) == (
        "Gwadar traffic",
        "Dawn",
        "2021-03-04",
    )
    assert first.authors == ("Jane Doe", "Ali Khan")
    assert first.source_key == f"{path}#a1"


def test_declared_languages_are_stored_as_iso_codes_on_every_backend(store, settings, tmp_path):
    """A free-text language column must neither split the filters ("en-US" is "en") nor
    overflow PostgreSQL's column ("English (United Kingdom)" is left to detection)."""
    languages = ["en-US", "English (United Kingdom)"]
    path = tmp_path / "items.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({**r, "language": lang}) for r, lang in zip(ROWS, languages, strict=True)
        )
    )
    assert ingest(store, [str(path)], settings).counts["new"] == 2
    assert [a.language for a in store.iter_articles()] == ["en", None]


def test_field_map_names_the_columns(store, settings, tmp_path):
    rows = [{"story": r["body"], "when": r["published"]} for r in ROWS]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    ingest(store, [str(path)], settings, field_map=parse_field_map("text=story,date=when"))
    assert [a.published.value for a in store.iter_articles()] == ["2021-03-04", "2021-03-05"]


def test_truncated_jsonl_line_is_quarantined_and_the_others_are_read(store, settings, tmp_path):
    lines = [json.dumps(r) for r in ROWS] + ['{"body": "Cut off in the mid']
    (tmp_path / "items.jsonl").write_text("\n".join(lines))
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 2 and report.counts["quarantined"] == 1
    entry = store.quarantined()[0]
    assert entry.source.endswith("#line=3") and "invalid JSON" in entry.reason
    assert store.quarantined_raw(entry.id) == lines[2].encode()


@pytest.mark.parametrize(("name", "delimiter"), [("items.csv", ","), ("items.tsv", "\t")])
def test_csv_and_tsv(store, settings, tmp_path, name, delimiter):
    header = delimiter.join(["id", "title", "text", "date"])
    rows = [delimiter.join([r["id"], r["headline"], r["body"], r["published"]]) for r in ROWS]
    (tmp_path / name).write_text("\n".join([header, *rows]))
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 2
    assert {a.title for a in store.iter_articles()} == {"Gwadar traffic", "Cotton prices"}


def test_csv_missing_the_mapped_column_is_quarantined_whole(store, settings, tmp_path):
    (tmp_path / "items.csv").write_text("title,content\nA,Some text here\n")
    report = ingest(store, [str(tmp_path)], settings, field_map=parse_field_map("text=body"))
    assert report.counts["quarantined"] == 1 and report.counts["new"] == 0
    reason = store.quarantined()[0].reason
    assert reason == "column 'body' (mapped to text) not found; columns are: title, content"


def test_cp1252_csv_is_decoded(store, settings, tmp_path):
    text = "title,text\nCafé,Café owners in Karachi welcomed the Gwadar–Kashgar road.\n"
    (tmp_path / "items.csv").write_bytes(text.encode("cp1252"))
    ingest(store, [str(tmp_path)], settings)
    assert next(store.iter_articles()).text.startswith("Café owners")


@pytest.mark.parametrize(("spec", "message"), [("text", "not FIELD=COLUMN"),
                                               ("body=text", "field 'body' is unknown")])  # fmt: skip
def test_bad_field_map_is_a_config_error(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_field_map(spec)
