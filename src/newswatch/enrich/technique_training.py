"""Training the persuasion-technique model (``newswatch train techniques``).

The frozen part of the encoder (embeddings and the lower layers) never changes, so its
output for every window of the training articles is computed once (``prepare``) and
reused by every epoch and every cross-validation fold; each training step then runs only
the top ``TRAINED_LAYERS`` layers and the two heads, forward and backward. Loss is the
tagger's cross-entropy over word pieces plus the classifier's over the gold spans of the
batch. Training is seeded and runs on the CPU with the runtime dependencies only.

The ensemble's members differ only in their seed. ``Members`` trains them side by side
in worker processes (one per core, each preparing the articles once and using its share
of the cores), which on a small machine is faster than one member after another with
all cores each.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np

from newswatch.enrich.encoder import fine_tuning, frozen_states, pad, tokenizer, top_states
from newswatch.enrich.technique_model import (
    HEADS,
    TAGS,
    TECHNIQUES,
    TRAINED_LAYERS,
    ArticleText,
    Decoding,
    TechniqueModel,
    _pieces_of,
    build_network,
    span_features,
    trained_state,
    windows,
)

IGNORE = -100


@dataclass(frozen=True)
class LabelledText:
    """A training article: its text and gold (technique, start, end) spans."""

    id: str
    text: str
    spans: tuple[tuple[str, int, int], ...]


@dataclass
class _Window:
    ids: Any
    """[CLS] word pieces [SEP]."""
    frozen: Any
    """Output of the frozen layers for ``ids`` (float32, one row per id)."""
    tags: Any
    """O/B/I index per row ([CLS]/[SEP] ignored)."""
    spans: list[tuple[int, int, list[float], int]]
    """Gold spans whose pieces are mostly in this window: first row, end row, features,
    technique index."""


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping character spans joined (the SI view: where any technique is used)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _tags(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> list[int]:
    tags = [TAGS.index("O")] * len(offsets)
    for start, end in merge_spans(spans):
        inside = [i for i, (s, e) in enumerate(offsets) if s < end and e > start]
        for i in inside:
            tags[i] = TAGS.index("I")
        if inside:
            tags[inside[0]] = TAGS.index("B")
    return tags


def prepare(
    texts: Sequence[LabelledText], network: Any, tokenizer: Any, batch_size: int = 16
) -> list[list[_Window]]:
    """Per article, its windows with frozen-layer outputs, piece tags and gold spans."""
    import torch

    prepared: list[list[_Window]] = []
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    network.eval()
    for labelled in texts:
        article = ArticleText(labelled.text)
        cut = windows(labelled.text, tokenizer)
        spans_by_window: list[list[tuple[int, int, list[float], int]]] = [[] for _ in cut]
        for technique, start, end in labelled.spans:
            w, first, stop = _pieces_of(cut, start, end)
            features = span_features(article, start, end)
            spans_by_window[w].append((first + 1, stop + 1, features, TECHNIQUES.index(technique)))
        gold = [(start, end) for _, start, end in labelled.spans]
        items = []
        for window, spans in zip(cut, spans_by_window, strict=True):
            tags = [IGNORE, *_tags(window.offsets, gold), IGNORE]
            ids = torch.tensor([cls, *window.ids, sep])
            items.append(_Window(ids, ids, torch.tensor(tags), spans))
        prepared.append(items)
    flat = sorted((w for items in prepared for w in items), key=lambda w: len(w.ids))
    with torch.no_grad():  # not inference_mode: training reads these tensors
        for first in range(0, len(flat), batch_size):
            chunk = flat[first : first + batch_size]
            ids, mask = pad([w.ids for w in chunk])
            hidden = frozen_states(network.encoder, ids, mask, TRAINED_LAYERS)
            for row, item in enumerate(chunk):
                item.frozen = hidden[row, : len(item.ids)].clone()
    return prepared


def _batches(windows_: list[_Window], size: int, rng: random.Random) -> list[list[_Window]]:
    """Batches of windows of similar length (little padding), in random order."""
    shuffled = windows_[:]
    rng.shuffle(shuffled)
    pool = size * 50
    batches = []
    for first in range(0, len(shuffled), pool):
        block = sorted(shuffled[first : first + pool], key=lambda w: len(w.tags))
        batches += [block[i : i + size] for i in range(0, len(block), size)]
    rng.shuffle(batches)
    return batches


def fit(
    prepared: Sequence[Sequence[_Window]],
    *,
    epochs: int = 4,
    batch_size: int = 16,
    encoder_rate: float = 2e-4,
    head_rate: float = 1e-3,
    tag_weight: float = 2.0,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> Any:
    """A freshly initialised network trained on the prepared articles."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    network = build_network()
    windows_ = [w for items in prepared for w in items]
    steps = epochs * ((len(windows_) + batch_size - 1) // batch_size)
    optimiser, schedule, parameters = fine_tuning(
        network, TRAINED_LAYERS, HEADS, steps, encoder_rate, head_rate
    )
    network.train()
    tag_loss = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    span_loss = torch.nn.CrossEntropyLoss()
    for epoch in range(epochs):
        started, total, count = time.perf_counter(), 0.0, 0
        for batch in _batches(windows_, batch_size, rng):
            hidden, mask = pad([w.frozen for w in batch])
            tags, _ = pad([w.tags for w in batch], value=IGNORE)
            states = top_states(network.encoder, hidden, mask, TRAINED_LAYERS)
            loss = tag_weight * tag_loss(network.tagger(states).flatten(0, 1), tags.flatten())
            spans = [
                (row, first, end) for row, w in enumerate(batch) for first, end, _, _ in w.spans
            ]
            if spans:
                features = torch.tensor([f for w in batch for _, _, f, _ in w.spans])
                labels = torch.tensor([label for w in batch for _, _, _, label in w.spans])
                loss = loss + span_loss(network.classify(states, spans, features), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total, count = total + loss.item(), count + 1
        log(
            f"epoch {epoch + 1}/{epochs}: loss {total / max(count, 1):.3f} "
            f"({time.perf_counter() - started:.0f} s)"
        )
    network.eval()
    return network


def as_model(networks: Sequence[Any], decoding: Decoding) -> TechniqueModel:
    return TechniqueModel(networks, tokenizer(), decoding)


class Members:
    """Trains the ensemble's members (seeds 0, 1, …) in parallel worker processes.

    Each worker prepares all the articles once (``prepare``) and then fits members on
    whichever of them a call names; the trained weights come back to this process.
    """

    def __init__(self, texts: Sequence[LabelledText], members: int, epochs: int) -> None:
        self.members, self.epochs = members, epochs
        cores = os.cpu_count() or 1
        jobs = max(1, min(members, cores))
        self.pool = ProcessPoolExecutor(
            jobs,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=(list(texts), max(1, cores // jobs), os.getpid()),
        )

    def fit(self, articles: Sequence[int]) -> list[Any]:
        """The members trained on the prepared articles at these indexes."""
        futures = [
            self.pool.submit(_fit_member, list(articles), seed, self.epochs)
            for seed in range(self.members)
        ]
        networks = []
        for future in futures:
            network = build_network()
            network.load_state_dict(future.result(), strict=False)
            networks.append(network.eval())
        return networks

    def __enter__(self) -> Members:
        return self

    def __exit__(self, *_: object) -> None:
        self.pool.shutdown(cancel_futures=True)


_prepared: list[list[_Window]] = []


def _start_worker(texts: list[LabelledText], threads: int, parent: int) -> None:
    import torch

    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    torch.set_num_threads(threads)
    _prepared[:] = prepare(texts, build_network(), tokenizer())


def _exit_with(parent: int) -> None:
    """Ends this worker once its parent is gone (killed, say), instead of training on for
    nobody."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _fit_member(articles: list[int], seed: int, epochs: int) -> dict[str, Any]:
    def log(line: str) -> None:
        print(f"member {seed}: {line}", file=sys.stderr, flush=True)

    network = fit([_prepared[i] for i in articles], epochs=epochs, seed=seed, log=log)
    return trained_state(network)


def folds(texts: Sequence[LabelledText], k: int, seed: int = 0) -> list[list[int]]:
    """``k`` groups of article indexes (by article: no article in two folds)."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def class_counts(texts: Sequence[LabelledText]) -> np.ndarray:
    counts = np.zeros(len(TECHNIQUES), dtype=int)
    for text in texts:
        for technique, _, _ in text.spans:
            counts[TECHNIQUES.index(technique)] += 1
    return counts
