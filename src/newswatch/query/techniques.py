"""Persuasion techniques across the store: spans, per-article profiles, rates by group.

A *rate* is technique spans per 1,000 words, so long and short articles, and outlets
that publish more or less, compare fairly. Only articles the ``techniques`` stage has
processed count (their words included when they have no technique at all); the others
are left out, not counted as clean. Every span keeps its article id and offsets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newswatch.enrich.technique_model import TECHNIQUES
from newswatch.errors import ConfigError
from newswatch.query.grouping import GroupBy, article_group
from newswatch.store.database import ArticleFilter, Store

STAGE = "techniques"


def technique_spans(
    store: Store,
    filters: ArticleFilter | None = None,
    technique: str | None = None,
    min_score: float = 0.0,
) -> list[dict[str, Any]]:
    """Technique spans with their evidence text, article, date and outlet, in date order."""
    wanted = _technique_name(technique) if technique else None
    texts: dict[int, str] = {}
    rows = []
    for ref, note in store.annotations_by_kind(("technique",), filters):
        if (wanted and note.label != wanted) or (note.score or 0.0) < min_score:
            continue
        if ref.id not in texts:
            texts[ref.id] = store.get(ref.id).text
        rows.append(
            {
                "technique": note.label,
                "score": note.score,
                "text": texts[ref.id][note.start : note.end],
                "article_id": ref.id,
                "published": ref.published,
                "outlet": ref.outlet,
                "title": ref.title,
                "start": note.start,
                "end": note.end,
                "span_confidence": note.data.get("span_confidence"),
                "technique_confidence": note.data.get("technique_confidence"),
                "alternatives": note.data.get("alternatives", []),
            }
        )
    return rows


@dataclass
class Group:
    """Technique counts of a group of articles (an outlet, a day, a week …)."""

    key: str
    articles: int = 0
    words: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def rate(self, technique: str | None = None) -> float:
        """Spans per 1,000 words (all techniques when ``technique`` is None)."""
        count = sum(self.counts.values()) if technique is None else self.counts[technique]
        return round(1000 * count / self.words, 2) if self.words else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.key,
            "articles": self.articles,
            "words": self.words,
            "spans": sum(self.counts.values()),
            "per_1000_words": self.rate(),
            "techniques": {
                t: {"count": self.counts[t], "per_1000_words": self.rate(t)}
                for t in TECHNIQUES
                if self.counts[t]
            },
        }


def profiles(
    store: Store,
    by: GroupBy = "article",
    filters: ArticleFilter | None = None,
    min_score: float = 0.0,
) -> list[dict[str, Any]]:
    """Technique counts and rates per article, outlet, day, week (ISO) or month.

    Groups are listed by key (dates ascending, undated as "unknown"), except outlets,
    which are listed by their overall rate, highest first.
    """
    articles = list(store.iter_articles(filters))
    processed = store.stage_fingerprints(STAGE, [a.id for a in articles])
    groups: dict[str, Group] = {}
    group_of: dict[int, Group] = {}
    for article in articles:
        if article.id not in processed:
            continue
        key = article_group(article, by)
        group = groups.setdefault(key, Group(key))
        group.articles += 1
        group.words += article.word_count or 0
        group_of[article.id] = group
    for ref, note in store.annotations_by_kind(("technique",), filters):
        if ref.id in group_of and (note.score or 0.0) >= min_score and note.label:
            group_of[ref.id].counts[note.label] += 1
    ordered = sorted(groups.values(), key=lambda g: g.key)
    if by == "outlet":
        ordered.sort(key=lambda g: -g.rate())
    rows = [g.as_dict() for g in ordered]
    if by == "article":
        titles = {a.id: (a.title, a.outlet, a.published) for a in articles}
        for row in rows:
            title, outlet, published = titles[int(row["group"])]
            row |= {
                "article_id": int(row["group"]),
                "title": title,
                "outlet": outlet,
                "published": published.value if published else None,
            }
    return rows


def article_profile(store: Store, article_id: int) -> dict[str, Any]:
    """One article's technique counts and rates, and its spans (``show --techniques``)."""
    rows = profiles(store, "article", ArticleFilter(ids=(article_id,)))
    profile = rows[0] if rows else {"group": str(article_id), "articles": 0, "spans": 0,
                                     "per_1000_words": 0.0, "techniques": {}}  # fmt: skip
    profile["processed"] = bool(rows)
    profile["spans_found"] = technique_spans(store, ArticleFilter(ids=(article_id,)))
    return profile


def _technique_name(name: str) -> str:
    """The technique a user means: exact, or the one whose name starts with / contains it
    ("loaded", "name calling", "whataboutism")."""
    wanted = name.casefold().replace(" ", "_")
    matches = [t for t in TECHNIQUES if t.casefold() == wanted] or [
        t for t in TECHNIQUES if wanted in t.casefold().replace("-", "_")
    ]
    if len(matches) != 1:
        raise ConfigError(
            f"technique {name!r} is {'ambiguous' if matches else 'unknown'}; "
            f"techniques are: {', '.join(TECHNIQUES)}"
        )
    return matches[0]
