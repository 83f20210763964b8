"""The persuasion-technique stage: windows, span features, and the shipped model on text."""

from __future__ import annotations

import re

import numpy as np
from conftest import SEEDS, stored_article

from newswatch.enrich.encoder import tokenizer
from newswatch.enrich.stage import Batch
from newswatch.enrich.technique_model import (
    TECHNIQUES,
    ArticleText,
    Decoding,
    Window,
    decode,
    load_technique_model,
    span_features,
    windows,
)
from newswatch.enrich.technique_training import _tags, merge_spans
from newswatch.enrich.techniques import TechniqueStage


def test_windows_cover_every_piece_and_end_at_line_breaks():
    text = "\n".join(f"Sentence number {i} says something rather long about the corridor."
                     for i in range(80))  # fmt: skip
    cut = windows(text, tokenizer(), size=60)
    offsets = [o for w in cut for o in w.offsets]
    assert len(cut) > 1 and all(len(w.ids) <= 60 for w in cut)
    assert offsets == sorted(offsets) and offsets[0][0] == 0 and offsets[-1][1] == len(text)
    for window in cut[:-1]:  # each window ends with a full line
        assert text[window.offsets[-1][1] : window.offsets[-1][1] + 1] == "\n"


def test_span_features_see_repetition_quotes_and_whole_sentences():
    text = 'They chant "Build the wall!" again.\nBuild the wall!\nA quiet line.'
    article = ArticleText(text)
    first = text.index("Build")
    repeated = span_features(article, first, first + len("Build the wall!"))
    quiet = span_features(article, text.index("quiet"), text.index("quiet") + 5)
    assert repeated[1] > 0 and repeated[2] == 1.0  # the phrase occurs twice
    assert repeated[4] == 1.0 and quiet[4] == 0.0  # inside quotation marks
    assert repeated[6] == 1.0  # has "!"
    second = text.index("Build", first + 1)
    assert span_features(article, second, second + 15)[5] == 1.0  # the whole line


def test_training_tags_mark_the_first_piece_of_each_merged_span():
    offsets = [(0, 4), (5, 9), (10, 14), (15, 19), (20, 24)]
    assert merge_spans([(5, 12), (0, 3), (10, 19)]) == [(0, 3), (5, 19)]
    assert _tags(offsets, [(5, 14), (10, 19)]) == [0, 1, 2, 2, 0]


def _tagged(text: str, inside: list[float], begins: tuple[int, ...] = ()):
    """One window over the words of ``text`` with the given probability of each word being
    inside a span (B at ``begins``)."""
    offsets = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    tags = np.array([[1 - p, 0.9 * p if i in begins else 0.0, p] for i, p in
                     enumerate(inside)])  # fmt: skip
    return text, [Window(list(range(len(offsets))), offsets)], [tags]


def _spans(tagged, decoding):
    text, cut, tags = tagged
    return [text[start:end] for start, end, _ in decode(text, cut, tags, decoding)]


def test_decoding_keeps_weak_stretches_only_beside_a_confident_piece():
    tagged = _tagged("a truly evil plan\nthen some weak words here",
                     [0.3, 0.35, 0.9, 0.3, 0.0, 0.3, 0.3, 0.3, 0.0])  # fmt: skip
    assert _spans(tagged, Decoding(0.25)) == ["a truly evil plan", "some weak words"]
    assert _spans(tagged, Decoding(0.25, peak=0.6)) == ["a truly evil plan"]
    assert _spans(tagged, Decoding(0.5)) == []  # one piece is under min_pieces
    assert _spans(tagged, Decoding(0.5, min_pieces=1)) == ["evil"]


def test_decoding_bridges_short_gaps_and_starts_a_new_span_at_b():
    tagged = _tagged("enemies of the great people traitors all\nsad ; true",
                     [0.8, 0.1, 0.1, 0.7, 0.7, 0.9, 0.9, 0.0, 0.9, 0.9], begins=(5,))  # fmt: skip
    assert _spans(tagged, Decoding(0.5)) == ["enemies of the great people", "traitors all",
                                             "; true"]  # fmt: skip
    assert _spans(tagged, Decoding(0.5, min_pieces=4)) == ["enemies of the great people"]


def test_the_op_ed_shows_more_persuasion_than_the_news_report():
    report, op_ed = (p.read_text() for p in sorted(SEEDS.glob("*.txt")))
    found = load_technique_model().find([report, op_ed])
    rates = [1000 * len(spans) / len(text.split()) for spans, text in
             zip(found, (report, op_ed), strict=True)]  # fmt: skip
    assert rates[1] > rates[0]
    labelled = {op_ed[s.start : s.end]: s.technique for s in found[1]}
    assert any("negative propaganda" in text for text in labelled)  # the examples
    assert "Name_Calling,Labeling" in labelled.values()
    for span in found[1]:
        assert span.technique in TECHNIQUES and 0 < span.confidence <= 1
        assert op_ed[span.start : span.end].strip() == op_ed[span.start : span.end]


def test_the_stage_annotates_english_articles_and_skips_others():
    text = "These traitors and thugs are destroying our great nation. Wake up, America!"
    english = stored_article(text, id=1)
    french = stored_article("Les traîtres détruisent notre grande nation.", id=2, language="fr")
    outputs = TechniqueStage().process(Batch([english, french]))
    assert [o.article_id for o in outputs] == [1, 2]
    assert outputs[1].annotations == ()
    notes = outputs[0].annotations
    assert notes and all(n.kind == "technique" and n.label in TECHNIQUES for n in notes)
    assert any("traitors" in text[n.start : n.end] for n in notes)
