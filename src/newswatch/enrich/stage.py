"""Enrichment stages: named components that declare what they read and write.

As spaCy components declare ``requires``/``assigns``, every stage here has a
``StageSpec``: its name, version, the stages it needs first, the annotation kinds and
article fields it writes, and the spaCy pipes it needs. Stages register themselves by
name in ``STAGES`` (``@register``), and the runner picks them by name, not by ``if``.

A stage's *fingerprint* is its ``name@version`` plus the fingerprints of the stages it
requires, so bumping a stage's version re-runs it and everything downstream of it, and
nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from newswatch.errors import EnrichError
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.tokens import Doc


AnnotationsProvider = Callable[[Sequence[int], Sequence[str]], dict[int, list[Annotation]]]


@dataclass(frozen=True)
class StageSpec:
    name: str
    version: str
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    """Annotation kinds this stage writes (its previous ones are replaced)."""
    fields: tuple[str, ...] = ()
    """Article columns this stage may set."""
    spacy_pipes: tuple[str, ...] = ()
    """spaCy pipes whose output the stage reads from ``Batch.docs``."""


@dataclass
class Batch:
    """Articles handed to a stage, with spaCy docs computed once and shared by stages."""

    articles: Sequence[StoredArticle]
    docs_provider: Callable[[Sequence[StoredArticle]], dict[int, Doc]] | None = None
    _docs: dict[int, Doc] = field(default_factory=dict)
    annotations_provider: AnnotationsProvider | None = None
    """Reads what earlier stages stored (they are saved before later stages run)."""

    def annotations(self, kinds: Sequence[str]) -> dict[int, list[Annotation]]:
        """Each article's stored annotations of ``kinds``, from the stages it requires."""
        if self.annotations_provider is None:
            return {a.id: [] for a in self.articles}
        found = self.annotations_provider([a.id for a in self.articles], kinds)
        return {a.id: found.get(a.id, []) for a in self.articles}

    def docs(self) -> list[Doc]:
        """One spaCy ``Doc`` per article, in order (parsed on first use, then cached)."""
        missing = [a for a in self.articles if a.id not in self._docs]
        if missing:
            if self.docs_provider is None:
                raise EnrichError("this stage needs spaCy docs but no spaCy model is loaded")
            self._docs.update(self.docs_provider(missing))
        return [self._docs[a.id] for a in self.articles]

    def english_docs(self) -> dict[int, Doc]:
        """Docs of the English (or unidentified) articles by id: the model is English."""
        english = self.subset({a.id for a in self.articles if a.language in (None, "en")})
        return dict(zip((a.id for a in english.articles), english.docs(), strict=True))

    def map_english(
        self, annotate: Callable[[StoredArticle, Doc], StageOutput]
    ) -> list[StageOutput]:
        """``annotate`` every English (or unidentified) article with its doc; the others
        get an empty output, which records that the stage has seen them."""
        docs = self.english_docs()
        return [
            annotate(article, docs[article.id]) if article.id in docs else StageOutput(article.id)
            for article in self.articles
        ]

    def subset(self, ids: set[int]) -> Batch:
        return Batch(
            [a for a in self.articles if a.id in ids],
            self.docs_provider,
            self._docs,
            self.annotations_provider,
        )


class Stage(Protocol):
    spec: StageSpec

    def process(self, batch: Batch) -> list[StageOutput]:
        """Annotations and field values for every article of ``batch``."""
        ...


STAGES: dict[str, Callable[[], Stage]] = {}


def register(factory: Callable[[], Stage]) -> Callable[[], Stage]:
    """Register a stage class (its ``spec.name`` is the registry key)."""
    spec: StageSpec = factory.spec  # type: ignore[attr-defined]
    STAGES[spec.name] = factory
    return factory


def resolve(names: Sequence[str] | None) -> list[StageSpec]:
    """The named stages (all when ``names`` is empty) and their prerequisites, in order."""
    specs = {name: factory.spec for name, factory in STAGES.items()}  # type: ignore[attr-defined]
    wanted = list(names) if names else list(specs)
    for name in wanted:
        if name not in specs:
            raise EnrichError(f"unknown stage {name!r}; stages are: {', '.join(specs)}")
    ordered: list[StageSpec] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise EnrichError(f"stage dependency cycle: {' → '.join((*path, name))}")
        if any(s.name == name for s in ordered):
            return
        for requirement in specs[name].requires:
            visit(requirement, (*path, name))
        ordered.append(specs[name])

    for name in wanted:
        visit(name, ())
    return ordered


def fingerprint(name: str) -> str:
    """``name@version`` followed by the fingerprints of its requirements."""
    spec: StageSpec = STAGES[name].spec  # type: ignore[attr-defined]
    upstream = ";".join(fingerprint(r) for r in sorted(spec.requires))
    return f"{spec.name}@{spec.version}" + (f"[{upstream}]" if upstream else "")
