"""Quality gate: the technique model's training recipe, scored on held-out PTC articles.

Slow (about ten minutes on 2 cores): trains on four fifths of ptc-train and scores the
fifth it never saw (fold 1 of ``newswatch train techniques``' 5-fold cross-validation).
The floors sit a little below the cross-validated figures in the README.
"""

from __future__ import annotations

import pytest

from newswatch.evaluation.ptc import cross_validate, labelled_texts


@pytest.mark.slow
def test_held_out_fold_reaches_the_issue_targets(shared_data):
    texts = labelled_texts(shared_data / "ptc-train")
    report = cross_validate(texts, 5, only_folds=[0], log=lambda _: None)
    assert report["articles"] == 75
    assert report["tc_micro_f1"] >= 0.55
    assert report["si_f1"] >= 0.40
