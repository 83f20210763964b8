"""Tone toward targets: for every mention of a watched topic or a named entity, how its
sentence treats *that* target.

Targets are the watchlist's topics (``watchlist``) and the people, organisations,
countries and groups the ``entities`` stage found. Each mention is read in its sentence
(from the ``sentences`` stage) by the tone model (``tone_model``); the annotation
``kind="tone"`` covers the mention, is labelled negative/neutral/positive, scored
P(positive) − P(negative), and keeps the target's name and key, the sentence span and
the three probabilities in ``data``.
"""

from __future__ import annotations

import hashlib

from newswatch.enrich.sentence_classifier import Example
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.enrich.tone_model import MODEL_DIR, Tone, load_tone_model
from newswatch.enrich.watchlist import (
    find_topics,
    load_watchlist,
    topic_key,
    watchlist_digest,
    watchlist_path,
)
from newswatch.models import Annotation, StageOutput

TARGET_TYPES = ("PERSON", "ORG", "GPE", "NORP")
"""Entity types whose tone is tracked: actors, not dates, laws or products."""


def _version() -> str:
    digest = hashlib.sha256(watchlist_digest(watchlist_path()).encode())
    for path in sorted(MODEL_DIR.glob("*")):
        digest.update(path.read_bytes())
    return "1.0+" + digest.hexdigest()[:8]


@register
class ToneStage:
    """Tone toward each watched topic and named actor (``kind="tone"``)."""

    spec = StageSpec(
        name="tone",
        version=_version(),
        requires=("entities", "sentences"),
        assigns=("tone",),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        topics = load_watchlist(watchlist_path())
        stored = batch.annotations(["entity", "sentence"])
        targets: list[tuple[int, Annotation]] = []
        examples: list[Example] = []
        for article in batch.articles:
            if article.language not in (None, "en"):
                continue
            found = stored[article.id]
            sentences = sorted((a.start, a.end) for a in found if a.kind == "sentence")
            mentions = [
                Annotation("tone", m.start, m.end, data={"target": m.topic,
                           "key": topic_key(m.topic), "type": "TOPIC"})
                for m in find_topics(article.text, topics)
            ] + [
                Annotation("tone", a.start, a.end, data={"target": a.data["name"],
                           "key": a.data["key"], "type": a.label})
                for a in found if a.kind == "entity" and a.label in TARGET_TYPES
            ]  # fmt: skip
            for mention in mentions:
                sentence = _sentence_of(sentences, mention.start, mention.end)
                if sentence is None:
                    continue
                start, end = sentence
                mention.data["sentence"] = [start, end]
                examples.append(
                    Example(article.text[start:end], (mention.start - start, mention.end - start))
                )
                targets.append((article.id, mention))
        tones = load_tone_model().read(examples) if examples else []
        by_article: dict[int, list[Annotation]] = {a.id: [] for a in batch.articles}
        for (article_id, mention), tone in zip(targets, tones, strict=True):
            by_article[article_id].append(_annotated(mention, tone))
        return [StageOutput(a.id, tuple(by_article[a.id])) for a in batch.articles]


def _sentence_of(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    for first, last in sentences:
        if first <= start and end <= last:
            return first, last
    return None


def _annotated(mention: Annotation, tone: Tone) -> Annotation:
    return Annotation(
        "tone",
        mention.start,
        mention.end,
        label=tone.tone,
        score=tone.score,
        data={**mention.data, "probabilities": list(tone.probabilities)},
    )
