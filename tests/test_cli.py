"""The CLI as scripts use it: exit codes and the stable JSON interfaces."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
from conftest import SEEDS


def test_demo_ingests_enriches_and_prints_a_briefing(cli):
    result = cli("demo")
    assert result.code == 0, result.err
    out = result.out
    assert "newswatch briefing" in out
    assert "2 articles" in out and "2020-08-21" in out and "2020-12-31" in out
    assert "BEIJING" in out and "DNA" in out
    assert "most frequent entities" in out and "China-Pakistan Economic Corridor" in out
    assert "who said what" in out and "is of great importance" in out
    assert "event timeline" in out and "2020-12-25" in out and "Urumqi" in out
    assert "genre opinion, by Zamir Ahmed Awan" in out
    assert "persuasion techniques" in out and "Name_Calling,Labeling" in out
    assert "topics and frames" in out and "diplomacy and party relations" in out


def test_eval_commands_write_predictions_and_print_metrics(cli, tmp_path):
    timeml = tmp_path / "timeml"
    timeml.mkdir()
    (timeml / "doc.tml").write_text(
        '<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="2020-08-21" '
        'functionInDocument="CREATION_TIME">2020-08-21</TIMEX3></DCT><TEXT>Xi spoke on '
        '<TIMEX3 tid="t1" type="DATE" value="2020-08-20">Thursday</TIMEX3>.</TEXT></TimeML>'
    )
    result = cli("eval", "timex", "--data", str(timeml), "--predictions-out", str(tmp_path / "t"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["value_f1"] == 1.0
    assert 'value="2020-08-20">Thursday</TIMEX3>' in (tmp_path / "t" / "doc.tml").read_text()
    polnear = tmp_path / "polnear"
    (polnear / "text").mkdir(parents=True)
    (polnear / "text" / "a.txt").write_text("Prices rose, the minister said.")
    result = cli("eval", "quotes", "--data", str(polnear), "--predictions-out", str(tmp_path / "q"))
    assert result.code == 0 and result.out == ""  # no gold: predictions only
    assert "Cue" in (tmp_path / "q" / "a.ann").read_text()


def test_ingest_then_search_json_has_the_stable_fields(cli):
    assert cli("ingest", str(SEEDS)).code == 0
    hits = json.loads(cli("search", "Urumqi", "--json").out)
    assert len(hits) == 1
    assert {"id", "title", "published", "outlet", "score", "snippet"} <= set(hits[0])
    assert hits[0]["published"] == "2020-12-31"
    assert "<b>Urumqi</b>" in hits[0]["snippet"]


def test_export_jsonl_csv_and_parquet_hold_every_article(cli, tmp_path):
    cli("ingest", str(SEEDS))
    lines = cli("export", "--format", "jsonl").out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 2
    required = {"id", "title", "text", "published", "outlet", "place", "authors", "language",
                "url", "syndication_cluster"}  # fmt: skip
    assert required <= set(rows[0])
    assert isinstance(rows[0]["authors"], list)
    table = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv").out)))
    assert {r["place"] for r in table} == {"BEIJING", ""}
    out = tmp_path / "a.parquet"
    assert cli("export", "--format", "parquet", "--output", str(out)).code == 0
    assert pq.read_table(out).num_rows == 2


def test_export_filters_by_date(cli):
    cli("ingest", str(SEEDS))
    rows = cli("export", "--since", "2020-12-01").out.splitlines()
    assert [json.loads(r)["published"] for r in rows] == ["2020-12-31"]


def test_stats_and_quarantine_json(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    cli("ingest", str(SEEDS), str(tmp_path))
    stats = json.loads(cli("stats", "--json").out)
    assert stats["articles"] == 2 and stats["quarantined"] == 1
    entries = json.loads(cli("quarantine", "--json").out)
    assert {"source", "reason", "at"} <= set(entries[0])
    assert entries[0]["source"].endswith("empty.txt")


def test_ingest_exits_zero_with_some_quarantined_and_non_zero_when_nothing_was_read(cli, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert cli("ingest", str(SEEDS), str(tmp_path / "empty.txt")).code == 0
    result = cli("ingest", str(tmp_path / "empty.txt"))
    assert result.code == 1
    assert "empty.txt" in result.out and "empty file" in result.out


def test_show_prints_metadata_and_text(cli):
    cli("ingest", str(SEEDS))
    result = cli("show", "1")
    assert "BEIJING" in result.out and "2020-08-21 (day, from header)" in result.out
    assert cli("show", "999").code == 2


def test_bad_query_is_one_line_error_not_a_traceback(cli):
    cli("ingest", str(SEEDS))
    result = cli("search", '"unclosed')
    assert result.code == 2
    assert "unclosed quotation mark" in result.err and "Traceback" not in result.err


def test_enrich_force_needs_a_stage(cli):
    cli("ingest", str(SEEDS))
    assert cli("enrich", "--force").code == 2
    assert cli("enrich", "--json").code == 0
    assert json.loads(cli("enrich", "--stage", "sentences", "--force", "--json").out) == {
        "sentences": 2
    }


def test_eval_ptc_writes_si_and_tc_files_and_scores_labelled_articles(cli, tmp_path, shared_data):
    source = shared_data / "ptc-train"
    data = tmp_path / "ptc"
    for sub in ("articles", "labels-si", "labels-tc"):
        (data / sub).mkdir(parents=True)
    ids = ["111111111", "111111112"]
    template = tmp_path / "template.txt"
    lines = []
    for i in ids:
        (data / "articles" / f"article{i}.txt").write_text(
            (source / "articles" / f"article{i}.txt").read_text()
        )
        for sub, suffix in (("labels-si", "task-si"), ("labels-tc", "task-flc-tc")):
            name = f"article{i}.{suffix}.labels"
            (data / sub / name).write_text((source / sub / name).read_text())
        for line in (
            (source / "labels-tc" / f"article{i}.task-flc-tc.labels").read_text().splitlines()
        ):
            article, _, start, end = line.split("\t")
            lines.append(f"{article}\t?\t{start}\t{end}")
    template.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = cli("eval", "ptc", "--data", str(data), "--predictions-out", str(out),
                 "--tc-template", str(template))  # fmt: skip
    assert result.code == 0, result.err
    metrics = json.loads(result.out)
    assert (
        metrics["articles"] == 2 and 0 < metrics["si_f1"] <= 1 and 0 < metrics["tc_micro_f1"] <= 1
    )
    si = [line.split("\t") for line in (out / "si.txt").read_text().splitlines()]
    assert si and all(len(row) == 3 and row[0] in ids and int(row[1]) < int(row[2]) for row in si)
    tc = [line.split("\t") for line in (out / "tc.txt").read_text().splitlines()]
    expected = [line.split("\t") for line in lines]
    assert [(r[0], r[2], r[3]) for r in tc] == [(e[0], e[2], e[3]) for e in expected]
    assert all(r[1] != "?" for r in tc)
    for sub in ("labels-si", "labels-tc"):  # without labels: predictions only
        for path in (data / sub).iterdir():
            path.unlink()
        (data / sub).rmdir()
    result = cli("eval", "ptc", "--data", str(data), "--predictions-out", str(tmp_path / "o2"))
    assert result.code == 0 and result.out == "" and (tmp_path / "o2" / "si.txt").exists()


def test_show_techniques_highlights_spans_and_techniques_lists_rates(cli):
    assert cli("demo").code == 0
    result = cli("show", "2", "--techniques")
    assert result.code == 0, result.err
    assert "technique profile" in result.out and "propaganda[NC]" in result.out
    shown = json.loads(cli("show", "2", "--techniques", "--json").out)["techniques"]
    assert shown["spans"] == len(shown["spans_found"]) > 0
    assert shown["techniques"]["Name_Calling,Labeling"]["count"] > 0
    rows = json.loads(cli("techniques", "--by", "outlet", "--json").out)
    assert sum(r["articles"] for r in rows) == 2
    spans = json.loads(cli("techniques", "--technique", "name calling", "--json").out)
    assert spans and {s["technique"] for s in spans} == {"Name_Calling,Labeling"}
    bad = cli("techniques", "--by", "year")
    assert bad.code == 2 and "expected article, outlet" in bad.err


def test_tone_and_claims_after_the_demo(cli, tmp_path):
    assert cli("demo").code == 0
    chart = tmp_path / "tone.png"
    result = cli("tone", "CPEC", "--by", "article", "--chart", str(chart), "--json")
    assert result.code == 0, result.err
    tone = json.loads(result.out)
    assert tone["target"] == "CPEC" and [g["group"] for g in tone["groups"]] == ["1", "2"]
    assert all(
        g["mentions"] == g["negative"] + g["neutral"] + g["positive"] for g in tone["groups"]
    )
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mentions = json.loads(cli("tone", "cpec", "--mentions", "--json").out)
    assert {m["article_id"] for m in mentions} == {1, 2}
    assert all(m["mention"] in m["sentence"] and -1 <= m["score"] <= 1 for m in mentions)
    claims = json.loads(cli("claims", "--about", "CPEC", "--json").out)
    assert claims and all("CPEC" in c["about"] for c in claims)
    assert claims == sorted(claims, key=lambda c: -c["score"])
    jwg = next(c for c in claims if "inaugural meeting of JWG-ICC" in c["sentence"])
    assert {"text": "April 9, 2019", "value": "2019-04-09"} in jwg["times"]
    assert "China-Pakistan Economic Corridor" in [e["name"] for e in jwg["entities"]]
    shown = cli("show", "2", "--tone", "--claims")
    assert shown.code == 0 and "tone toward targets" in shown.out and "CPEC" in shown.out
    missing = cli("tone", "Atlantis")
    assert missing.code == 2 and "neither a watched topic nor an entity" in missing.err
