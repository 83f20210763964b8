"""Quality gate: the technique model's training recipe, scored on held-out PTC articles.

Slow (about half an hour on 2 cores): trains on two thirds of ptc-train and scores the
third it never saw (fold 1 of ``newswatch train techniques``' 3-fold cross-validation by
article, which scored SI 0.414 and TC 0.620). The floors sit a little below those.
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
    assert report["tc_micro_f1"] >= 0.59
    assert report["si_f1"] >= 0.39
