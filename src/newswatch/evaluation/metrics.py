"""The precision, recall and F1 every evaluation reports."""

from __future__ import annotations


def precision_recall_f1(matched: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """``matched`` of ``predicted`` items were right, out of ``gold`` to find (0 when empty)."""
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
