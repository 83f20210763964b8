"""Group keys for aggregates over articles: by article, outlet, day, ISO week or month.

Shared by the read-side aggregations (technique rates, topic volumes), so every table
that says "week" means the same ISO week and every undated article lands in "unknown".
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

GroupBy = Literal["outlet", "day", "week", "month", "article"]


def group_key(article: Any, by: GroupBy) -> str:
    """The group an article belongs to: its id, outlet, ``YYYY-MM-DD``, ``YYYY-Www`` or
    ``YYYY-MM`` (``unknown`` when the outlet or a precise enough date is missing)."""
    if by == "article":
        return str(article.id)
    if by == "outlet":
        return article.outlet or "unknown"
    day = article.published.value[:10] if article.published else None
    if not day or len(day) < 10:
        return (day[:7] if by == "month" and day and len(day) >= 7 else None) or "unknown"
    if by == "day":
        return day
    if by == "month":
        return day[:7]
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"
