"""Datelines: the "BEIJING, AUG 21 (DNA) –" that opens a wire story.

A dateline is a fixed journalistic format at the very start of the body: a place in
capitals (or a short capitalised name followed by a dash), optionally a month and day,
optionally the agency in brackets, then a dash or colon. It says where the story was
filed and, often, which outlet filed it; its month and day carry no year and so never
set the publication date on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DASH = r"(?:–|—|-{1,2}|:)"
_MONTH_DAY = r"(?P<date>(?i:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*)\.?\s+\d{1,2}(?:,?\s+\d{4})?)"
_OUTLET = r"\((?P<outlet>[A-Za-z][\w .&'-]{0,38})\)"
# Upper-case place ("BEIJING", "RAWALPINDI/ISLAMABAD", "NEW YORK"), any separator.
_UPPER = re.compile(
    rf"^(?P<place>[A-Z][A-Z .'/-]{{1,38}}[A-Z])(?:\s*,\s*{_MONTH_DAY})?\s*(?:{_OUTLET})?\s*{_DASH}\s+"
)
# Title-case place ("Geneva -", "Kuala Lumpur, March 3 (AFP) -"): needs a real dash.
_TITLE = re.compile(
    rf"^(?P<place>[A-Z][a-z]+(?: [A-Z][a-z]+){{0,2}})(?:\s*,\s*{_MONTH_DAY})?\s*(?:{_OUTLET})?\s*(?:–|—|-{{1,2}})\s+"
)


@dataclass(frozen=True)
class Dateline:
    """A parsed dateline; ``end`` is the offset where the story's first sentence starts."""

    text: str
    place: str
    month_day: str | None
    outlet: str | None
    end: int


def parse_dateline(body: str) -> Dateline | None:
    """The dateline at the start of ``body``, or ``None`` when the body has none."""
    for pattern in (_UPPER, _TITLE):
        m = pattern.match(body)
        if m:
            return Dateline(
                text=body[: m.end()].strip(),
                place=m.group("place").strip(),
                month_day=m.group("date"),
                outlet=m.group("outlet"),
                end=m.end(),
            )
    return None
