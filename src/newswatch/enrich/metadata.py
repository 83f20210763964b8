"""Metadata an article states in its own text: bylines, author notes, opinion disclaimers.

Op-eds end with a note on the author ("Zamir Ahmed Awan is a senior fellow with the
Center for China and Globalization …") and a disclaimer ("The opinions expressed in
this article belong solely to the author, and not necessarily to People's Daily
Online"); wire copy starts with "By NAME". The ``metadata`` stage reads these and fills
the article's author, outlet and genre where ingest did not already know them; each
finding is kept as an annotation (``byline``, ``author_note``, ``disclaimer``) with its
span, so the desk sees where a value came from.

The disclaimer and byline are formulaic, so patterns fit them; the author's name comes
from spaCy's PERSON mentions, not from capitalised words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from newswatch.enrich.entities import gazetteer, normalise_name
from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.tokens import Doc

_DISCLAIMER = re.compile(
    r"(?:the\s+)?(?:opinions?|views?)\s+expressed\s+(?:in\s+this\s+(?:article|piece|column|"
    r"op-ed|commentary)\s+)?(?:belong\s+solely\s+to|are\s+(?:solely\s+)?(?:those\s+)?of|"
    r"are\s+the\s+author'?s'?\s+own)\s+the\s+authors?(?:'s)?"
    r"(?:\s*,?\s*and\s+(?:do\s+)?not\s+necessarily\s+(?:reflect\s+)?(?:to\s+|those\s+of\s+|"
    r"the\s+(?:views?|position|opinions?)\s+of\s+)?(?P<outlet>[A-Z][\w'’&.\- ]{2,60}?))?\s*[.\n]",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][^\n]{2,80})$", re.MULTILINE)
_NOTE_VERBS = ("is", "was", "has", "writes", "teaches", "works", "serves", "heads", "leads")


def read_metadata(article: StoredArticle, doc: Doc) -> tuple[dict[str, Any], list[Annotation]]:
    """Author, outlet and genre stated in the text, with the evidence for each."""
    fields: dict[str, Any] = {}
    evidence: list[Annotation] = []
    text = doc.text
    disclaimer = _DISCLAIMER.search(text)
    if disclaimer:
        outlet = _outlet_name(disclaimer.group("outlet"))
        evidence.append(
            Annotation(
                "disclaimer",
                disclaimer.start(),
                disclaimer.end(),
                "opinion",
                data={"text": disclaimer.group(0).strip(), "outlet": outlet},
            )
        )
        if not article.genre:
            fields["genre"] = "opinion"
        if outlet and not article.outlet:
            fields["outlet"] = outlet
    authors: list[str] = []
    byline = _BYLINE.search(text[:300])
    if byline:
        names = [n.strip() for n in re.split(r",| and ", byline.group("names")) if n.strip()]
        span = doc.char_span(byline.start("names"), byline.end("names"), alignment_mode="expand")
        people = [e.text for e in (span.ents if span is not None else ()) if e.label_ == "PERSON"]
        authors += people or names[:3]
        evidence.append(Annotation("byline", byline.start("names"), byline.end("names"),
                                   data={"authors": authors}))  # fmt: skip
    note = _author_note(doc)
    if note is not None:
        name, start, end = note
        evidence.append(Annotation("author_note", start, end, data={"author": name,
                                                                    "text": text[start:end]}))  # fmt: skip
        if name not in authors:
            authors.append(name)
    if authors and not article.authors:
        fields["authors"] = authors
    if not article.genre and "genre" not in fields:
        # A closing note on the author marks an op-ed; without one, or a disclaimer, the
        # article reads as news.
        fields["genre"] = "opinion" if note else "news"
    return fields, evidence


def _outlet_name(raw: str | None) -> str | None:
    if not raw:
        return None
    name = raw.strip(" .").removeprefix("the ").removeprefix("The ")
    entry = gazetteer().get(normalise_name(name))
    return entry.name if entry else name


def _author_note(doc: Doc) -> tuple[str, int, int] | None:
    """A closing paragraph that starts with a person's name and says who they are."""
    paragraphs = [p for p in re.finditer(r"[^\n]+", doc.text) if p.group(0).strip()]
    for paragraph in reversed(paragraphs[-3:]):
        span = doc.char_span(paragraph.start(), paragraph.end(), alignment_mode="expand")
        if span is None or not span.ents:
            continue
        first = span.ents[0]
        if (
            first.label_ == "PERSON"
            and first.start == span.start
            and first.end < span.end
            and doc[first.end].lower_ in _NOTE_VERBS
        ):
            sentence_end = doc.text.find(". ", first.end_char)
            end = paragraph.end() if sentence_end < 0 else min(sentence_end + 1, paragraph.end())
            return first.text, paragraph.start(), end
    return None


@register
class MetadataStage:
    """Author, outlet and genre from the article's own text (``fields``), with evidence."""

    spec = StageSpec(
        name="metadata",
        version="1.0",
        requires=("language",),
        assigns=("disclaimer", "byline", "author_note"),
        fields=("authors", "outlet", "genre"),
        spacy_pipes=("ner",),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        return batch.map_english(self.annotate)

    @staticmethod
    def annotate(article: StoredArticle, doc: Doc) -> StageOutput:
        fields, evidence = read_metadata(article, doc)
        return StageOutput(article.id, tuple(evidence), fields)
