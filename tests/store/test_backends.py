"""Both backends: in-place migration, copying between them, concurrent writers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKENDS, SEEDS

from newswatch.config import Settings
from newswatch.enrich.runner import enrich
from newswatch.errors import StoreError
from newswatch.ingest.core import ingest
from newswatch.store.database import Store
from newswatch.store.transfer import checksums

needs_both = pytest.mark.skipif(
    set(BACKENDS) != {"sqlite", "postgresql"}, reason="needs both backends"
)


def test_migrate_upgrades_an_older_store_in_place(settings, backend, cli, tmp_path):
    url = settings.database_url()
    old = Store.at(url)
    assert old.migrate("0001") == (None, "0001")
    ingest(old, [str(SEEDS)], settings)
    old.close()
    if backend == "postgresql":  # a desk's shared store is upgraded only on request
        with pytest.raises(StoreError, match=r"revision 0001.*newswatch --db URL migrate"):
            Store.open(url)
        result = cli("migrate", "--json")
        assert result.code == 0, result.err
        assert json.loads(result.out)["from"] == "0001"
    else:  # one analyst's file is upgraded when opened
        Store.open(url).close()
    again = json.loads(cli("migrate", "--json").out)
    assert again["from"] == again["to"] == "0002"  # a current store is left alone
    store = Store.open(url)
    assert store.revision() == "0002"
    assert len(store.search("corridor")) == 2  # articles stored before the upgrade are found


def test_a_store_written_by_a_newer_version_is_refused(settings):
    store = Store.open(settings.database_url())
    with store.writer() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="unknown to this newswatch"):
        Store.open(settings.database_url())


@needs_both
def test_copy_moves_a_store_between_backends_without_loss(new_store_url, tmp_path, cli_on):
    folder = tmp_path / "input"
    folder.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_text(seed.read_text())
    (folder / "broken.html").write_bytes(b"\x00\x01 not a page")  # a quarantine row too
    (tmp_path / "a").mkdir()
    source = Settings(db=new_store_url("sqlite", tmp_path / "a"))
    store = Store.open(source.database_url())
    ingest(store, [str(folder)], source)
    enrich(store, ["entities", "time"])
    expected = checksums(store)
    assert expected["annotation"][0] > 50 and expected["quarantine"][0] == 1

    postgresql = new_store_url("postgresql", tmp_path)
    result = cli_on(source)("copy", "--to", postgresql, "--json")
    assert result.code == 0, result.err
    tables = json.loads(result.out)["tables"]
    assert all(t["verified"] for t in tables.values())
    copied = Store.open(postgresql)
    assert checksums(copied) == expected
    assert [h.id for h in copied.search("corridor")] == [h.id for h in store.search("corridor")]

    (tmp_path / "b").mkdir()
    back = new_store_url("sqlite", tmp_path / "b")
    assert cli_on(source)("copy", "--from", postgresql, "--to", back).code == 0
    back_store = Store.open(back)
    assert checksums(back_store) == expected
    with back_store.writer() as conn:  # one changed value in one row is caught
        conn.exec_driver_sql("UPDATE annotation SET label = COALESCE(label, '') || 'x' "
                             "WHERE id = (SELECT min(id) FROM annotation)")  # fmt: skip
    changed = checksums(back_store)
    assert [name for name in changed if changed[name] != expected[name]] == ["annotation"]
    assert changed["annotation"][0] == expected["annotation"][0]

    later = tmp_path / "later"
    later.mkdir()
    (later / "new.txt").write_text("Gwadar port handled more ships, the port authority said.\n")
    report = ingest(copied, [str(later)], Settings(db=postgresql))
    assert report.counts["new"] == 1  # ids continue after the copied ones
    assert max(a.id for a in copied.iter_articles()) == expected["article"][0] + 1

    refused = cli_on(source)("copy", "--to", postgresql)
    assert refused.code != 0 and "not empty" in refused.err


def _newswatch(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newswatch", "--db", settings.db, *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finish(*procs: subprocess.Popen[str]) -> None:
    errors = [p.communicate(timeout=600)[1] for p in procs]  # a deadlock fails here
    assert [p.returncode for p in procs] == [0] * len(procs), errors


def _linked(folder: Path, files: list[Path]) -> str:
    folder.mkdir()
    for path in files:
        (folder / path.name).symlink_to(path)
    return str(folder)


def test_concurrent_ingests_and_an_enrich_store_each_text_once_and_lose_nothing(
    settings, store, tmp_path, shared_data
):
    """Two ingests of overlapping folders and an enrich beside them, as real processes."""
    texts = sorted((shared_data / "polnear" / "train" / "text").glob("*.txt"))
    first = _linked(tmp_path / "first", texts[:100])
    a = _linked(tmp_path / "a", texts[100:500])
    b = _linked(tmp_path / "b", texts[300:])
    _finish(_newswatch(settings, "ingest", first))
    procs = [
        _newswatch(settings, "ingest", a),
        _newswatch(settings, "ingest", b),
        _newswatch(settings, "enrich", "--stage", "language"),
    ]
    _finish(*procs)
    with store.connect() as conn:
        rows, hashes = conn.exec_driver_sql(
            "SELECT count(*), count(DISTINCT content_hash) FROM article"
        ).one()
        sources = conn.exec_driver_sql("SELECT count(*) FROM article_source").scalar()
    assert rows == hashes == 839  # 840 files, one exact duplicate pair in PolNeAR train
    assert sources == 1040  # each file under each folder it was read from
    enriched_beside = store.stats()["enriched"]["language"]
    assert enriched_beside >= 100  # at least the articles stored before it started
    enrich(store, ["language"])  # the rest: nothing half-written is left behind
    runs = store.stats()["enriched"]["language"]
    assert runs == 839
    with store.connect() as conn:
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM stage_run r WHERE r.stage = 'language' AND NOT EXISTS "
            "(SELECT 1 FROM annotation n WHERE n.article_id = r.article_id "
            "AND n.stage = 'language')"
        ).scalar()
    assert orphans == 0  # every recorded run has its annotations
