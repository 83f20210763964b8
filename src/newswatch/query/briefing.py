"""The short briefing ``newswatch demo`` prints: what is in the store, at a glance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newswatch.store.database import ArticleFilter, Store

NAMED = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART")
"""Mention labels that name something; dates, numbers and amounts are not entities."""


@dataclass
class Briefing:
    stats: dict[str, Any]
    articles: list[dict[str, Any]] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)
    entities: list[tuple[str, str, int, int]] = field(default_factory=list)


def briefing(store: Store, filters: ArticleFilter | None = None, top: int = 12) -> Briefing:
    """Counts, one line per article, places, and the most frequent named entities."""
    filters = filters or ArticleFilter()
    articles = []
    places: dict[str, int] = {}
    for article in store.iter_articles(filters):
        articles.append(
            {
                "id": article.id,
                "published": article.published.value if article.published else None,
                "outlet": article.outlet,
                "place": article.place,
                "title": article.title,
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
        entities=store.label_counts("mention", filters, limit=top, labels=NAMED),
    )
