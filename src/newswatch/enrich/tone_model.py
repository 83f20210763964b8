"""Tone toward a target: the sentence classifier trained on NewsMTSC.

Given a sentence and the span of a mention in it, the model says how the sentence treats
*that* mention: negative, neutral or positive, with probabilities. In "While Western
media is disseminating negative propaganda against CPEC, both countries are satisfied
with the progress" the tone toward CPEC and toward Western media differ, because the
encoder reads the target first (``[CLS] target [SEP] sentence``) and the head pools the
target's own pieces (see ``sentence_classifier``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from newswatch.enrich.sentence_classifier import Example, SentenceClassifier, load_classifier

MODEL_DIR = Path(__file__).parent / "models" / "tone"
TONES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Tone:
    """The model's reading of one target mention."""

    tone: str
    score: float
    """P(positive) − P(negative): −1 hostile … +1 favourable."""
    probabilities: tuple[float, float, float]
    """P(negative), P(neutral), P(positive)."""


class ToneModel:
    def __init__(self, classifier: SentenceClassifier) -> None:
        self.classifier = classifier

    def read(self, examples: Sequence[Example]) -> list[Tone]:
        """The tone toward each example's target."""
        rows = self.classifier.probabilities(examples)
        return [_tone(row) for row in rows]

    def tones(self, examples: Sequence[Example]) -> list[str]:
        return [t.tone for t in self.read(examples)]


def _tone(row: np.ndarray) -> Tone:
    negative, neutral, positive = (round(float(p), 4) for p in row)
    return Tone(
        TONES[int(np.argmax(row))],
        round(positive - negative, 4),
        (negative, neutral, positive),
    )


@cache
def load_tone_model(path: Path = MODEL_DIR) -> ToneModel:
    return ToneModel(load_classifier(path))
