"""Full-text search: one query language, rendered for each backend's engine.

The query language (the same on every backend)::

    cpec gwadar              both words (implicit AND)
    "economic corridor"      the exact phrase
    cpec OR corridor         either
    cpec NOT debt, cpec -debt   without the word
    corrid*                  prefix
    (cpec OR corridor) AND (debt OR loan)

Words are matched after the backend's stemming (Porter on SQLite, Snowball English on
PostgreSQL), case-insensitively; a hyphenated word ("China-Pakistan") is the phrase of
its parts. A query needs at least one word that is not negated, on every backend.
``parse_query`` builds a small syntax tree; ``render_fts5`` writes it as an SQLite
FTS5 MATCH expression, ``render_tsquery`` as a PostgreSQL ``tsquery`` expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

from sqlalchemy import func, literal_column

from newswatch.errors import QuerySyntaxError

TEXT_SEARCH_CONFIG: Any = literal_column("'english'::regconfig")
"""PostgreSQL's text search configuration of the ``article.search_vector`` column."""

_TOKEN = re.compile(r'\(|\)|"[^"]*"?|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # its letters-and-digits runs, as FTS5 tokenises them
    prefix: bool = False
    text: str = ""  # as typed, without quotes or ``*``, for PostgreSQL's own parser


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    part: Node


Node = Term | And | Or | Not
_WORD = re.compile(r"\w+")


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _TOKEN.findall(query)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query: give at least one word")
        node = self.parse_or()
        if self.peek() is not None:
            raise QuerySyntaxError(f"unexpected {self.peek()!r} in query {self.query!r}")
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def parse_and(self) -> Node:
        parts = [self.parse_unary()]
        while (token := self.peek()) is not None and token not in (")", "OR"):
            if token == "AND":
                self.take()
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError(f"query {self.query!r} ends where a word was expected")
        if token == "NOT":
            self.take()
            return Not(self.parse_unary())
        if token.startswith("-") and len(token) > 1:
            self.tokens[self.pos] = token[1:]
            return Not(self.parse_unary())
        if token == "(":
            self.take()
            node = self.parse_or()
            if self.peek() != ")":
                raise QuerySyntaxError(f"unbalanced parenthesis in query {self.query!r}")
            self.take()
            return node
        if token in _OPERATORS or token == ")":
            raise QuerySyntaxError(f"{token!r} needs a word before and after it in {self.query!r}")
        self.take()
        if token.startswith('"'):
            if len(token) < 2 or not token.endswith('"'):
                raise QuerySyntaxError(f"unclosed quotation mark in query {self.query!r}")
            words = tuple(_WORD.findall(token[1:-1]))
            if not words:
                raise QuerySyntaxError(f"empty phrase in query {self.query!r}")
            return Term(words, text=token[1:-1])
        prefix = token.endswith("*")
        words = tuple(_WORD.findall(token.rstrip("*")))
        if not words:
            raise QuerySyntaxError(f"{token!r} has no letters or digits to search for")
        return Term(words, prefix, token.rstrip("*"))


def parse_query(query: str) -> Node:
    """Parse the newswatch query language; raises ``QuerySyntaxError`` with the reason.

    A negation may only take words away from an AND that has positive words: a query
    like ``NOT debt`` or ``cpec OR -debt`` asks for nearly everything and no index can
    answer it."""
    node = _Parser(query).parse()
    _check_negations(node)
    return node


def _check_negations(node: Node) -> None:
    if isinstance(node, Not):
        raise QuerySyntaxError("a query needs at least one word that is not negated")
    if isinstance(node, Or):
        for part in node.parts:
            _check_negations(part)
    if isinstance(node, And):
        positive = [p for p in node.parts if not isinstance(p, Not)]
        if not positive:
            raise QuerySyntaxError("a query needs at least one word that is not negated")
        for part in positive:
            _check_negations(part)
        for part in node.parts:
            if isinstance(part, Not):
                _check_negations(part.part)


def _split(node: And) -> tuple[list[Node], list[Node]]:
    """The positive parts of an AND, and the parts it negates."""
    positive: list[Node] = [p for p in node.parts if not isinstance(p, Not)]
    negative: list[Node] = [p.part for p in node.parts if isinstance(p, Not)]
    return positive, negative


def render_fts5(node: Node) -> str:
    """An SQLite FTS5 MATCH expression for a parsed query.

    FTS5's NOT is binary (``a NOT b``), so negated parts of an AND are moved after its
    positive parts."""
    if isinstance(node, Term):
        phrase = '"' + " ".join(node.words) + '"'
        return phrase + "*" if node.prefix else phrase
    if isinstance(node, Or):
        return "(" + " OR ".join(render_fts5(p) for p in node.parts) + ")"
    assert isinstance(node, And), "parse_query lets no negation stand alone"
    positive, negative = _split(node)
    text = "(" + " AND ".join(render_fts5(p) for p in positive) + ")"
    for part in negative:
        text += " NOT " + render_fts5(part)
    return text


def render_tsquery(node: Node) -> Any:
    """A PostgreSQL ``tsquery`` expression for a parsed query.

    Each term, as typed, is parsed by PostgreSQL's own parser (``phraseto_tsquery``), the
    one that indexed the text, so tokens it keeps whole ("3.5", "dawn.com") match; a
    prefix is ``to_tsquery`` with ``:*``. The terms are combined with tsquery's own AND,
    OR and NOT (``&&``, ``||``, ``!!``); words are bound parameters, never spliced into
    SQL."""
    if isinstance(node, Term):
        if node.prefix:
            pieces = [*node.words[:-1], node.words[-1] + ":*"]
            return func.to_tsquery(TEXT_SEARCH_CONFIG, " <-> ".join(pieces))
        return func.phraseto_tsquery(TEXT_SEARCH_CONFIG, node.text or " ".join(node.words))
    if isinstance(node, Or):
        return reduce(lambda a, b: a.op("||")(b), [render_tsquery(p) for p in node.parts])
    assert isinstance(node, And), "parse_query lets no negation stand alone"
    positive, negative = _split(node)
    query = reduce(lambda a, b: a.op("&&")(b), [render_tsquery(p) for p in positive])
    for part in negative:
        query = query.op("&&")(func.tsquery_not(render_tsquery(part)))
    return query
