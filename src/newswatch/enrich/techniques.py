"""Persuasion techniques: spans that use one of the 14 PTC techniques, with confidences.

The model (``technique_model``) is trained on the Propaganda Techniques Corpus
(SemEval-2020 Task 11) by ``newswatch train techniques``; the stage runs it on every
English (or unidentified) article. Each span becomes an annotation ``kind="technique"``
labelled with the technique, scored with the model's confidence that the span uses
that technique (span probability × technique probability), and with both parts and the
runner-up techniques in ``data``.
"""

from __future__ import annotations

import hashlib

from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.enrich.technique_model import (
    CONFIG_FILE,
    MODEL_DIR,
    WEIGHTS_FILE,
    TechniqueSpan,
    load_technique_model,
)
from newswatch.models import Annotation, StageOutput


def _model_version() -> str:
    """A digest of the shipped artefact: a retrained model re-runs the stage."""
    digest = hashlib.sha256()
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        path = MODEL_DIR / name
        digest.update(path.read_bytes() if path.exists() else b"none")
    return digest.hexdigest()[:8]


@register
class TechniqueStage:
    """Persuasion-technique spans (``kind="technique"``) in English articles."""

    spec = StageSpec(
        name="techniques",
        version=f"1.0+{_model_version()}",
        requires=("language",),
        assigns=("technique",),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        english = [a for a in batch.articles if a.language in (None, "en")]
        found = dict(
            zip(
                (a.id for a in english),
                load_technique_model().find([a.text for a in english]),
                strict=True,
            )
        )
        return [
            StageOutput(a.id, tuple(technique_annotation(s) for s in found.get(a.id, ())))
            for a in batch.articles
        ]


def technique_annotation(span: TechniqueSpan) -> Annotation:
    return Annotation(
        "technique",
        span.start,
        span.end,
        label=span.technique,
        score=round(span.confidence, 4),
        data={
            "span_confidence": span.span_confidence,
            "technique_confidence": span.technique_confidence,
            "alternatives": [list(a) for a in span.alternatives],
        },
    )
