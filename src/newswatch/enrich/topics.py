"""Topics and frames: which labels of the taxonomy each sentence and each article carries.

1. **Prototypes.** Each label of the taxonomy (``taxonomy.py``) is embedded once: the
   mean of the sentence embeddings (``embeddings.py``, all-MiniLM-L6-v2) of its
   description and its examples, L2-normalised.
2. **Sentences.** Every sentence the ``sentences`` stage stored, and the article's title,
   is embedded; its *similarity* to a label is the cosine to the label's prototype.
3. **Calibration.** A raw cosine is not a probability and its scale differs between
   labels, so a label is *assigned* to a sentence only when its similarity reaches the
   threshold of the label's kind and lies within the kind's margin of the sentence's best
   label of that kind (a sentence about loans is not also about ports because both
   mention money). The thresholds were chosen on the tuning half of the labelled sample
   (``newswatch eval topics``). Each assigned label becomes an annotation ``topic`` on
   the sentence's span, scored with its similarity, with its kind and the margin over
   the threshold in ``data``.
4. **Articles.** An article carries a label when its title does, or at least two of its
   sentences (one, for an article of a single sentence) making at least a tenth of its
   units. Each carried label becomes
   an article-level annotation ``article_topic`` (start = end = 0) scored with the share
   of the article's units (title and sentences) that carry it; ``data`` holds the count,
   whether the title carries it and the spans of the most similar sentences, its evidence.

The stage's version includes the taxonomy file's hash, so editing the taxonomy (or
pointing ``NEWSWATCH_TOPICS`` at another file) re-runs the stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newswatch.enrich.embeddings import embed
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.enrich.taxonomy import Taxonomy, load_taxonomy
from newswatch.models import Annotation, StageOutput, StoredArticle

STAGE = "topics"
ARTICLE_MIN_SHARE = 0.1
"""An article carries a label from its sentences only when at least this share of its
units carries it (a long article is not about security for two passing sentences)."""
EVIDENCE_SENTENCES = 3
"""Spans kept as an article-level label's evidence: its most similar sentences."""


@dataclass(frozen=True)
class TopicScorer:
    """A taxonomy's label prototypes and calibration, ready to score texts."""

    taxonomy: Taxonomy
    prototypes: np.ndarray
    """One L2-normalised row per label, in taxonomy order."""

    @classmethod
    def build(cls, taxonomy: Taxonomy) -> TopicScorer:
        rows = []
        for label in taxonomy.labels:
            vectors = embed([label.description, *label.examples])
            mean = vectors.mean(axis=0)
            rows.append(mean / np.linalg.norm(mean))
        return cls(taxonomy, np.stack(rows))

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text (row) to each label (column)."""
        return embed(texts) @ self.prototypes.T

    def assign(self, similarities: np.ndarray) -> np.ndarray:
        """Which labels each row carries (boolean, same shape), by the calibration."""
        assigned = np.zeros(similarities.shape, dtype=bool)
        kinds = np.array([label.kind for label in self.taxonomy.labels])
        for kind, calibration in self.taxonomy.calibration.items():
            columns = kinds == kind
            if not columns.any():
                continue
            scores = similarities[:, columns]
            best = scores.max(axis=1, keepdims=True)
            assigned[:, columns] = (scores >= calibration.threshold) & (
                scores >= best - calibration.margin
            )
        return assigned


_scorers: dict[tuple[str, str], TopicScorer] = {}


def scorer_for(taxonomy: Taxonomy) -> TopicScorer:
    """The scorer of ``taxonomy``, built once per process and taxonomy version."""
    key = (str(taxonomy.path), taxonomy.digest)
    if key not in _scorers:
        _scorers[key] = TopicScorer.build(taxonomy)
    return _scorers[key]


def topic_spec(taxonomy: Taxonomy) -> StageSpec:
    return StageSpec(
        name=STAGE,
        version=f"1.0+{taxonomy.digest}",
        requires=("language", "sentences"),
        assigns=("topic", "article_topic"),
    )


class TopicStage:
    """Topic and frame labels per sentence (``topic``) and per article (``article_topic``)."""

    def __init__(self, taxonomy: Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.spec = topic_spec(self.taxonomy)

    def process(self, batch: Batch) -> list[StageOutput]:
        stored = batch.annotations(("sentence",))
        units: list[tuple[int, Annotation | None, str]] = []
        """(article id, sentence or None for the title, text), for one embedding call."""
        for article in batch.articles:
            if article.language not in (None, "en"):
                continue
            if article.title and article.title_source != "lead":
                units.append((article.id, None, article.title))
            units.extend((article.id, s, article.text[s.start : s.end]) for s in stored[article.id])
        scorer = scorer_for(self.taxonomy)
        similarities = scorer.similarities([text for _, _, text in units])
        assigned = scorer.assign(similarities)
        rows: dict[int, list[int]] = {}
        for row, (article_id, _, _) in enumerate(units):
            rows.setdefault(article_id, []).append(row)
        return [
            StageOutput(
                article.id,
                self._annotations(article, rows.get(article.id, []), units, similarities, assigned),
            )
            for article in batch.articles
        ]

    def _annotations(
        self,
        article: StoredArticle,
        rows: list[int],
        units: list[tuple[int, Annotation | None, str]],
        similarities: np.ndarray,
        assigned: np.ndarray,
    ) -> tuple[Annotation, ...]:
        if not rows:  # not English, or nothing to read
            return ()
        found: list[Annotation] = []
        carried: list[Annotation] = []
        sentence_count = sum(units[r][1] is not None for r in rows)
        for column, label in enumerate(self.taxonomy.labels):
            threshold = self.taxonomy.calibration[label.kind].threshold
            with_label = [r for r in rows if assigned[r, column]]
            for r in with_label:
                sentence = units[r][1]
                if sentence is not None:
                    found.append(
                        Annotation(
                            "topic",
                            sentence.start,
                            sentence.end,
                            label=label.name,
                            score=round(float(similarities[r, column]), 4),
                            data={
                                "kind": label.kind,
                                "margin": round(float(similarities[r, column]) - threshold, 4),
                            },
                        )
                    )
            in_title = any(units[r][1] is None for r in with_label)
            sentences = [r for r in with_label if units[r][1] is not None]
            share = len(with_label) / len(rows)
            enough = len(sentences) >= max(1, min(2, sentence_count)) and share >= ARTICLE_MIN_SHARE
            if not (in_title or enough):
                continue
            best = sorted(sentences, key=lambda r: -similarities[r, column])[:EVIDENCE_SENTENCES]
            carried.append(
                Annotation(
                    "article_topic",
                    0,
                    0,
                    label=label.name,
                    score=round(share, 4),
                    data={
                        "kind": label.kind,
                        "sentences": len(sentences),
                        "in_title": in_title,
                        "best_similarity": round(float(similarities[rows, column].max()), 4),
                        "evidence": [
                            [units[r][1].start, units[r][1].end]  # type: ignore[union-attr]
                            for r in best
                        ],
                    },
                )
            )
        return (*carried, *sorted(found, key=lambda a: (a.start, a.label or "")))


class _ConfiguredTopicStage:
    """Registers the ``topics`` stage with a spec that follows the configured taxonomy
    file, read when the spec is asked for (so a changed file changes the fingerprint)."""

    @property
    def spec(self) -> StageSpec:
        return topic_spec(load_taxonomy())

    def __call__(self) -> TopicStage:
        return TopicStage()


register(_ConfiguredTopicStage())
