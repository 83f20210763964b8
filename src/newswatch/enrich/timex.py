"""Time expressions (TimeML TIMEX3): recognition and normalisation, and the ``time`` stage.

The recogniser is rule-based, in the style of HeidelTime and SUTime, the state of the art
for news: each rule is a regular expression with a resolver that turns the match into a
TimeML ``(type, value)`` pair. All rules run over the text, the longest match wins where
matches overlap, and adjacent clock times and days are merged ("5 p.m. EST Nov. 9").

Relative expressions are anchored on the document creation time (``dct``, the
publication date). The anchoring policy is ours and explicit:

* a bare weekday ("Friday") is the nearest such day at or before the DCT when its clause
  is in the past tense, at or after the DCT when it is future ("will meet Monday"), and
  the nearest one either way (ties go to the past) when the tense is unknown;
* a bare month name follows the same tense rule at month granularity, and a month-day
  without a year takes the DCT's year unless the tense puts it across the year boundary;
* "that day", "later that year", "the following month" refer back: they take the last
  date named before them (within ``REFERENCE_CONTEXT`` characters), and are dropped when
  there is none, since a generic "that day" is not a TIMEX3;
* without a DCT nothing relative is invented: such values keep ``X`` placeholders
  (``XXXX-WXX-5``, ``XXXX``) or become ``PAST_REF``/``FUTURE_REF``.

The tense of a clause comes from the spaCy doc when one is given (the governing verb, its
auxiliaries and fine-grained tags); without a doc, from cue words in the sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dateutil.easter import easter

from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

Tense = Literal["past", "future"] | None
Resolved = tuple[str, str] | None
"""A rule's result: ``(TYPE, value)``, or None when the match is not a time expression."""


@dataclass(frozen=True)
class Timex:
    """One TIMEX3: character offsets into the text, surface, TimeML type and value."""

    start: int
    end: int
    text: str
    type: str
    value: str


# ---------------------------------------------------------------------------- lexicon

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTHS_FULL_NAMES = frozenset(
    "january february march april may june july august september october november december".split()
)
WEEKDAYS = {
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5,
    "saturday": 6, "sunday": 7,
}  # fmt: skip
SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
    "a dozen": 12, "a hundred": 100, "a couple of": 2, "couple of": 2, "a couple": 2,
    "single": 1,
}  # fmt: skip
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
}  # fmt: skip
UNIT_CODES = {
    "second": "S", "minute": "M", "hour": "H", "day": "D", "week": "W", "month": "M",
    "year": "Y", "decade": "DE", "century": "CE", "centurie": "CE", "quarter": "Q",
    "weekend": "WE", "night": "D", "fortnight": "W",
}  # fmt: skip
FUTURE_GOVERNORS = (
    "plan", "expect", "schedul", "set", "intend", "hop", "aim", "agre", "promis", "propos",
    "seek", "want", "decid", "vow", "pledg", "prepar", "threat", "need",
)  # fmt: skip
"""Stems of verbs whose infinitive complement lies ahead ("agreed to buy in May"); stems,
since the stage's pipes (tagger, parser) give no lemmas."""
CLOCK_UNITS = {"second", "minute", "hour"}
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
PLANNING_VERBS = ("plan", "schedul", "reschedul", "expect")
"""Stems of verbs whose day is ahead of the plan, whatever the plan's own tense ("planned
a demonstration on Saturday"); stems, since the stage's pipes give no lemmas."""
FUTURE_AUXILIARIES = {"will", "shall", "'ll", "wo", "ll", "would", "'d"}

_MONTH = (
    r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?|"
    r"(?:JANUARY|FEBRUARY|MARCH|APRIL|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER|"
    r"JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)\b\.?)"
)
_WEEKDAY = r"(?P<weekday>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
_YEAR = r"(?P<year>(?<![\d$.,/])(?<!\d-)(?:1[6-9]\d\d|20\d\d)(?![\d%]|,\d|\.\d|-\d))"
DAY_WORDS = {
    word: number
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split(),
        start=1,
    )
}
DAY_WORDS |= {f"twenty-{w}": 20 + n for w, n in list(DAY_WORDS.items())[:9]}
DAY_WORDS |= {"thirtieth": 30, "thirty-first": 31}
"""Spoken days of the month ("March eighth"), as broadcast transcripts write them."""
_DAY = (
    r"(?P<day>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?|(?i:(?:twenty-)?(?:first|second|third|"
    r"fourth|fifth|sixth|seventh|eighth|ninth)|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|thirty-first))\b"
)
_WORD_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|"
    r"four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
    r"(?:a )?hundred|(?:a )?dozen|(?:a )?couple(?: of)?|single)"
)
_NUMBER = (
    rf"(?P<number>\d+(?:\.\d+)?(?: 1/2| and a half)?|{_WORD_NUMBER}(?: and a half)?|an?|"
    r"(?:a )?few|several|many|some|numerous|dozens of|hundreds of|a number of)"
)
_UNIT = r"(?P<unit>second(?![\s-]+(?:quarter|half))|minute|hour|day|week|fortnight|month|year|decade|centur(?:y|ie)|quarter)"
_MODIFIER = (
    r"(?:(?:about|around|nearly|almost|roughly|approximately|more than|less than|fewer than|"
    r"at least|at most|up to|some|no more than|"
    r"no less than|as many as|as few as|as long as|the better part of)\s+)"
)
_SPAN_ADJECTIVE = (
    r"(?:the\s+)?(?:(?:past|last|next|first|coming|previous|"
    r"final|latest|following|remaining|preceding|initial|early|subsequent|ensuing|recent|"
    r"year-earlier|year-ago)\s+)?"
)
_PREFIX = r"(?:(?:early|late|mid|the end of|the beginning of|the middle of|the start of)[\s-]+)"


# ----------------------------------------------------------------------- tense & context


@dataclass
class _Context:
    """What resolvers need: the text, the DCT and (optionally) the parsed doc."""

    text: str
    dct: dt.date | None
    doc: Doc | None

    def tense(self, start: int, end: int) -> Tense:
        """Past or future for the clause around ``text[start:end]`` (None when unclear)."""
        if self.doc is not None:
            return _tense_from_doc(self.doc, start, end)
        return _tense_from_text(self.text, start, end)

    def modifies_noun(self, start: int, end: int) -> bool:
        """Whether the word at ``start`` is an adjective ("a *daily* newspaper"), which
        TimeML does not annotate, unlike the adverb ("published *daily*")."""
        if self.doc is None:
            return False
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return span is not None and len(span) == 1 and span[0].pos_ == "ADJ"


_PAST_CUE = re.compile(
    r"\b(?:was|were|had|did|said|told|\w{3,}ed|ago|last|earlier|previously)\b", re.I
)
_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|'ll|going to|plans? to|scheduled|expected to|is to|are to|next|"
    r"upcoming|would)\b",
    re.I,
)
_SENTENCE_BREAK = re.compile(r"[.!?;]\s|\n\s*\n")


def _sentence_window(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(
        (m.end() for m in _SENTENCE_BREAK.finditer(text, max(0, start - 300), start)),
        default=max(0, start - 300),
    )
    right_match = _SENTENCE_BREAK.search(text, end, end + 300)
    return left, right_match.start() + 1 if right_match else min(len(text), end + 300)


def _tense_from_text(text: str, start: int, end: int) -> Tense:
    """The tense cue nearest to the expression in its sentence (a fallback without spaCy)."""
    left, right = _sentence_window(text, start, end)
    cues: list[tuple[int, Tense]] = []
    tenses: tuple[tuple[re.Pattern[str], Tense], ...] = (
        (_PAST_CUE, "past"),
        (_FUTURE_CUE, "future"),
    )
    for cue, tense in tenses:
        for match in cue.finditer(text, left, right):
            if match.end() <= start or match.start() >= end:
                distance = start - match.end() if match.end() <= start else match.start() - end
                cues.append((distance, tense))
    return min(cues, key=lambda c: c[0])[1] if cues else None


def _is_verb(token: Token) -> bool:
    """By fine-grained tag (VB*, MD), which the tagger alone provides."""
    return token.tag_.startswith("VB") or token.tag_ == "MD"


def _verb_tense(verb: Token) -> Tense:
    """Tense of one verb from its tag and auxiliaries ("will meet", "was held", "has met")."""
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    lowered = {a.lower_ for a in auxiliaries}
    if lowered & FUTURE_AUXILIARIES or verb.lower_.startswith(PLANNING_VERBS):
        return "future"  # "will meet Monday"; "planned a demonstration on Saturday"
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxiliaries):
        return "past"
    if verb.tag_ == "VBN" and (not lowered or lowered & {"has", "have", "'s", "'ve"}):
        return "past"  # "has met", and reduced relatives: "terms announced Friday"
    if verb.tag_ == "VB" and "to" in lowered and verb.head.i != verb.i:
        governor = verb.head
        if governor.lower_.startswith(FUTURE_GOVERNORS):
            return "future"
        if not _is_verb(governor) and governor.head.i != governor.i:
            governor = governor.head  # "would be ready to leave": the adjective's verb
        return _verb_tense(governor) if _is_verb(governor) else None
    if verb.tag_ == "VBG" and lowered & {"is", "are", "'s", "'re", "am"}:
        return "future"
    return None


def _is_present(verb: Token) -> bool:
    """A finite present verb or passive ("holds", "is heard"), not a bare participle."""
    auxiliaries = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    return verb.tag_ in ("VBZ", "VBP") or bool(auxiliaries & {"is", "are", "am"})


def _tense_from_doc(doc: Doc, start: int, end: int) -> Tense:
    """The governing verb's tense (parser), else the nearest verb's tag in the sentence."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return _tense_from_text(doc.text, start, end)
    if doc.has_annotation("DEP"):
        token = span.root
        for _ in range(6):
            if _is_verb(token) and token not in span:
                tense = _verb_tense(token)
                if tense is not None or _is_present(token):
                    return tense  # a present clause ("is heard in May") has no direction
                break
            if token.head.i == token.i:
                break
            token = token.head
    sentence = (
        span.sent
        if doc.has_annotation("SENT_START")
        else doc[max(0, span.start - 15) : span.end + 15]
    )
    verbs = [t for t in sentence if t.tag_ in ("VBD", "MD") and t not in span]
    if not verbs:
        return None
    nearest = min(verbs, key=lambda t: min(abs(t.i - span.start), abs(t.i - span.end)))
    if nearest.tag_ == "VBD":
        return "past"
    return "future" if nearest.lower_ in FUTURE_AUXILIARIES else None


# ---------------------------------------------------------------------- value helpers


def _number(word: str | None) -> float | None:
    """A count in digits or words; None for vague quantities ("several", "a few")."""
    if word is None:
        return 1
    word = word.lower().strip()
    half = 0.0
    for suffix in (" 1/2", " and a half"):
        if word.endswith(suffix):
            word, half = word[: -len(suffix)], 0.5
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word) + half
    if word in SMALL_NUMBERS:
        return SMALL_NUMBERS[word] + half
    parts = re.split(r"[- ]", word)
    if len(parts) == 2 and parts[0] in SMALL_NUMBERS and parts[1] in SMALL_NUMBERS:
        return SMALL_NUMBERS[parts[0]] + SMALL_NUMBERS[parts[1]] + half
    return None


def _duration(amount: float | None, unit: str) -> str:
    """TimeML duration: ``P3D``, ``PT2H``, ``P2Y6M``, ``PXY`` (vague amount)."""
    unit = unit.lower().rstrip("s")
    code = UNIT_CODES.get(unit, "X")
    clock = "T" if unit in CLOCK_UNITS else ""
    if amount is None:
        return f"P{clock}X{code}"
    if unit in ("decade", "century", "centurie"):
        amount, code = amount * (10 if unit == "decade" else 100), "Y"  # "two decades" = P20Y
    if amount != int(amount):
        if unit == "year":
            return f"P{int(amount)}Y{round((amount % 1) * 12)}M"
        if unit == "hour":
            return f"PT{int(amount)}H{round((amount % 1) * 60)}M"
        if unit == "day":
            return f"P{int(amount)}DT{round((amount % 1) * 24)}H"
    return f"P{clock}{int(amount)}{code}"


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _add_months(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _shift(dct: dt.date, amount: float, unit: str) -> str:
    """The DCT moved by ``amount`` units, at that unit's granularity ("two weeks ago")."""
    unit = unit.lower().rstrip("s")
    whole = int(amount)
    if unit in ("day", "night"):
        return (dct + dt.timedelta(days=whole)).isoformat()
    if unit in ("week", "fortnight"):
        return _week(dct + dt.timedelta(weeks=whole * (2 if unit == "fortnight" else 1)))
    if unit == "month":
        year, month = _add_months(dct, whole)
        return f"{year}-{month:02d}"
    if unit == "quarter":
        year, month = _add_months(dct, 3 * whole)
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if unit == "year":
        return str(dct.year + whole)
    if unit == "decade":
        return str(dct.year // 10 + whole)
    if unit in ("century", "centurie"):
        return str(dct.year // 100 + whole)
    return "PAST_REF" if amount < 0 else "FUTURE_REF"


def _weekday_date(dct: dt.date, weekday: int, tense: Tense) -> dt.date:
    """The policy in the module docstring: past → at or before, future → at or after."""
    back = (dct.isoweekday() - weekday) % 7
    forward = (weekday - dct.isoweekday()) % 7
    if tense == "past":
        return dct - dt.timedelta(days=back)
    if tense == "future":
        return dct + dt.timedelta(days=forward)
    return dct - dt.timedelta(days=back) if back <= forward else dct + dt.timedelta(days=forward)


def _month_year(dct: dt.date, month: int, tense: Tense) -> int:
    """A bare month's year: last year's when a past clause names a later month, except the
    month right after the DCT's, which is usually the coming one ("until mid-November")."""
    if tense == "past" and month > dct.month + 1:
        return dct.year - 1
    if tense == "future" and month < dct.month:
        return dct.year + 1
    return dct.year


def _month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _offset_word(word: str) -> int:
    word = word.lower()
    if word in ("last", "past", "previous", "the past", "the previous", "the last"):
        return -1
    if word in ("next", "coming", "the coming", "the next", "following", "the following"):
        return 1
    return 0


# -------------------------------------------------------------------------- resolvers

Resolver = Callable[[re.Match[str], _Context], Resolved]


def _full_date(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "Saturday, April 25", "December 25, 2020", "25 December 2020", "Aug. 26"."""
    month = _month_number(match["month"])
    digits = re.match(r"\d+", match["day"])
    day = int(digits.group(0)) if digits else DAY_WORDS[match["day"].lower()]
    if match["year"]:
        year: int | None = int(match["year"])
    elif ctx.dct is not None:
        year = ctx.dct.year
        tense = ctx.tense(match.start(), match.end())
        candidate = _safe_date(year, month, day)
        if candidate and tense == "past" and (candidate - ctx.dct).days > 60:
            year -= 1
        elif candidate and tense == "future" and (ctx.dct - candidate).days > 60:
            year += 1
    else:
        year = None
    if year is None:
        return "DATE", f"XXXX-{month:02d}-{day:02d}"
    if _safe_date(year, month, day) is None:
        return None
    return "DATE", f"{year}-{month:02d}-{day:02d}"


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric_date(match: re.Match[str], ctx: _Context) -> Resolved:
    """ISO ``2020-08-21`` or US ``8/21/2020``."""
    if match["iso"]:
        year, month, day = (int(p) for p in match["iso"].split("-"))
    else:
        month, day, year = (int(p) for p in match["us"].split("/"))
        year += 1900 if year < 100 and year >= 30 else 2000 if year < 100 else 0
    if _safe_date(year, month, day) is None:
        return None
    return "DATE", f"{year}-{month:02d}-{day:02d}"


def _month_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "August 1988", "last August", "early September", "January this year"."""
    month = _month_number(match["month"])
    if match["month"] == "May" and not (match["year"] or match["rel"] or match["relyear"]):
        before = ctx.text[max(0, match.start() - 12) : match.start()].lower()
        if not re.search(
            r"\b(?:in|since|until|of|by|during|through|from|early|late|mid-?)\s*$", before
        ):
            return None
    if _is_bare_abbreviation(match):
        return None  # "Jan Kavan": a name; a month is abbreviated only beside a day or year
    if match["year"]:
        return "DATE", f"{match['year']}-{month:02d}"
    if ctx.dct is None:
        return "DATE", f"XXXX-{month:02d}"
    if match["relyear"]:
        year = ctx.dct.year + _offset_word(match["relyear"])
    elif match["rel"]:
        offset = _offset_word(match["rel"])
        if offset < 0:
            year = ctx.dct.year if month < ctx.dct.month else ctx.dct.year - 1
        elif offset > 0:
            year = ctx.dct.year if month > ctx.dct.month else ctx.dct.year + 1
        else:
            year = ctx.dct.year
    else:
        year = _month_year(ctx.dct, month, ctx.tense(match.start(), match.end()))
    return "DATE", f"{year}-{month:02d}"


def _is_bare_abbreviation(match: re.Match[str]) -> bool:
    """An abbreviated month name without its period, day or year ("Jan", "Sept")."""
    name = match["month"]
    return (
        name.lower() not in MONTHS_FULL_NAMES
        and not name.endswith(".")
        and not (match["year"] or match["relyear"])
    )


_EARLIEST_BOUND = re.compile(r"(?i:\bas (?:soon|early) as\s+)$")
"""Before a weekday, an earliest date lies ahead: "could come as early as Tuesday"."""


def _weekday_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "Friday", "last Monday", "Saturday night", "early Tuesday"."""
    weekday = WEEKDAYS[match["weekday"].lower()]
    part = match["part"]
    if ctx.dct is None:
        value = f"XXXX-WXX-{weekday}"
    else:
        rel = (match["rel"] or "").lower()
        if rel in ("last", "past"):
            tense: Tense = "past"
            anchor = ctx.dct - dt.timedelta(days=1)
        elif rel in ("next", "coming"):
            tense, anchor = "future", ctx.dct + dt.timedelta(days=1)
        elif _EARLIEST_BOUND.search(ctx.text, max(0, match.start() - 20), match.start()):
            tense, anchor = "future", ctx.dct
        else:
            tense, anchor = ctx.tense(match.start(), match.end()), ctx.dct
        value = _weekday_date(anchor, weekday, tense).isoformat()
    if part:
        return "TIME", f"{value}T{PARTS_OF_DAY[part.lower()]}"
    return "DATE", value


def _deictic_day(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "today", "yesterday", "tomorrow", "tonight", "yesterday morning", "last night"."""
    word = match["deictic"].lower()
    offsets = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "last night": -1}
    offset = offsets[word]
    value = (ctx.dct + dt.timedelta(days=offset)).isoformat() if ctx.dct else "XXXX-XX-XX"
    part = match["part"].lower() if match["part"] else None
    if word in ("tonight", "last night"):
        part = "night"
    if part:
        return "TIME", f"{value}T{PARTS_OF_DAY[part]}"
    return "DATE", value


def _this_part_of_day(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "this morning", "later this afternoon"."""
    value = ctx.dct.isoformat() if ctx.dct else "XXXX-XX-XX"
    return "TIME", f"{value}T{PARTS_OF_DAY[match['part'].lower()]}"


def _relative_period(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "last year", "this week", "next month", "earlier this year", "the coming weekend"."""
    unit = match["period"].lower()
    offset = _offset_word(match["rel"])
    if unit in SEASONS:
        year = (ctx.dct.year + offset) if ctx.dct else None
        return "DATE", f"{year if year else 'XXXX'}-{SEASONS[unit]}"
    if ctx.dct is None:
        placeholders = {
            "year": "XXXX",
            "month": "XXXX-XX",
            "week": "XXXX-WXX",
            "weekend": "XXXX-WXX-WE",
            "quarter": "XXXX-QX",
            "decade": "XXX",
            "century": "XX",
        }
        return "DATE", placeholders[unit]
    if unit == "weekend":
        return "DATE", _shift(ctx.dct, offset, "week") + "-WE"
    return "DATE", _shift(ctx.dct, offset, unit)


_BARE_UNITS = {
    f"{a} {u}"
    for a in ("a", "an")
    for u in ("year", "month", "week", "day", "hour", "minute", "second", "quarter", "decade")
}
_RATE_FREE = re.compile(
    r"\b(?:for|in|within|over|after|than|about|nearly|almost|under|of|least|only|just|"
    r"half|than|took|take|takes|lasted|last|spent|more|once|twice|times)\s+$",
    re.I,
)


def _duration_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "two weeks", "the past three months", "nearly an hour", "several years"."""
    number = match.groupdict().get("number")
    amount = None if match.groupdict().get("plural") and not number else _number(number)
    if amount is not None and amount >= 1000:
        return None  # "the 1988 quarter" is a year's quarter, not a duration
    if ctx.text.startswith(" old", match.end()):
        return None  # ages ("52 years old") are not annotated in TimeML news corpora
    if match.group(0).lower() in _BARE_UNITS and not _RATE_FREE.search(
        ctx.text, max(0, match.start() - 20), match.start()
    ):
        return None  # a rate: "$500 million a year", "four flights a week"
    return "DURATION", _duration(amount, match["unit"])


def _ago_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "two years ago", "a year earlier", "three days later" (anchored on the DCT)."""
    amount = _number(match["number"])
    direction = -1 if match["dir"].lower() in ("ago", "earlier", "before") else 1
    if amount is None or ctx.dct is None:
        return "DATE", "PAST_REF" if direction < 0 else "FUTURE_REF"
    return "DATE", _shift(ctx.dct, direction * amount, match["unit"])


def _compound_duration(match: re.Match[str], ctx: _Context) -> Resolved:
    """Hyphenated adjectives: "10-year", "two-week", "30-day", "day-long" (one unit)."""
    return "DURATION", _duration(_number(match.groupdict().get("number")), match["unit"])


def _year_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "2019", "fiscal 1989", "mid-1996", "the end of 1990"."""
    return "DATE", match["year"]


def _decade_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the 1990s" → ``199``, "the mid-1980s", "the '80s"."""
    if match["century"]:
        return "DATE", f"{match['century']}{match['decade']}"
    century = str(ctx.dct.year // 100) if ctx.dct else "19"
    return "DATE", f"{century}{match['decade2']}"


def _century_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the 20th century" → ``19``."""
    return "DATE", f"{int(match['nth']) - 1:02d}"


def _quarter_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the third quarter" → ``1989-Q3``, "first half of 1990" → ``1990-H1``."""
    ordinal = ORDINALS[match["ord"].lower()]
    kind = match["kind"].lower()
    code = f"Q{ordinal}" if kind == "quarter" else f"H{1 if ordinal == 1 else 2}"
    if match["year"] or match["owner_year"]:
        year: int | str = int(match["year"] or match["owner_year"])
    elif ctx.dct is None:
        year = "XXXX"
    else:
        owner = (match["owner"] or "").lower()
        year = ctx.dct.year + (_offset_word(owner.split()[0]) if owner.endswith("year's") else 0)
    return "DATE", f"{year}-{code}"


def _reporting_period(match: re.Match[str], ctx: _Context) -> Resolved:
    """Financial news: "the latest quarter", "the year-ago quarter" = last reported quarter."""
    if ctx.dct is None:
        return "DATE", "XXXX-QX"
    year, month = _add_months(ctx.dct, -3)
    if match.groupdict().get("ago"):
        year -= 1
    return "DATE", f"{year}-Q{(month - 1) // 3 + 1}"


_PERIOD_END = re.compile(r"\s+(?:ended|ending)\b")


def _the_year(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the year", "the full year": the current one in news ("a high for the year").
    Lower case only, so titles ("Person of the Year") stay out. "The year ended March 31"
    is an accounting period, twelve months long, not a calendar year."""
    if _PERIOD_END.match(ctx.text, match.end()):
        return "DURATION", "P1Y"
    return "DATE", str(ctx.dct.year) if ctx.dct else "XXXX"


def _reference(value: str) -> Resolver:
    def resolve(match: re.Match[str], ctx: _Context) -> Resolved:
        return "DATE", value

    return resolve


def _recent_units(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "recent weeks", "recent months": a stretch of an unknown number of units (TimeBank
    annotates them ``PXW``, ``PXM``); "recent years" stays ``PAST_REF``, as it mostly is."""
    return "DURATION", _duration(None, match["unit"])


_REFERENCE_BACK = re.compile(
    r"(?i:\b(?:(?:earlier|later)\s+)?(?P<ref>that|the same|the following)\s+"
    r"(?P<unit>day|week|month|year)\b)"
)
UNKNOWN_OF_UNIT = {"day": "XXXX-XX-XX", "week": "XXXX-WXX", "month": "XXXX-XX", "year": "XXXX"}


def _reference_back(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "that day", "later that year", "the following month": a placeholder here, anchored
    on the last date mentioned before it by ``_anchor_references``."""
    return "DATE", UNKNOWN_OF_UNIT[match["unit"].lower()]


def _set_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "daily", "each month", "every year", "annually", "every Monday"."""
    word = match.group(0).lower()
    if " " not in word and ctx.modifies_noun(match.start(), match.end()):
        return None
    if match["weekday"]:
        return "SET", f"XXXX-WXX-{WEEKDAYS[match['weekday'].lower()]}"
    for cue, unit in (
        ("dai", "day"), ("night", "day"), ("week", "week"), ("month", "month"),
        ("quarter", "quarter"), ("annual", "year"), ("year", "year"), ("hour", "hour"),
        ("day", "day"),
    ):  # fmt: skip
        if cue in word:
            return "SET", _duration(1, unit)
    return None


def _clock_time(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "10 a.m.", "5:30 p.m. EST", "noon", "midday", "midnight" on the DCT's day."""
    if match["named"]:
        clock = "24:00" if match["named"].lower() == "midnight" else "12:00"
    elif match["hour24"]:
        clock = f"{match['hour24']}:{match['minute24']}"  # "0730 GMT" (wire-service style)
    else:
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        meridiem = (match["meridiem"] or "").lower()
        if meridiem.startswith("p") and hour < 12:
            hour += 12
        elif meridiem.startswith("a") and hour == 12:
            hour = 0
        if hour > 24 or minute > 59:
            return None
        clock = f"{hour:02d}:{minute:02d}"
    day = ctx.dct.isoformat() if ctx.dct else "XXXX-XX-XX"
    return "TIME", f"{day}T{clock}"


# ------------------------------------------------------------------------------ rules

DECADE_WORDS = {
    "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
    "eighties": 8, "nineties": 9,
}  # fmt: skip
_SPOKEN_YEAR = (
    r"(?P<spoken>nineteen(?:[- ]hundred)?(?:[- ](?:and[- ])?(?:(?:twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen))|two thousand"
    r"(?:[- ](?:and[- ])?(?:one|two|three|four|five|six|seven|eight|nine|ten))?)"
)


def _spoken_year(words: str) -> int:
    """ "nineteen ninety-six" → 1996, "two thousand and one" → 2001 (broadcast transcripts)."""
    words = words.lower().replace("-", " ").replace(" and ", " ").replace(" hundred", "")
    if words.startswith("two thousand"):
        rest = words.removeprefix("two thousand").strip()
        return 2000 + int(_number(rest) or 0) if rest else 2000
    return 1900 + int(_number(words.removeprefix("nineteen").strip()) or 0)


def _spoken_year_expression(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "nineteen ninety-six" → ``1996``, "the winter of nineteen ninety-four" → ``1994-WI``."""
    year = _spoken_year(match["spoken"])
    season = match["season"]
    return "DATE", f"{year}-{SEASONS[season.lower()]}" if season else str(year)


def _decade_word(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the nineties" → ``199`` (the twentieth century's, as in the news of our corpora)."""
    return "DATE", f"19{DECADE_WORDS[match['word'].lower()]}"


def _year_period(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "the 1988 quarter": that year's twin of the last reported quarter."""
    if ctx.dct is None:
        return "DATE", match["year"]
    return "DATE", f"{match['year']}-Q{_quarter(ctx.dct) - 1 or 4}"


def _anchored_phrase(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "year-end" (DCT year), "the weekend" (this or last), "year-ago" (last year)."""
    phrase = match.group(0).lower()
    if "two thousand" in phrase:
        return "DATE", "2000"
    if ctx.dct is None:
        return "DATE", "XXXX-WXX-WE" if match["weekend"] else "XXXX"
    if match["weekend"]:
        last = ctx.tense(match.start(), match.end()) == "past" and ctx.dct.isoweekday() < 6
        return "DATE", _week(ctx.dct - dt.timedelta(weeks=1 if last else 0)) + "-WE"
    return "DATE", str(ctx.dct.year - (1 if match["ago"] else 0))


_RELATIVE = r"(?P<rel>this past|this|last|next|the coming|the past|the previous|the current|coming|past|previous|current)"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (1 = Monday) of a month; ``n = -1`` for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.isoweekday() - weekday) % 7)


HOLIDAYS: dict[str, Callable[[int], dt.date]] = {
    "christmas eve": lambda y: dt.date(y, 12, 24),
    "christmas": lambda y: dt.date(y, 12, 25),
    "new year's eve": lambda y: dt.date(y, 12, 31),
    "new year's day": lambda y: dt.date(y, 1, 1),
    "valentine's day": lambda y: dt.date(y, 2, 14),
    "independence day": lambda y: dt.date(y, 7, 4),
    "halloween": lambda y: dt.date(y, 10, 31),
    "memorial day": lambda y: _nth_weekday(y, 5, 1, -1),
    "labor day": lambda y: _nth_weekday(y, 9, 1, 1),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 4, 4),
    "election day": lambda y: _nth_weekday(y, 11, 1, 1) + dt.timedelta(days=1),
    "easter": easter,
}
"""Holidays of the (mostly US) wire-news corpora TimeML was made from, by year."""
_HOLIDAY = re.compile(
    r"\b(?P<name>Christmas Eve|Christmas|New Year's Eve|New Year's Day|Valentine's Day|"
    r"Independence Day|Halloween|Memorial Day|Labor Day|Thanksgiving|Election Day|Easter)"
    r"(?P<part> Day| Sunday| week)?\b"
)


def _holiday(match: re.Match[str], ctx: _Context) -> Resolved:
    """ "Thanksgiving Day", "Election Day", "Easter week": that day of the DCT's year, or of
    the year before (after) when a past (future) clause names one later (earlier)."""
    if ctx.dct is None:
        return None
    day_of = HOLIDAYS[match["name"].lower()]
    day = day_of(ctx.dct.year)
    # a holiday's week has begun by its Sunday-before ("as Easter week began")
    begins = day - dt.timedelta(days=7 if match["part"] == " week" else 0)
    tense = ctx.tense(match.start(), match.end())
    if tense == "past" and begins > ctx.dct:
        day = day_of(ctx.dct.year - 1)
    elif tense == "future" and day < ctx.dct:
        day = day_of(ctx.dct.year + 1)
    if match["part"] == " week":
        return "DATE", _week(day)
    return "DATE", day.isoformat()


RULES: Sequence[tuple[re.Pattern[str], Resolver]] = (
    (_HOLIDAY, _holiday),
    # Function words match in any case, (?i:…); month and weekday names only capitalised,
    # since "may", "march" and "sun" are common words. Order breaks ties of equal length.
    (
        re.compile(rf"(?:{_WEEKDAY},?\s+)?(?:(?i:{_PREFIX}))?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
        _full_date,
    ),
    (re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?"), _full_date),
    (
        re.compile(
            r"\b(?:(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)|(?P<us>[01]?\d/[0-3]?\d/(?:\d\d){1,2}))\b"
        ),
        _numeric_date,
    ),
    (
        re.compile(
            rf"(?i:(?:{_PREFIX}|(?P<rel>last|next|this|the coming|coming)\s+))?{_MONTH}"
            rf"(?:,?\s+(?:of\s+)?{_YEAR}|\s+(?i:(?P<relyear>this|last|next)\s+year))?"
        ),
        _month_expression,
    ),
    (
        re.compile(
            rf"(?i:(?P<rel>last|next|this|coming|past|early|late|earlier|later)\s+)?{_WEEKDAY}"
            r"(?:\s+(?i:(?P<part>morning|afternoon|evening|night)))?"
        ),
        _weekday_expression,
    ),
    (
        re.compile(
            r"(?i:\b(?:(?:early|late|earlier|later)\s+)?(?P<deictic>today|tonight|yesterday|tomorrow|"
            r"last night)\b(?:\s+(?P<part>morning|afternoon|evening|night)\b)?)"
        ),
        _deictic_day,
    ),
    (
        re.compile(
            r"(?i:\b(?:(?:early|late|earlier|later)\s+)?this\s+(?P<part>morning|afternoon|evening)\b)"
        ),
        _this_part_of_day,
    ),
    (
        re.compile(
            rf"(?i:\b(?:(?:early|late|earlier|later|the end of|the beginning of|the middle of|"
            rf"the start of|the rest of|the remainder of)\s+)?{_RELATIVE}\s+"
            r"(?:fiscal\s+)?(?P<period>year|month|week|weekend|quarter|decade|century|spring|summer|fall|"
            r"autumn|winter)\b)"
        ),
        _relative_period,
    ),
    (
        re.compile(
            rf"(?i:\b{_MODIFIER}?{_SPAN_ADJECTIVE}{_MODIFIER}?{_NUMBER}\s+"
            rf"(?:(?:more|additional|full|straight|consecutive|long)\s+)?{_UNIT}s?"
            r"(?:\s+or\s+so)?\s+(?P<dir>ago|earlier|before|later|from now|hence)\b)"
        ),
        _ago_expression,
    ),
    (
        re.compile(
            rf"(?i:\b{_MODIFIER}?{_SPAN_ADJECTIVE}{_MODIFIER}?{_NUMBER}\s+"
            rf"(?:(?:more|additional|full|straight|consecutive|long|previous|trading|business|"
            rf"working|calendar)\s+)?{_UNIT}s?\b)"
        ),
        _duration_expression,
    ),
    (
        re.compile(
            rf"(?i:\b{_MODIFIER}?(?:the\s+)(?:past|last|next|coming|previous|first)\s+"
            r"(?P<number>few\s+)?(?P<unit>day|week|month|year|decade|centur(?:y|ie)|hour|minute)(?P<plural>s)?\b)"
        ),
        _duration_expression,
    ),
    (
        re.compile(rf"(?i:\b(?P<number>\d+|{_WORD_NUMBER}|several|many)-{_UNIT}\b(?!-old))"),
        _compound_duration,
    ),
    (re.compile(r"(?i:\b(?P<unit>hour|day|week|month|year)-?long\b)"), _compound_duration),
    (
        re.compile(
            rf"(?i:(?:(?:{_PREFIX}|(?:fiscal|calendar|the year|model year|mid)(?:\s+year)?[\s-]+)))?"
            rf"{_YEAR}"
        ),
        _year_expression,
    ),
    (
        re.compile(
            r"(?i:(?:the\s+)?(?:(?:early|mid|late)[\s-]*)?)(?:(?P<century>1[5-9]|20)(?P<decade>\d)0|"
            r"'(?P<decade2>\d)0)'?s\b"
        ),
        _decade_expression,
    ),
    (
        re.compile(r"(?i:(?:the\s+)?(?P<nth>\d{1,2})(?:st|nd|rd|th)\s+century)\b"),
        _century_expression,
    ),
    (
        re.compile(
            r"(?i:\b(?:(?P<owner>the(?=\s+\w+\s)|this year's|last year's|next year's)\s+)?"
            r"(?:(?P<owner_year>(?:19|20)\d\d)\s+)?(?:(?:fiscal|calendar)[\s-]+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)"
            r"[\s-]+(?P<kind>quarter|half)\b)"
            rf"(?:\s+(?:of\s+)?(?:fiscal\s+)?{_YEAR})?"
        ),
        _quarter_expression,
    ),
    (
        re.compile(
            r"(?i:\b(?:the\s+)?(?:(?:latest|most recent|just-ended|just-completed|recent|"
            r"(?P<ago>year-ago|year-earlier|year-before))\s+)(?:fiscal\s+)?(?:quarter|period)\b)"
        ),
        _reporting_period,
    ),
    (re.compile(r"(?i:\bthe\s+(?:fiscal\s+)?quarter\b)(?![-\w])"), _reporting_period),
    (re.compile(r"\b[Tt]he\s+(?:full\s+|fiscal\s+|calendar\s+)?year\b(?![-\w])"), _the_year),
    (
        re.compile(rf"(?i:\bthe\s+){_YEAR}(?i:\s+(?:fiscal\s+)?(?:quarter|period))\b"),
        _year_period,
    ),
    (
        re.compile(
            r"(?i:\b(?:now|currently|current|presently|nowadays|at present|at the moment|"
            r"these days|right now|for now)\b)"
        ),
        _reference("PRESENT_REF"),
    ),
    (
        re.compile(r"(?i:\b(?:recently|lately|formerly|the past|recent (?:years|decades))\b)"),
        _reference("PAST_REF"),
    ),
    (re.compile(r"(?i:\brecent\s+(?P<unit>day|week|month)s\b)"), _recent_units),
    (_REFERENCE_BACK, _reference_back),
    (
        re.compile(
            r"(?i:\b(?:the future|the near future|the coming years|the years ahead|"
            r"as soon as possible|coming (?:months|years|weeks|days))\b)"
        ),
        _reference("FUTURE_REF"),
    ),
    (
        re.compile(
            r"(?i:\b(?:nightly|weekly|monthly|yearly|hourly|"
            r"(?:each|every|per)\s+(?:day|night|week|month|quarter|year|hour)|"
            r"(?:a|per)\s+(?:year|month|week|day)(?=\s*(?:[,.;]|$))))\b|"
            rf"(?i:every|each)\s+{_WEEKDAY}"
        ),
        _set_expression,
    ),
    (
        re.compile(
            r"(?i:\b(?:(?P<hour>[01]?\d|2[0-4])(?::(?P<minute>[0-5]\d))?\s*"
            r"(?P<meridiem>a\.m\.|p\.m\.|a\.m\b|p\.m\b|am\b|pm\b)|(?P<named>noon|midday|midnight)\b|"
            r"(?P<hour24>[01]\d|2[0-3])(?P<minute24>[0-5]\d)(?=\s+(?:GMT|UTC|local time)\b))"
            r"(?:\s+(?:EST|EDT|PST|PDT|CST|CDT|GMT|UTC|local time)\b)?)"
        ),
        _clock_time,
    ),
    (
        re.compile(
            r"(?i:(?<=\bfor )|(?<=\bwithin )|(?<=\bin )|(?<=\bover ))(?P<unit>hour|day|week|"
            r"month|year|decade|centurie)(?P<plural>s)\b(?! (?:ago|later|earlier|of|old|before))"
        ),
        _duration_expression,
    ),
    (
        re.compile(
            r"(?i:\b(?:the\s+)?(?:(?:early|mid|late)[\s-]*)?(?P<word>twenties|thirties|"
            r"forties|fifties|sixties|seventies|eighties|nineties)\b)"
        ),
        _decade_word,
    ),
    (
        re.compile(
            r"(?i:\b(?P<ago>year-ago|year-earlier)|\b(?:the\s+)?(?:(?:year|year's)[- ]end|"
            r"end of the year|(?<!\ba )(?P<weekend>weekend)|year two thousand)\b)"
        ),
        _anchored_phrase,
    ),
    (
        re.compile(
            rf"(?i:\b(?:the\s+)?(?P<season>winter|summer|spring|fall|autumn)\s+of\s+)?"
            rf"(?i:{_SPOKEN_YEAR})\b"
        ),
        _spoken_year_expression,
    ),
)

_MERGE_GAP = re.compile(r"(?:\s+|,\s+|\s+on\s+)")
_DAY_VALUE = re.compile(r"^(?:\d{4}|XXXX)-\d\d-\d\d$")


_UNIT_WORD = re.compile(
    r"(?i:second|minute|hour|day|week|fortnight|month|year|decade|centur|quarter)"
)
_MONTH_WORD = re.compile(r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_YEAR_WORD = re.compile(r"(?:1[6-9]|20)\d\d")
WINDOW_BEFORE, WINDOW_AFTER = 80, 40
"""How far a rule's match may reach before and after the word it needs."""
NEEDED_WORDS: dict[Resolver, re.Pattern[str]] = {
    _duration_expression: _UNIT_WORD,
    _ago_expression: _UNIT_WORD,
    _compound_duration: _UNIT_WORD,
    _full_date: _MONTH_WORD,
    _month_expression: _MONTH_WORD,
    _year_expression: _YEAR_WORD,
}
"""Resolvers whose rules always contain one of these words: their (slow, prefix-heavy)
patterns run only in windows around the words, which halves the recogniser's time."""


def _windows(text: str, needed: re.Pattern[str] | None) -> list[tuple[int, int]]:
    if needed is None:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for word in needed.finditer(text):
        start, end = max(0, word.start() - WINDOW_BEFORE), word.end() + WINDOW_AFTER
        space = text.find(" ", end)  # a window never ends inside a word ("\b" would match)
        end = len(text) if space < 0 else space
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _matches(pattern: re.Pattern[str], resolve: Resolver, text: str) -> list[re.Match[str]]:
    return [
        match
        for start, end in _windows(text, NEEDED_WORDS.get(resolve))
        for match in pattern.finditer(text, start, end)
    ]


_TITLE_CASE_UNIT = re.compile(
    r"\s(?:Second|Minute|Hour|Day|Week|Weekend|Month|Quarter|Year|Decade|Century)s?\b"
)
TITLE_SENSITIVE: frozenset[Resolver] = frozenset(
    (_duration_expression, _ago_expression, _compound_duration, _relative_period)
)
"""Resolvers whose matches are titles when a unit after the first word is capitalised
("60 Minutes", ABC's "This Week"); holidays ("Election Day") are not among them."""


def _candidates(ctx: _Context) -> list[Timex]:
    found: list[Timex] = []
    for pattern, resolve in RULES:
        for match in _matches(pattern, resolve, ctx.text):
            if match.end() == match.start():
                continue
            if resolve in TITLE_SENSITIVE and _TITLE_CASE_UNIT.search(match.group(0)):
                continue
            resolved = resolve(match, ctx)
            if resolved is None:
                continue
            start, end = match.span()
            found.append(Timex(start, end, ctx.text[start:end], *resolved))
    return found


def _longest_first(candidates: list[Timex]) -> list[Timex]:
    """Non-overlapping candidates, preferring the longer (then the earlier) match."""
    chosen: list[Timex] = []
    taken: list[tuple[int, int]] = []
    for timex in sorted(candidates, key=lambda t: (t.start - t.end, t.start)):
        if all(timex.end <= s or timex.start >= e for s, e in taken):
            chosen.append(timex)
            taken.append((timex.start, timex.end))
    return sorted(chosen, key=lambda t: t.start)


def _merge_clock_and_day(text: str, timexes: list[Timex]) -> list[Timex]:
    """ "5 p.m. EST Nov. 9", "noon Saturday": a clock time beside a day becomes one TIME."""
    merged: list[Timex] = []
    for timex in timexes:
        previous = merged[-1] if merged else None
        if previous is not None and _MERGE_GAP.fullmatch(text[previous.end : timex.start]):
            pair = (previous, timex) if previous.type == "TIME" else (timex, previous)
            clock, day = pair
            if (
                clock.type == "TIME"
                and "T" in clock.value
                and "T" not in day.value
                and _DAY_VALUE.match(day.value)
            ):
                value = f"{day.value}T{clock.value.split('T', 1)[1]}"
                merged[-1] = Timex(
                    previous.start, timex.end, text[previous.start : timex.end], "TIME", value
                )
                continue
        merged.append(timex)
    return merged


_YEAR_BEFORE = re.compile(r"(?i:an?|one) year (?:ago|earlier|before)|year-(?:ago|earlier)")
_QUARTER_VALUE = re.compile(r"^(\d{4})-(Q[1-4]|H[12])$")
QUARTER_CONTEXT = 600
"""Characters before "a year ago" in which a named quarter makes it that quarter's twin."""


def _year_ago_quarters(timexes: list[Timex]) -> list[Timex]:
    """Earnings news compares a quarter with the same quarter "a year ago": after "the third
    quarter" (1989-Q3), "a year earlier" is 1988-Q3, not just 1988."""
    resolved: list[Timex] = []
    quarters: list[Timex] = []
    for timex in timexes:
        if _QUARTER_VALUE.match(timex.value) and not _YEAR_BEFORE.fullmatch(timex.text):
            quarters.append(timex)
        elif _YEAR_BEFORE.fullmatch(timex.text) and timex.value[:4].isdigit():
            recent = [t for t in quarters if timex.start - t.end < QUARTER_CONTEXT]
            if recent:
                year, period = _QUARTER_VALUE.match(recent[-1].value).groups()  # type: ignore[union-attr]
                timex = Timex(
                    timex.start, timex.end, timex.text, "DATE", f"{int(year) - 1}-{period}"
                )
        resolved.append(timex)
    return resolved


_SPECIFIC_DATE = re.compile(r"^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?(?=$|T)")
REFERENCE_CONTEXT = 1000
"""Characters before "that day" in which its antecedent date must lie."""


def _antecedent(timexes: list[Timex], before: Timex, unit: str) -> dt.date | None:
    """The last calendar date before ``before`` precise enough for ``unit`` (its first day
    when it is a month or year)."""
    needed = {"year": 1, "month": 2, "week": 3, "day": 3}[unit]
    for timex in reversed(timexes):
        if timex.end > before.start or before.start - timex.end > REFERENCE_CONTEXT:
            continue
        parts = _SPECIFIC_DATE.match(timex.value)
        if parts is None or timex.type not in ("DATE", "TIME"):
            continue
        numbers = [int(p) for p in parts.groups() if p is not None]
        if len(numbers) >= needed:
            month, day = [*numbers[1:], 1, 1][:2]
            return _safe_date(numbers[0], month, day)
    return None


def _unit_value(day: dt.date, unit: str, step: int) -> str:
    """The TimeML value of the ``unit`` containing ``day``, moved ``step`` units on."""
    if unit == "day":
        return (day + dt.timedelta(days=step)).isoformat()
    if unit == "week":
        return _week(day + dt.timedelta(weeks=step))
    if unit == "month":
        year, month = _add_months(day, step)
        return f"{year}-{month:02d}"
    return str(day.year + step)


def _anchor_references(timexes: list[Timex]) -> list[Timex]:
    """Resolve "that day", "later that year", "the following month" on their antecedent;
    drop them when the text names none (generic "that day" in a quote)."""
    anchored: list[Timex] = []
    for timex in timexes:
        match = _REFERENCE_BACK.fullmatch(timex.text)
        if match is None:
            anchored.append(timex)
            continue
        unit = match["unit"].lower()
        day = _antecedent(timexes, timex, unit)
        if day is None:
            continue
        step = 1 if match["ref"].lower() == "the following" else 0
        value = _unit_value(day, unit, step)
        anchored.append(Timex(timex.start, timex.end, timex.text, "DATE", value))
    return anchored


def find_timexes(text: str, dct: dt.date | None, doc: Doc | None = None) -> list[Timex]:
    """Every time expression of ``text``, normalised against ``dct`` (see module docstring).

    ``doc`` (a spaCy parse of ``text``) sharpens the tense used to anchor bare weekdays
    and months; without it, cue words in the sentence decide.
    """
    ctx = _Context(text, dct, doc)
    timexes = _merge_clock_and_day(text, _longest_first(_candidates(ctx)))
    return _anchor_references(_year_ago_quarters(timexes))


def publication_date(article: StoredArticle) -> dt.date | None:
    """The article's DCT: its publication day, when known to the day."""
    published = article.published
    if published is None or published.precision not in ("day", "minute", "second"):
        return None
    try:
        return dt.date.fromisoformat(published.value[:10])
    except ValueError:
        return None


@register
class TimeStage:
    """TIMEX3 annotations (``kind="timex"``, label DATE/TIME/DURATION/SET, data text/value)
    of English (or unidentified) articles: the patterns and the parse are English."""

    spec = StageSpec(
        name="time",
        version="1.0",
        requires=("language",),
        assigns=("timex",),
        spacy_pipes=("tagger", "parser"),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        return batch.map_english(self.annotate)

    @staticmethod
    def annotate(article: StoredArticle, doc: Doc) -> StageOutput:
        timexes = find_timexes(article.text, publication_date(article), doc)
        return StageOutput(
            article.id,
            tuple(
                Annotation("timex", t.start, t.end, t.type, data={"text": t.text, "value": t.value})
                for t in timexes
            ),
        )
