"""Topics and frames across the store: volume per topic over time, an article's topics.

An article *carries* a topic when the ``topics`` stage stored an ``article_topic``
annotation for it (its title, or at least two sentences and a tenth of the
article, carry the label). Volumes count
articles, not sentences, and give each topic's share of the group's articles that the
stage has processed; articles it has not processed are left out, not counted as
topic-free.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from newswatch.enrich.taxonomy import load_taxonomy
from newswatch.enrich.topics import STAGE
from newswatch.query.grouping import GroupBy, article_group
from newswatch.store.database import ArticleFilter, Store


def volumes(
    store: Store,
    by: GroupBy = "week",
    filters: ArticleFilter | None = None,
    topic: str | None = None,
) -> list[dict[str, Any]]:
    """Per group (outlet, day, ISO week or month, in key order): the articles processed
    and, per topic, the articles carrying it and their share of the group."""
    wanted = load_taxonomy().find(topic).name if topic else None
    articles = list(store.iter_articles(filters))
    processed = store.stage_fingerprints(STAGE, [a.id for a in articles])
    totals: Counter[str] = Counter()
    key_of: dict[int, str] = {}
    for article in articles:
        if article.id in processed:
            key_of[article.id] = article_group(article, by)
            totals[key_of[article.id]] += 1
    carrying: dict[str, Counter[str]] = {key: Counter() for key in totals}
    kinds: dict[str, str] = {}
    for ref, note in store.annotations_by_kind(("article_topic",), filters):
        if ref.id in key_of and note.label and (wanted is None or note.label == wanted):
            carrying[key_of[ref.id]][note.label] += 1
            kinds[note.label] = note.data.get("kind", "")
    return [
        {
            "group": key,
            "articles": totals[key],
            "topics": {
                name: {
                    "kind": kinds[name],
                    "articles": count,
                    "share": round(count / totals[key], 3),
                }
                for name, count in carrying[key].most_common()
            },
        }
        for key in sorted(totals)
    ]


def article_topics(store: Store, article_id: int) -> dict[str, Any]:
    """One article's topics (share of its sentences, evidence sentences) and its
    sentence-level labels, for ``show --topics``."""
    article = store.get(article_id)
    notes = store.annotations(article_id, ["article_topic", "topic"])

    def quoted(start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "text": article.text[start:end]}

    carried = [
        {
            "topic": n.label,
            "kind": n.data.get("kind"),
            "share": n.score,
            "sentences": n.data.get("sentences"),
            "in_title": n.data.get("in_title"),
            "best_similarity": n.data.get("best_similarity"),
            "evidence": [quoted(start, end) for start, end in n.data.get("evidence", [])],
        }
        for n in notes
        if n.kind == "article_topic"
    ]
    sentences = [
        {
            "topic": n.label,
            "kind": n.data.get("kind"),
            "similarity": n.score,
            "margin": n.data.get("margin"),
            **quoted(n.start, n.end),
        }
        for n in notes
        if n.kind == "topic"
    ]
    return {
        "processed": STAGE in store.stage_runs(article_id),
        "topics": sorted(carried, key=lambda t: -(t["share"] or 0.0)),
        "sentences": sorted(sentences, key=lambda s: (s["start"], s["topic"] or "")),
    }
