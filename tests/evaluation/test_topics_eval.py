"""`newswatch eval topics` on a tiny labelled fixture whose sentences the test writes."""

from __future__ import annotations

import json

from newswatch.evaluation.topics import text_hash

SENTENCES = [
    ("The central bank raised interest rates by half a point.", ["finance and debt"]),
    ("Farmers expect a record wheat harvest this year.", ["agriculture"]),
    ("The two foreign ministers met to discuss bilateral ties.",
     ["diplomacy and party relations"]),
    ("Interest in the film festival was high.", []),  # "interest" fools the keyword baseline
]  # fmt: skip


def _fixture(tmp_path, corrupt=False):
    corpora = tmp_path / "corpora"
    (corpora / "news").mkdir(parents=True)
    text = "\n\n".join(s for s, _ in SENTENCES)
    (corpora / "news" / "a.txt").write_text(text)
    lines = []
    for number, (sentence, labels) in enumerate(SENTENCES, 1):
        start = text.index(sentence)
        lines.append(json.dumps({"id": number, "file": "news/a.txt", "start": start,
                                 "end": start + len(sentence), "split": "report",
                                 "sha1": text_hash(sentence if not corrupt else "x"),
                                 "labels": labels}))  # fmt: skip
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(lines) + "\n")
    return sample, corpora


def test_eval_topics_scores_labels_and_the_keyword_baseline(tmp_path, cli):
    sample, corpora = _fixture(tmp_path)
    out = tmp_path / "out"
    result = cli("eval", "topics", "--data", str(sample), "--corpora", str(corpora),
                 "--predictions-out", str(out))  # fmt: skip
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    assert metrics["items"] == 4 and metrics["split"] == "report"
    per_label = metrics["per_label"]
    assert per_label["finance and debt"]["support"] == 1
    assert per_label["agriculture"]["recall"] == 1.0
    assert (
        metrics["focus area"]["micro_f1"] > metrics["baseline_keywords"]["focus area"]["micro_f1"]
    )
    predictions = [json.loads(line) for line in (out / "topics.jsonl").read_text().splitlines()]
    assert [p["gold"] for p in predictions] == [sorted(labels) for _, labels in SENTENCES]
    assert "finance and debt" in predictions[0]["predicted"]
    assert len(predictions[0]["similarities"]) == 16


def test_eval_topics_refuses_a_sample_whose_text_changed(tmp_path, cli):
    sample, corpora = _fixture(tmp_path, corrupt=True)
    result = cli("eval", "topics", "--data", str(sample), "--corpora", str(corpora))
    assert result.code == 2 and "is not the labelled sentence" in result.err
