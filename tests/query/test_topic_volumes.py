"""`newswatch topics`: volume per topic by week and outlet, on a small ingested store."""

from __future__ import annotations

import json

ARTICLES = [
    ("2021-03-01", "Dawn", "The central bank raised interest rates to defend the rupee. "
                           "Banks expect loans to cost more this year."),
    ("2021-03-03", "Dawn", "Farmers expect a record wheat harvest after good rains. "
                           "Cotton growers also report a strong crop."),
    ("2021-03-10", "Xinhua", "The central bank cut interest rates to support lending. "
                             "Bond yields fell on the news."),
    ("2021-03-11", "Xinhua", "The foreign ministers met to discuss bilateral ties. "
                             "Both countries signed a memorandum of understanding."),
]  # fmt: skip


def _store_with_articles(tmp_path, cli):
    rows = [{"id": str(i), "title": text.split(".")[0], "text": text, "date": day, "outlet": outlet}
            for i, (day, outlet, text) in enumerate(ARTICLES)]  # fmt: skip
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert cli("ingest", str(tmp_path / "items.jsonl")).code == 0
    assert cli("enrich", "--stage", "topics").code == 0


def test_topics_counts_articles_per_week_and_outlet_with_shares(tmp_path, cli):
    _store_with_articles(tmp_path, cli)
    weeks = json.loads(cli("topics", "--by", "week", "--json").out)
    assert [(w["group"], w["articles"]) for w in weeks] == [("2021-W09", 2), ("2021-W10", 2)]
    for week in weeks:
        finance = week["topics"]["finance and debt"]
        assert finance == {"kind": "focus area", "articles": 1, "share": 0.5}
    assert "agriculture" in weeks[0]["topics"] and "agriculture" not in weeks[1]["topics"]
    assert "diplomacy and party relations" in weeks[1]["topics"]

    outlets = json.loads(cli("topics", "--by", "outlet", "--topic", "finance", "--json").out)
    assert [(o["group"], o["articles"], list(o["topics"])) for o in outlets] == [
        ("Dawn", 2, ["finance and debt"]), ("Xinhua", 2, ["finance and debt"])]  # fmt: skip

    march_10 = json.loads(cli("topics", "--since", "2021-03-10", "--by", "day", "--json").out)
    assert [d["group"] for d in march_10] == ["2021-03-10", "2021-03-11"]

    table = cli("topics", "--by", "week").out
    assert "2021-W09" in table and "finance and debt 1 (50%)" in table


def test_show_topics_lists_evidence_sentences(tmp_path, cli):
    _store_with_articles(tmp_path, cli)
    shown = json.loads(cli("show", "1", "--topics", "--json").out)["topics"]
    assert shown["processed"] and shown["topics"][0]["topic"] == "finance and debt"
    evidence = shown["topics"][0]["evidence"]
    assert any(e["text"].startswith("The central bank raised interest rates") for e in evidence)
    assert "diplomacy and party relations" in cli("show", "4", "--topics").out


def test_topics_rejects_an_unknown_topic_and_grouping(tmp_path, cli):
    _store_with_articles(tmp_path, cli)
    unknown = cli("topics", "--topic", "weather")
    assert unknown.code == 2 and "topic 'weather' is unknown" in unknown.err
    assert "expected day, week, month or outlet" in cli("topics", "--by", "year").err
