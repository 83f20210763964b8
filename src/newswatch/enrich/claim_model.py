"""Check-worthy claims: the sentence classifier trained on CheckThat! 2024 (English).

A sentence is check-worthy when it states something factual that the public would want
verified (CheckThat!'s definition); the model gives the probability of "Yes", and the
threshold stored with it (the best F1 of the Yes class on the development split) turns
that into a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from newswatch.enrich.sentence_classifier import Example, SentenceClassifier, load_classifier

MODEL_DIR = Path(__file__).parent / "models" / "claims"
LABELS = ("No", "Yes")


class ClaimModel:
    def __init__(self, classifier: SentenceClassifier) -> None:
        self.classifier = classifier
        self.threshold = float(classifier.settings.get("threshold", 0.5))

    def scores(self, sentences: Sequence[str]) -> np.ndarray:
        """P(check-worthy) of each sentence."""
        rows = self.classifier.probabilities([Example(s) for s in sentences])
        return rows[:, LABELS.index("Yes")] if len(rows) else np.zeros(0)


@cache
def load_claim_model(path: Path = MODEL_DIR) -> ClaimModel:
    return ClaimModel(load_classifier(path))
