"""Tone toward a target across the store: per mention, and aggregated by group.

A target is a watched topic (by its watchlist name, e.g. "CPEC") or an entity (any name
``newswatch entity`` would find, merged store-wide as there: "Alvi" is Arif Alvi once an
article names him in full). A group's *net tone* is the mean over its mentions of
P(positive) − P(negative), from −1 (hostile) to +1 (favourable); counts of negative,
neutral and positive mentions and the strongest evidence sentences come with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswatch.enrich.watchlist import load_watchlist, topic_key, watchlist_path
from newswatch.query.facts import Canon, canon, entities
from newswatch.query.grouping import GroupBy, group_key
from newswatch.store.database import ArticleFilter, Store

TONES = ("negative", "neutral", "positive")
EVIDENCE = 2
"""Evidence sentences kept per group at each end (most negative, most positive)."""


@dataclass(frozen=True)
class Target:
    key: str
    name: str


def find_target(store: Store, name: str, c: Canon | None = None) -> Target:
    """The watched topic or entity ``name`` means; ``LookupError`` when none."""
    for topic in load_watchlist(watchlist_path()):
        if topic.name.casefold() == name.casefold():
            return Target(topic_key(topic.name), topic.name)
    rows = entities(store, query=name, limit=None, c=c or canon(store))
    if not rows:
        raise LookupError(name)
    wanted = name.casefold()
    exact = [r for r in rows if r["name"].casefold() == wanted]
    row = (exact or rows)[0]
    return Target(row["key"], row["name"])


def tone_mentions(
    store: Store, target: Target, filters: ArticleFilter | None = None, c: Canon | None = None
) -> list[dict[str, Any]]:
    """Every mention of the target with its tone, sentence and article, in date order."""
    c = c or canon(store)
    texts: dict[int, str] = {}
    rows = []
    for ref, note in store.annotations_by_kind(("tone",), filters):
        if c.key(note.data["key"]) != target.key:
            continue
        if ref.id not in texts:
            texts[ref.id] = store.get(ref.id).text
        start, end = note.data["sentence"]
        rows.append(
            {
                "tone": note.label,
                "score": note.score,
                "probabilities": note.data["probabilities"],
                "mention": texts[ref.id][note.start : note.end],
                "sentence": texts[ref.id][start:end],
                "article_id": ref.id,
                "published": ref.published,
                "outlet": ref.outlet,
                "title": ref.title,
                "start": note.start,
                "end": note.end,
            }
        )
    return rows


@dataclass
class ToneGroup:
    key: str
    mentions: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        scores = [m["score"] for m in self.mentions]
        ranked = sorted(self.mentions, key=lambda m: m["score"])
        evidence = ranked[:EVIDENCE] + [m for m in ranked[-EVIDENCE:] if m not in ranked[:EVIDENCE]]
        return {
            "group": self.key,
            "mentions": len(self.mentions),
            "articles": len({m["article_id"] for m in self.mentions}),
            **{tone: sum(m["tone"] == tone for m in self.mentions) for tone in TONES},
            "net_tone": round(sum(scores) / len(scores), 3) if scores else 0.0,
            "evidence": evidence,
        }


def tone_by(
    store: Store, target: Target, by: GroupBy = "week", filters: ArticleFilter | None = None
) -> dict[str, Any]:
    """Tone toward ``target`` per article, outlet, day, week (ISO) or month."""
    groups: dict[str, ToneGroup] = {}
    for mention in tone_mentions(store, target, filters):
        key = group_key(by, mention["article_id"], mention["published"], mention["outlet"])
        groups.setdefault(key, ToneGroup(key)).mentions.append(mention)
    ordered = sorted(groups.values(), key=lambda g: g.key)
    if by == "outlet":
        ordered.sort(key=lambda g: -len(g.mentions))
    return {
        "target": target.name,
        "key": target.key,
        "by": by,
        "groups": [g.as_dict() for g in ordered],
    }


def write_chart(result: dict[str, Any], path: Path) -> None:
    """Net tone per group (line) over mention counts (bars), as PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    groups = result["groups"]
    labels = [g["group"] for g in groups]
    figure, counts = pyplot.subplots(figsize=(max(6.0, 0.5 * len(labels) + 2), 4))
    counts.bar(labels, [g["mentions"] for g in groups], color="#d0d7de", label="mentions")
    counts.set_ylabel("mentions")
    counts.tick_params(axis="x", labelrotation=60)
    tone = counts.twinx()
    tone.plot(labels, [g["net_tone"] for g in groups], color="#0969da", marker="o")
    tone.axhline(0, color="#57606a", linewidth=0.8)
    tone.set_ylim(-1, 1)
    tone.set_ylabel("net tone (−1 hostile … +1 favourable)")
    counts.set_title(f"Tone toward {result['target']} by {result['by']}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)


def article_tone(store: Store, article_id: int) -> list[dict[str, Any]]:
    """Tone toward every target of one article, most mentioned first (``show --tone``)."""
    c = canon(store)
    text = store.get(article_id).text
    by_target: dict[str, list[dict[str, Any]]] = {}
    for note in store.annotations(article_id, ["tone"]):
        start, end = note.data["sentence"]
        by_target.setdefault(c.key(note.data["key"]), []).append(
            {"tone": note.label, "score": note.score, "mention": text[note.start : note.end],
             "sentence": text[start:end], "start": note.start, "end": note.end,
             "article_id": article_id}
        )  # fmt: skip
    rows = [
        {"target": c.name(key), "key": key, **ToneGroup(key, mentions).as_dict()}
        for key, mentions in by_target.items()
    ]
    for row in rows:
        del row["group"], row["articles"]
    rows.sort(key=lambda r: (-r["mentions"], r["target"]))
    return rows
