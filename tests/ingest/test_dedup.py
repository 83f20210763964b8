"""Idempotent re-ingest, versions of a changed file, exact and near duplicates."""

from __future__ import annotations

from pathlib import Path

from conftest import SEEDS

from newswatch.ingest.core import ingest

STORY = (
    "ISLAMABAD, March 3 (Wire) – Pakistan and China signed three agreements on Tuesday to "
    "expand the Gwadar port, build a new coal power plant in Thar and upgrade the Karakoram "
    "Highway, officials said. The planning minister said the projects would create twenty "
    "thousand jobs over five years and would be financed by Chinese banks at concessional "
    "rates. Opposition lawmakers questioned the terms of the loans and asked for the "
    "contracts to be tabled in parliament before any money is disbursed. The ministry of "
    "finance said the debt would be repaid from port revenues and electricity tariffs."
)


def test_reingesting_the_same_folder_is_a_no_op(store, settings):
    first = ingest(store, [str(SEEDS)], settings)
    second = ingest(store, [str(SEEDS)], settings)
    assert first.counts["new"] == 2
    assert second.counts["unchanged"] == 2
    assert second.counts["new"] == second.counts["updated"] == 0
    assert store.stats()["articles"] == 2


def test_changed_file_keeps_both_versions_and_is_marked_updated(store, settings, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    ingest(store, [str(path)], settings)
    path.write_text(STORY.replace("twenty thousand", "thirty thousand"))
    report = ingest(store, [str(path)], settings)
    assert report.counts["updated"] == 1
    versions = store.versions(str(path))
    assert [v for v, _ in versions] == [1, 2]
    old, new = (store.get(i) for _, i in versions)
    assert old.superseded_by == new.id and new.superseded_by is None
    assert "thirty thousand" in new.text and "twenty thousand" in old.text
    stats = store.stats()
    assert stats["articles"] == 1 and stats["superseded_versions"] == 1


def test_exact_copy_under_another_name_collapses_to_one_article(store, settings, tmp_path):
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "b.txt").write_text(STORY + "\n")  # same text after clean-up
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1 and report.counts["duplicate"] == 1
    assert store.stats()["articles"] == 1


def test_syndicated_copy_joins_the_cluster_of_the_earliest_copy(store, settings, tmp_path):
    rows = [
        ("wire.jsonl", "Wire Agency", "2021-03-03", STORY),
        ("daily.jsonl", "Daily Paper", "2021-03-04",
         STORY.replace("officials said.", "officials said on Tuesday.") + " Copyright Daily."),
        ("other.jsonl", "Other", "2021-03-02",
         "A completely different report about cricket scores and weather in Lahore. " * 5),
    ]  # fmt: skip
    import json

    for name, outlet, date, text in rows:
        (tmp_path / name).write_text(json.dumps({"text": text, "outlet": outlet, "date": date}))
    # The later copy is ingested first: the cluster must still name the earliest copy.
    report = ingest(
        store, [str(tmp_path / "daily.jsonl"), str(tmp_path / "wire.jsonl"),
                str(tmp_path / "other.jsonl")], settings)  # fmt: skip
    assert report.counts["new"] == 2 and report.counts["near-duplicate"] == 1
    by_outlet = {a.outlet: a for a in store.iter_articles()}
    assert (
        by_outlet["Daily Paper"].syndication_cluster == by_outlet["Wire Agency"].syndication_cluster
    )
    assert by_outlet["Other"].syndication_cluster != by_outlet["Wire Agency"].syndication_cluster
    members = store.cluster_members(by_outlet["Daily Paper"].syndication_cluster)
    assert [m.outlet for m in members] == ["Wire Agency", "Daily Paper"]
    stats = store.stats()
    assert (stats["articles"], stats["articles_deduplicated"]) == (3, 2)
    assert stats["syndicated_stories"] == 1
    wire = by_outlet["Wire Agency"]
    assert store.syndicated() == {wire.syndication_cluster: (wire.id, 2)}


def test_copies_inside_one_batch_are_found(store, settings, tmp_path: Path):
    for i in range(3):
        (tmp_path / f"copy{i}.txt").write_text(STORY + f" Filed by desk {i}.")
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1 and report.counts["near-duplicate"] == 2
