"""Tone toward a target: the shipped model tells targets of one sentence apart."""

from __future__ import annotations

import pytest

from newswatch.enrich.sentence_classifier import Example
from newswatch.enrich.tone_model import load_tone_model


def _tone(sentence: str, target: str) -> str:
    start = sentence.index(target)
    return load_tone_model().read([Example(sentence, (start, start + len(target)))])[0].tone


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Pakistan's prime minister praised the corridor as a lifeline, while opposition "
            "leaders denounced the government for hiding its debts.",
            {"the corridor": "positive", "the government": "negative"},
        ),
        (
            "Critics accused Beijing of trapping Islamabad in debt, but the planning minister "
            "hailed the project's success.",
            {"Beijing": "negative", "the planning minister": "positive"},
        ),
        (
            "Officials said the Gwadar port handled 40 ships in March.",
            {"the Gwadar port": "neutral"},
        ),
    ],
)
def test_each_target_of_a_sentence_gets_its_own_tone(sentence: str, expected: dict[str, str]):
    assert {target: _tone(sentence, target) for target in expected} == expected


def test_scores_and_probabilities_agree():
    sentence = "The minister hailed the corridor as a great success."
    start = sentence.index("the corridor")
    (tone,) = load_tone_model().read([Example(sentence, (start, start + 12))])
    negative, neutral, positive = tone.probabilities
    assert abs(negative + neutral + positive - 1) < 1e-3
    assert tone.score == pytest.approx(positive - negative, abs=1e-3)
    assert tone.tone == "positive" and tone.score > 0.3
