"""Check-worthy claims across the store, with what they name, most check-worthy first."""

from __future__ import annotations

from typing import Any

from newswatch.enrich.claims import CLAIM
from newswatch.query.facts import Canon, canon
from newswatch.query.tone import find_target
from newswatch.store.database import ArticleFilter, Store


def claims(
    store: Store,
    about: str | None = None,
    filters: ArticleFilter | None = None,
    min_score: float = 0.0,
    limit: int | None = 50,
) -> list[dict[str, Any]]:
    """Sentences the claims stage judged check-worthy, at or above ``min_score``, about
    the target ``about`` (a watched topic or an entity) when given."""
    c: Canon = canon(store)
    wanted = find_target(store, about, c).key if about else None
    texts: dict[int, str] = {}
    rows = []
    for ref, note in store.annotations_by_kind(("claim",), filters):
        if note.label != CLAIM or (note.score or 0.0) < min_score:
            continue
        targets = [{**t, "key": c.key(t["key"])} for t in note.data.get("about", [])]
        if wanted and wanted not in {t["key"] for t in targets}:
            continue
        if ref.id not in texts:
            texts[ref.id] = store.get(ref.id).text
        rows.append(
            {
                "score": note.score,
                "sentence": texts[ref.id][note.start : note.end],
                "about": [c.names.get(t["key"], t["name"]) for t in targets],
                "entities": note.data.get("entities", []),
                "numbers": note.data.get("numbers", []),
                "times": note.data.get("times", []),
                "article_id": ref.id,
                "published": ref.published,
                "outlet": ref.outlet,
                "title": ref.title,
                "start": note.start,
                "end": note.end,
            }
        )
    rows.sort(key=lambda r: -(r["score"] or 0.0))
    return rows[:limit] if limit else rows
