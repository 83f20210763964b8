"""Acronyms defined in text: "China-Pakistan Economic Corridor (CPEC)".

The algorithm is Schwartz & Hearst's (2003, "A simple algorithm for identifying
abbreviation definitions in biomedical text"), which news text suits as well: a short
form in parentheses after a long form, and the long form found by matching the short
form's letters right to left, the first letter at the start of a word. It finds
"Communist Party of China (CPC)" and "Joint Working Group on International Cooperation
and Coordination (JWG-ICC)" and refuses "BEIJING, AUG 21 (DNA)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARENTHESISED = re.compile(r"\(([^()]{2,12})\)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Acronym:
    short: str
    long: str
    short_start: int
    long_start: int
    long_end: int


def find_acronyms(text: str) -> list[Acronym]:
    """Every "long form (SHORT)" definition in ``text``, with character offsets."""
    found = []
    for match in _PARENTHESISED.finditer(text):
        short = match.group(1).strip()
        if not _looks_like_short_form(short):
            continue
        window_start = max(0, text.rfind("\n", 0, match.start()) + 1)
        before = text[window_start : match.start()].rstrip()
        words = list(_WORD.finditer(before))
        letters = sum(c.isalnum() for c in short)
        candidates = words[-min(letters + 5, letters * 2) :]
        if not candidates:
            continue
        candidate_text = before[candidates[0].start() :]
        long = _best_long_form(short, candidate_text)
        if long is None:
            continue
        long_start = window_start + len(before) - len(long)
        found.append(Acronym(short, long, match.start(1), long_start, long_start + len(long)))
    return found


def _looks_like_short_form(short: str) -> bool:
    return (
        short[0].isalnum()
        and sum(c.isupper() for c in short) >= 2
        and len(short.split()) <= 2
        and not short.isdigit()
    )


def _best_long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst's right-to-left match of the short form's letters.

    Each letter of the short form (from the end) must occur in the long form, in order,
    and the first letter must begin a word. Returns the shortest long form that matches,
    trimmed of leading function words and clause punctuation.
    """
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    long = candidate[start:].strip(" ,;:–-")
    if not long or long.lower() == short.lower() or len(long) <= len(short):
        return None
    if any(p in long for p in ",;:") and len(long.split()) > len(short) + 2:
        return None  # crossed a clause boundary
    if any(c.isdigit() for c in long) and not any(c.isdigit() for c in short):
        return None  # a date or number, not a name: "2020-08-21 BEIJING, AUG 21 (DNA)"
    return long
