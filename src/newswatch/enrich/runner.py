"""Run enrichment stages over the articles that need them.

An article needs a stage when the store holds no run of that stage for it with the
stage's current fingerprint (new article, new stage version, or a re-run upstream
stage). Work goes in batches of ``Settings.enrich_batch`` articles: each batch is
parsed by spaCy once (``nlp.pipe``) for all stages that need it, and each stage's
results for the batch are saved in one transaction, so an interrupted run loses at
most one batch and ``enrich`` resumes where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

# Importing the stage modules registers their stages.
from newswatch.enrich import (  # noqa: F401
    claims,
    entities,
    events,
    language,
    linguistic,
    metadata,
    quotes,
    techniques,
    timex,
    tone,
    topics,
)
from newswatch.enrich.stage import STAGES, Batch, fingerprint, resolve
from newswatch.errors import EnrichError
from newswatch.store.database import ArticleFilter, Store

ProgressCallback = Callable[[int, int], None]


class Enricher:
    """The stages asked for and their prerequisites, loaded once, run batch by batch.

    ``force`` re-runs the *named* stages on every article of every batch (prerequisites
    still run only where they are missing). Batches are independent: each one runs
    every stage in dependency order and saves each stage's results in one transaction,
    so batches may run in any order, in several processes or on several machines.
    """

    def __init__(self, stages: Sequence[str] | None = None, *, force: bool = False) -> None:
        self.specs = resolve(stages)
        self.forced = set(stages or ()) if force else set()
        self.instances = {spec.name: STAGES[spec.name]() for spec in self.specs}
        self.prints = {spec.name: fingerprint(spec.name) for spec in self.specs}
        self.provider = linguistic.docs_provider({p for s in self.specs for p in s.spacy_pipes})

    def run(self, store: Store, ids: Sequence[int]) -> Counter[str]:
        """Enrich the articles ``ids`` where needed; the number processed per stage."""
        done: Counter[str] = Counter()
        docs_cache: dict[int, Any] = {}
        for spec in self.specs:
            if spec.name in self.forced:
                todo = set(ids)
            else:
                have = store.stage_fingerprints(spec.name, ids)
                todo = {i for i in ids if have.get(i) != self.prints[spec.name]}
            if not todo:
                continue
            articles = list(store.iter_articles(ArticleFilter(ids=tuple(sorted(todo)))))
            batch = Batch(articles, self.provider, docs_cache, store.annotations_of)
            try:
                outputs = self.instances[spec.name].process(batch)
            except EnrichError:
                raise
            except Exception as err:  # a model or library failure: name what failed
                ids_text = ", ".join(str(a.id) for a in articles[:10])
                raise EnrichError(
                    f"stage {spec.name} failed on articles {ids_text}"
                    f"{' …' if len(articles) > 10 else ''}: {err.__class__.__name__}: {err}; "
                    "earlier batches are saved, rerun `newswatch enrich` after fixing it"
                ) from err
            store.save_stage(spec.name, self.prints[spec.name], outputs, spec.fields)
            done[spec.name] += len(outputs)
        return done


def enrich(
    store: Store,
    stages: Sequence[str] | None = None,
    *,
    force: bool = False,
    batch_size: int = 64,
    ids: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> Counter[str]:
    """Run ``stages`` (all registered ones when empty) and their prerequisites, in this
    process. Returns the number of articles processed per stage (see ``Enricher``)."""
    enricher = Enricher(stages, force=force)
    all_ids = ids if ids is not None else store.current_ids()
    done: Counter[str] = Counter()
    for start in range(0, len(all_ids), batch_size):
        done += enricher.run(store, list(all_ids[start : start + batch_size]))
        if progress:
            progress(min(start + batch_size, len(all_ids)), len(all_ids))
    return done
