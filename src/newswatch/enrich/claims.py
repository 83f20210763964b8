"""Check-worthy claims: every sentence scored, the claims kept with what they are about.

Each sentence of an English article (from the ``sentences`` stage) gets the claim
model's probability of being check-worthy (``claim_model``). The annotation
``kind="claim"`` covers the sentence, is labelled ``claim`` at or above the model's
threshold and ``no claim`` below it, and its score is the probability. A claim's
``data`` lists the evidence a fact-checker starts from: the entities it names (with
their keys), the numbers and amounts in it (spaCy's CARDINAL, MONEY, PERCENT and
QUANTITY mentions), its time expressions with their normalised values, and the
targets it is about (watched topics and named actors, as the ``tone`` stage's keys).
"""

from __future__ import annotations

import hashlib

from newswatch.enrich.claim_model import MODEL_DIR, load_claim_model
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.enrich.tone import TARGET_TYPES
from newswatch.enrich.watchlist import (
    find_topics,
    load_watchlist,
    topic_key,
    watchlist_digest,
    watchlist_path,
)
from newswatch.models import Annotation, StageOutput

NUMBER_TYPES = ("CARDINAL", "MONEY", "PERCENT", "QUANTITY")
CLAIM, NO_CLAIM = "claim", "no claim"


def _version() -> str:
    digest = hashlib.sha256(watchlist_digest(watchlist_path()).encode())
    for path in sorted(MODEL_DIR.glob("*")):
        digest.update(path.read_bytes())
    return "1.0+" + digest.hexdigest()[:8]


@register
class ClaimStage:
    """A check-worthiness score for every sentence (``kind="claim"``)."""

    spec = StageSpec(
        name="claims",
        version=_version(),
        requires=("entities", "time", "sentences"),
        assigns=("claim",),
        spacy_pipes=("ner",),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        model = load_claim_model()
        topics = load_watchlist(watchlist_path())
        stored = batch.annotations(["entity", "timex", "sentence"])
        docs = batch.english_docs()
        outputs = []
        for article in batch.articles:
            if article.id not in docs:
                outputs.append(StageOutput(article.id))
                continue
            found = stored[article.id]
            sentences = sorted((a.start, a.end) for a in found if a.kind == "sentence")
            scores = model.scores([article.text[s:e] for s, e in sentences])
            evidence = [
                *(a for a in found if a.kind in ("entity", "timex")),
                *(
                    Annotation("number", e.start_char, e.end_char, e.label_)
                    for e in docs[article.id].ents
                    if e.label_ in NUMBER_TYPES
                ),
                *(
                    Annotation("topic", m.start, m.end, "TOPIC", data={"name": m.topic})
                    for m in find_topics(article.text, topics)
                ),
            ]
            claims = []
            for (start, end), score in zip(sentences, scores, strict=True):
                is_claim = score >= model.threshold
                inside = [a for a in evidence if start <= a.start and a.end <= end]
                claims.append(
                    Annotation(
                        "claim",
                        start,
                        end,
                        CLAIM if is_claim else NO_CLAIM,
                        round(float(score), 4),
                        _evidence(article.text, inside) if is_claim else {},
                    )
                )
            outputs.append(StageOutput(article.id, tuple(claims)))
        return outputs


def _evidence(text: str, inside: list[Annotation]) -> dict[str, object]:
    """What a claim names: entities, numbers, time expressions and targets."""
    entities = [a for a in inside if a.kind == "entity"]
    topics = [a for a in inside if a.kind == "topic"]
    about = {topic_key(a.data["name"]): a.data["name"] for a in topics} | {
        a.data["key"]: a.data["name"] for a in entities if a.label in TARGET_TYPES
    }
    return {
        "entities": [
            {
                "text": text[a.start : a.end],
                "name": a.data["name"],
                "type": a.label,
                "key": a.data["key"],
            }
            for a in entities
        ],
        "numbers": [
            {"text": text[a.start : a.end], "type": a.label} for a in inside if a.kind == "number"
        ],
        "times": [
            {"text": text[a.start : a.end], "value": a.data.get("value")}
            for a in inside
            if a.kind == "timex"
        ],
        "about": [{"key": key, "name": name} for key, name in about.items()],
    }
