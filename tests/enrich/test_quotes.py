"""Attribution: who said what, with cue, source, speaker and content spans."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from newswatch.enrich.linguistic import load_model
from newswatch.enrich.quotes import extract_attributions, quoted_spans


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def _seed_000() -> str:
    return (SEEDS / "000_f7e47c8c0e29e705.txt").read_text().split(" ", 3)[3]


def _find(attributions, words):
    return [a for a in attributions if words in a.content.text]


def test_reported_speech_of_the_seed_has_source_cue_and_content(nlp):
    found = extract_attributions(nlp(_seed_000()))
    importance = _find(found, "is of great importance")
    assert importance and importance[0].source.text.endswith("Xi Jinping")
    assert importance[0].cue.text == "said"
    brothers = _find(found, "China and Pakistan are good brothers")
    assert brothers and brothers[0].source.text == "Xi"
    assert brothers[0].cue.start > brothers[0].content.start  # the content comes first


def test_a_pronoun_source_resolves_to_the_previous_compatible_entity(nlp):
    text = _seed_000()
    doc = nlp(text)
    alvi = text.index("Alvi had previously")
    entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    entities.append((alvi, alvi + 4, "PERSON"))  # as the entities stage labels it
    community = _find(extract_attributions(doc, entities=entities), "building a community")
    assert community and community[0].source.text == "He"
    assert community[0].speaker.text == "Alvi"


def test_direct_quotes_in_curly_quotation_marks(nlp):
    text = (
        "“The corridor will change Balochistan,” the chief minister told reporters in "
        "Quetta on Monday. Gwadar port handled more ships this year."
    )
    found = extract_attributions(nlp(text))
    assert len(found) == 1
    quote = found[0]
    assert quote.kind == "direct"
    assert "The corridor will change Balochistan" in quote.content.text
    assert quote.cue.text.startswith("told")
    assert quote.source.text.endswith("chief minister")


def test_according_to_is_a_cue(nlp):
    text = (
        "Imports of machinery rose by a third last year, according to the State Bank of Pakistan."
    )
    found = extract_attributions(nlp(text))
    assert found and "according to" in found[0].cue.text
    assert "Imports of machinery rose" in found[0].content.text
    assert "State Bank of Pakistan" in found[0].source.text


def test_quoted_spans_pair_curly_and_straight_marks_and_stop_at_paragraphs():
    text = 'He said "yes" and “no”.\n\n“Open quote runs\n\nThen text.'
    spans = [text[s:e] for s, e in quoted_spans(text)]
    assert spans == ['"yes"', "“no”", "“Open quote runs"]


def test_training_on_polnear_writes_a_model_the_extractor_loads(shared_data, tmp_path, nlp):
    from newswatch.enrich.quotes import AttributionModel, train_quotes

    corpus = tmp_path / "polnear"
    (corpus / "text").mkdir(parents=True)
    (corpus / "attributions").mkdir()
    source = shared_data / "polnear" / "train"
    for text in sorted((source / "text").glob("*.txt"))[:12]:
        (corpus / "text" / text.name).symlink_to(text)
        for ann in (source / "attributions").glob(f"{text.stem}_*.ann"):
            (corpus / "attributions" / ann.name).symlink_to(ann)
    train_quotes([corpus], tmp_path / "model.npz")
    model = AttributionModel.load(tmp_path / "model.npz")
    found = extract_attributions(nlp("Taxes will rise, the senator said on Monday."), model)
    assert any(a.cue.text == "said" for a in found)
