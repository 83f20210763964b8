"""A real multi-outlet corpus: PolNeAR's train folder with its metadata.tsv sidecar."""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter

from newswatch.ingest.core import ingest


def test_polnear_train_counts_outlets_and_dates_match_the_sidecar(store, settings, shared_data):
    root = shared_data / "polnear"
    with (root / "metadata.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["compartment"] == "train"]
    report = ingest(store, [str(root / "train" / "text")], settings)  # sidecar found in a parent
    assert report.counts["read"] == len(rows) == 840
    assert report.counts["quarantined"] == 0
    articles = list(store.iter_articles())
    stored = {a.source_key.rsplit("/", 1)[-1].removesuffix(".txt"): a for a in articles}
    duplicates = report.counts["duplicate"]
    assert len(stored) == 840 - duplicates
    assert Counter(a.outlet for a in articles) == Counter(
        r["publisher"] for r in rows if r["filename"] in stored
    )
    for row in rows:
        article = stored.get(row["filename"])
        if article is None:
            continue
        assert article.published.value == row["publication_date"]
        assert article.published.source == "metadata"
        assert article.title == unicodedata.normalize("NFC", row["title"]).strip()
