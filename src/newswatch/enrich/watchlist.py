"""The watchlist: topics a desk follows, each with the words that mention it.

A YAML list; each topic has a ``name``, ``aliases`` (phrases matched as whole words,
ignoring case, except all-capital acronyms such as "CPEC", matched exactly) and
optional ``patterns`` (regular expressions, matched ignoring case)::

    - name: CPEC
      aliases: [CPEC, China-Pakistan Economic Corridor, the corridor]
    - name: Gwadar
      aliases: [Gwadar, Gwadar port]
      patterns: ['Gwadar\\s+(?:deep[- ]sea\\s+)?port']

The bundled ``watchlist.yaml`` follows CPEC coverage; ``NEWSWATCH_WATCHLIST`` (or
``--watchlist``) points at a desk's own file. Stages that read it (tone, claims) put a
digest of the file in their version, so editing it re-runs them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from newswatch.config import Settings
from newswatch.errors import ConfigError


@dataclass(frozen=True)
class Topic:
    name: str
    pattern: re.Pattern[str]
    """One expression matching any alias or pattern of the topic."""


@dataclass(frozen=True)
class TopicMention:
    topic: str
    start: int
    end: int


def watchlist_path() -> Path | None:
    """The desk's watchlist (``NEWSWATCH_WATCHLIST``), or ``None`` for the bundled one."""
    value = Settings().watchlist
    return Path(value) if value else None


def topic_key(name: str) -> str:
    """The key of a topic's annotations, beside entity keys such as ``PERSON:xi jinping``."""
    return f"TOPIC:{name.casefold()}"


def watchlist_text(path: Path | None = None) -> str:
    """The YAML of ``path``, or of the bundled watchlist."""
    if path is None:
        return resources.files("newswatch.enrich").joinpath("watchlist.yaml").read_text("utf-8")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read the watchlist {path}: {err.strerror or err}") from err


def watchlist_digest(path: Path | None = None) -> str:
    return hashlib.sha256(watchlist_text(path).encode()).hexdigest()[:8]


@cache
def load_watchlist(path: Path | None = None) -> tuple[Topic, ...]:
    """The topics of the watchlist at ``path`` (the bundled one when ``None``)."""
    where = path or "the bundled watchlist"
    try:
        entries = yaml.safe_load(watchlist_text(path)) or []
    except yaml.YAMLError as err:
        raise ConfigError(f"{where} is not valid YAML: {err}") from err
    if not isinstance(entries, list):
        raise ConfigError(f"{where} must be a list of topics (- name: …, aliases: […])")
    return tuple(_topic(entry, number, where) for number, entry in enumerate(entries, 1))


def _topic(entry: object, number: int, where: object) -> Topic:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ConfigError(f"{where}: topic {number} needs a name")
    name = entry["name"]
    aliases, patterns = entry.get("aliases") or [], entry.get("patterns") or []
    if not all(isinstance(a, str) and a.strip() for a in [*aliases, *patterns]):
        raise ConfigError(f"{where}: topic {name!r}: aliases and patterns must be lists of text")
    if not aliases and not patterns:
        raise ConfigError(f"{where}: topic {name!r} has no aliases or patterns")
    parts = [_alias_expression(a) for a in aliases]
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as err:
            raise ConfigError(f"{where}: topic {name!r}: bad pattern {pattern!r}: {err}") from err
        parts.append(f"(?i:{pattern})")
    # Longer alternatives first, so "Gwadar port" wins over "Gwadar".
    parts.sort(key=len, reverse=True)
    return Topic(name, re.compile("|".join(parts)))


def _alias_expression(alias: str) -> str:
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", alias.strip()))
    acronym = alias.isupper() and len(alias) > 1
    return rf"\b{words}\b" if acronym else rf"(?i:\b{words}\b)"


def find_topics(text: str, topics: tuple[Topic, ...]) -> list[TopicMention]:
    """Every mention of a topic in ``text``; where two overlap, the earlier, longer one."""
    found = sorted(
        (
            TopicMention(t.name, m.start(), m.end())
            for t in topics
            for m in t.pattern.finditer(text)
        ),
        key=lambda m: (m.start, -(m.end - m.start)),
    )
    kept: list[TopicMention] = []
    for mention in found:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept
