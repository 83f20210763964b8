"""The shipped tone and claim models on the shared development splits (their quality
card figures, with a small margin): fast enough for every run."""

from __future__ import annotations

import json
from pathlib import Path

from newswatch.evaluation.claims import evaluate_claims
from newswatch.evaluation.tone import evaluate_tone


def test_tone_on_newsmtsc_real_world_dev(shared_data: Path, tmp_path: Path):
    out = tmp_path / "rw.jsonl"
    report = evaluate_tone(shared_data / "newsmtsc" / "dev-rw.jsonl", out)
    assert report is not None and report["targets"] == 343
    assert report["macro_f1"] >= 0.78  # quality card: 0.806
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 320
    assert {t["polarity"] for line in lines for t in line["targets"]} <= {2.0, 4.0, 6.0}


def test_claims_on_checkthat_dev_test(shared_data: Path, tmp_path: Path):
    out = tmp_path / "dev-test.tsv"
    report = evaluate_claims(shared_data / "checkthat2024" / "dev-test.tsv", out)
    assert report is not None and report["sentences"] == 318
    assert report["f1_yes"] >= 0.77  # quality card: 0.798
    rows = out.read_text().splitlines()
    assert rows[0] == "Sentence_id\tText\tclass_label" and len(rows) == 319
    assert {row.rsplit("\t", 1)[1] for row in rows[1:]} <= {"Yes", "No"}
    given = (shared_data / "checkthat2024" / "dev-test.tsv").read_text().splitlines()
    assert [r.rsplit("\t", 1)[0] for r in rows] == [g.rsplit("\t", 1)[0] for g in given]
