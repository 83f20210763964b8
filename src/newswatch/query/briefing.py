"""The short briefing ``newswatch demo`` prints: what is in the store, at a glance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newswatch.enrich.watchlist import load_watchlist, topic_key, watchlist_path
from newswatch.query import claims, facts, techniques, tone, topics
from newswatch.store.database import ArticleFilter, Store


@dataclass
class Briefing:
    stats: dict[str, Any]
    articles: list[dict[str, Any]] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    """Who said what: quotes whose speaker is a known entity, in date order (the rest
    are listed by ``newswatch quotes``)."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """The event timeline: dated events first, in date order."""
    techniques: list[dict[str, Any]] = field(default_factory=list)
    """Per article: its technique profile and its most confident spans."""
    topics: list[dict[str, Any]] = field(default_factory=list)
    """Per article: the topics and frames it carries, largest share first."""
    tone: list[dict[str, Any]] = field(default_factory=list)
    """Per watched topic that is mentioned: tone toward it in each article."""
    claims: list[dict[str, Any]] = field(default_factory=list)
    """The most check-worthy claims."""


def briefing(store: Store, filters: ArticleFilter | None = None, top: int = 12) -> Briefing:
    """Counts, one line per article, places, the most frequent entities, who said what,
    the event timeline, and the persuasion techniques and topics of each article."""
    filters = filters or ArticleFilter()
    articles = []
    places: dict[str, int] = {}
    article_ids: list[int] = []
    for article in store.iter_articles(filters):
        article_ids.append(article.id)
        articles.append(
            {
                "id": article.id,
                "published": article.published.value if article.published else None,
                "outlet": article.outlet,
                "place": article.place,
                "title": article.title,
                "genre": article.genre,
                "authors": article.authors,
                "words": article.word_count,
                "language": article.language,
            }
        )
        if article.place:
            places[article.place] = places.get(article.place, 0) + 1
    return Briefing(
        stats=store.stats(filters),
        articles=articles,
        places=sorted(places.items(), key=lambda kv: (-kv[1], kv[0])),
        entities=facts.entities(store, filters=filters, limit=top),
        quotes=[q for q in facts.quotes(store, filters=filters) if q["speaker_key"]],
        events=facts.events(store, filters=filters),
        techniques=_technique_profiles(store, filters),
        topics=[{"article_id": i, **topics.article_topics(store, i)} for i in article_ids],
        tone=_watched_tone(store, filters),
        claims=claims.claims(store, filters=filters, limit=5),
    )


def _watched_tone(store: Store, filters: ArticleFilter) -> list[dict[str, Any]]:
    found = []
    for topic in load_watchlist(watchlist_path()):
        target = tone.Target(topic_key(topic.name), topic.name)
        result = tone.tone_by(store, target, "article", filters)
        if result["groups"]:
            found.append(result)
    return found


def _technique_profiles(
    store: Store, filters: ArticleFilter, examples: int = 3
) -> list[dict[str, Any]]:
    spans: dict[int, list[dict[str, Any]]] = {}
    for span in techniques.technique_spans(store, filters):
        spans.setdefault(span["article_id"], []).append(span)
    rows = techniques.profiles(store, "article", filters)
    for row in rows:
        best = sorted(spans.get(row["article_id"], []), key=lambda s: -(s["score"] or 0))
        row["examples"] = best[:examples]
    return rows
