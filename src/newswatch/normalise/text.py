"""Text clean-up that keeps meaning: Unicode NFC, one newline style, tidy whitespace.

Everything downstream (offsets, hashes, shingles) refers to the text this returns.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_INLINE_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_WORD = re.compile(r"\w+")


def clean_text(text: str) -> str:
    """Normalise ``text``: NFC, ``\\n`` newlines, no control characters, single spaces
    inside lines, no trailing spaces, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = (_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(lines)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (Unicode ``\\w+``), the unit of counts and shingles."""
    return _WORD.findall(text.lower())


def lead_title(body: str, limit: int = 120) -> str | None:
    """A title for an article whose source gives none: its first sentence, shortened.

    Used for the seed format, which has no title line; the stored ``title_source`` is
    then ``"lead"`` so that nobody mistakes it for the outlet's own headline.
    """
    first_paragraph = body.split("\n", 1)[0].strip()
    if not first_paragraph:
        return None
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", first_paragraph, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
