"""Quality gate: the technique model's training recipe, scored on held-out PTC articles.

Slow (about a quarter of an hour on 2 cores): trains on two thirds of ptc-train and
scores the third it never saw (fold 1 of ``newswatch train techniques``' 3-fold
cross-validation by article). The floors sit a little below the cross-validated figures
in the README; SI stays below the issue's 0.40 target (see the README's quality card).
"""

from __future__ import annotations

import pytest

from newswatch.evaluation.ptc import cross_validate, labelled_texts


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_held_out_fold_keeps_its_recorded_quality(shared_data):
    texts = labelled_texts(shared_data / "ptc-train")
    report = cross_validate(texts, 3, only_folds=[0], log=lambda _: None)
    assert report["articles"] == 124
    assert report["tc_micro_f1"] >= 0.57
    assert report["si_f1"] >= 0.35
