"""Bad input: a clear reason naming the input, raw bytes quarantined, the batch goes on."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SEEDS

from newswatch.ingest.core import ingest
from newswatch.store.database import Store

GOOD = "Gwadar port handled more ships this year, the port authority said on Monday.\n"
OTHER = [
    "Cotton prices fell in Multan after heavy rain damaged the crop, traders said.",
    "The central bank kept its policy rate unchanged and warned about inflation.",
    "A new textile mill opened near Faisalabad with help from Chinese investors.",
]


def _reasons(store: Store) -> dict[str, tuple[str, str, int]]:
    return {Path(e.source).name: (e.reason, e.action, e.raw_stored) for e in store.quarantined()}


def test_empty_binary_and_undecodable_files_are_quarantined_and_the_rest_is_read(
    store, settings, tmp_path
):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "good.txt").write_text(GOOD)
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1
    assert report.counts["quarantined"] == 2
    reasons = _reasons(store)
    assert "empty file" in reasons["empty.txt"][0]
    assert "binary file" in reasons["image.txt"][0]
    assert reasons["image.txt"][2] == 216  # raw bytes kept


def test_non_utf8_text_is_decoded_not_rejected(store, settings, tmp_path):
    text = "Café owners in Karachi said the Gwadar–Kashgar road will raise prices for Müller's goods.\n"
    (tmp_path / "latin.txt").write_bytes(text.encode("cp1252", errors="replace") * 3)
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1
    article = next(store.iter_articles())
    assert "Café owners in Karachi" in article.text and "Müller" in article.text


def test_file_over_the_size_limit_is_refused_with_a_clear_message(tmp_path, settings):
    settings = settings.model_copy(update={"max_input_bytes": 1_000_000,
                                           "quarantine_raw_cap": 4096})  # fmt: skip
    store = Store.open(settings.database_url())
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # a sparse 200 MB file: cheap to create
    (tmp_path / "good.txt").write_text(GOOD)
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1
    reason, action, kept = _reasons(store)["huge.txt"]
    assert "200 MB" in reason and "1 MB limit" in reason and action == "rejected"
    assert kept == 4096
    assert store.quarantined()[0].raw_size == 200 * 1024 * 1024


def test_future_date_is_stored_as_unknown_and_reported_as_repaired(store, settings, tmp_path):
    rows = [{"text": GOOD, "date": "2031-05-01"}, {"text": OTHER[0], "date": "2020-01-02"}]
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    report = ingest(store, [str(tmp_path)], settings, today=dt.date(2026, 11, 22))
    assert report.counts["new"] == 2 and report.counts["repaired"] == 1
    dates = sorted(
        (a.published.value if a.published else None) or "" for a in store.iter_articles()
    )
    assert dates == ["", "2020-01-02"]
    entry = store.quarantined()[0]
    assert entry.action == "repaired" and "2031-05-01 is in the future" in entry.reason


def test_missing_path_is_reported_and_the_batch_goes_on(store, settings, tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    report = ingest(store, [str(tmp_path / "gone.txt"), str(tmp_path)], settings)
    assert report.counts["new"] == 1
    assert "no such file" in _reasons(store)["gone.txt"][0]


def test_file_that_disappears_mid_run_is_reported(store, settings, tmp_path):
    for i in range(3):
        (tmp_path / f"a{i}.txt").write_text(OTHER[i])

    def delete_next(done: int, total: int, location: str) -> None:
        if done == 0:
            (tmp_path / "a2.txt").unlink()  # listed already, gone before it is read

    report = ingest(store, [str(tmp_path)], settings, progress=delete_next)
    assert report.counts["new"] == 2 and report.counts["quarantined"] == 1
    assert "removed during the run" in _reasons(store)["a2.txt"][0]


def test_nothing_already_stored_is_lost_when_a_later_batch_fails(store, settings, tmp_path):
    ingest(store, [str(SEEDS)], settings)
    (tmp_path / "empty.txt").write_bytes(b"")
    ingest(store, [str(tmp_path)], settings)
    assert store.stats()["articles"] == 2


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_ingest_leaves_a_consistent_store_that_resumes(
    tmp_path, shared_data, settings, backend, how
):
    """kill -9 or Ctrl-C in the middle of a large ingest: committed batches stay, the
    store is consistent (and passes SQLite's and FTS5's integrity checks), and the same
    command resumes."""
    corpus = tmp_path / "reuters"
    corpus.mkdir()
    for sgm in sorted((shared_data / "reuters21578").glob("reut2-*.sgm"))[:10]:
        (corpus / sgm.name).symlink_to(sgm)  # ten files: enough inputs for worker processes
    store = Store.open(settings.database_url())  # readers never wait for the writer
    cmd = [sys.executable, "-m", "newswatch", "--db", settings.db, "ingest", str(corpus)]
    env = {**os.environ, "NEWSWATCH_INGEST_BATCH": "50"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and store.stats()["articles"] < 100:
        time.sleep(0.05)
    os.killpg(proc.pid, how)  # the whole process group, as a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    if how == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
    partial = store.stats()["articles"]
    assert 100 <= partial < 8959
    with store.connect() as conn:
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            conn.exec_driver_sql("INSERT INTO article_fts(article_fts) VALUES ('integrity-check')")
        bands = conn.exec_driver_sql("SELECT count(DISTINCT article_id) FROM minhash_band").scalar()
        sources = conn.exec_driver_sql("SELECT count(DISTINCT article_id) FROM article_source")
    assert bands == sources.scalar() == partial
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert store.stats()["articles"] == 8959  # what one uninterrupted run of these files stores


def test_files_of_other_kinds_in_a_folder_are_reported_as_skipped(store, settings, tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "schema.dtd").write_text("<!ELEMENT lewis (REUTERS*)>")
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1 and report.counts["skipped"] == 1
    entry = store.quarantined()[0]
    assert entry.action == "skipped" and ".dtd is not a news format" in entry.reason
    assert ingest(store, [str(tmp_path / "schema.dtd")], settings).counts["new"] == 1
