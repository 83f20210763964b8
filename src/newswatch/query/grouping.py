"""Group keys for aggregates over articles: by article, outlet, day, ISO week or month.

Shared by the read-side aggregations (technique rates, topic volumes, tone), so every
table that says "week" means the same ISO week and every undated article lands in
"unknown".
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from newswatch.models import StoredArticle

GroupBy = Literal["outlet", "day", "week", "month", "article"]


def group_key(by: GroupBy, article_id: int, published: str | None, outlet: str | None) -> str:
    """The group an article falls in; undated articles fall in "unknown" (a month-precise
    date still has its month)."""
    if by == "article":
        return str(article_id)
    if by == "outlet":
        return outlet or "unknown"
    day = published[:10] if published else None
    if not day or len(day) < 10:
        return (day[:7] if by == "month" and day and len(day) >= 7 else None) or "unknown"
    if by == "day":
        return day
    if by == "month":
        return day[:7]
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def article_group(article: StoredArticle, by: GroupBy) -> str:
    """``group_key`` of a stored article."""
    day = article.published.value if article.published else None
    return group_key(by, article.id, day, article.outlet)
