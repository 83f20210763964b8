"""A sentence classifier on the partly fine-tuned encoder, optionally about one target.

Two of newswatch's models are this classifier trained on different data: tone toward a
target (NewsMTSC: negative/neutral/positive toward a marked mention) and check-worthy
claims (CheckThat!: yes/no per sentence).

Input: a sentence, and optionally the character span of a target in it. With a target,
the encoder reads the pair ``[CLS] target [SEP] sentence [SEP]`` (every layer knows what
the question is about, as in BERT-SPC) and the head reads the [CLS] state with the mean
state of the target's pieces in the sentence; without one, [CLS] with the mean over the
sentence. Training fine-tunes the encoder's top layers (``encoder``) and the head.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newswatch.enrich.encoder import (
    HIDDEN,
    fine_tuning,
    frozen_states,
    load_encoder,
    pad,
    tokenizer,
    top_states,
    trained_weights,
)
from newswatch.errors import EnrichError

if TYPE_CHECKING:
    import torch

WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
MAX_TOKENS = 128
CONTEXT_CHARS = 400
"""Around a target in a longer text, the characters the classifier reads on each side."""


@dataclass(frozen=True)
class Example:
    """A sentence to classify, with the character span of its target, if any."""

    text: str
    target: tuple[int, int] | None = None


@dataclass
class _Encoded:
    ids: Any
    focus: Any
    """1.0 on the pieces the head pools besides [CLS]: the target's, or the sentence's."""


def encode(example: Example) -> _Encoded:
    """Word-piece ids of the example and the pieces its head pools."""
    import torch

    text, target = example.text, example.target
    if target is None:
        encoded = tokenizer()(text, truncation=True, max_length=MAX_TOKENS, verbose=False)
        ids = encoded["input_ids"]
        focus = [0.0, *([1.0] * (len(ids) - 2)), 0.0]
        return _Encoded(torch.tensor(ids), torch.tensor(focus))
    start, end = target
    first = max(0, start - CONTEXT_CHARS)
    text, start, end = text[first : end + CONTEXT_CHARS], start - first, end - first
    encoded = tokenizer()(
        text[start:end],
        text,
        truncation="only_second",
        max_length=MAX_TOKENS,
        return_offsets_mapping=True,
        verbose=False,
    )
    ids, offsets, sequence = encoded["input_ids"], encoded["offset_mapping"], encoded.sequence_ids()
    focus = [
        float(part == 1 and s < end and e > start)
        for part, (s, e) in zip(sequence, offsets, strict=True)
    ]
    if not any(focus):  # the target was cut off: pool the mention at the front instead
        focus = [float(part == 0) for part in sequence]
    return _Encoded(torch.tensor(ids), torch.tensor(focus))


def build_network(labels: int, trained: int, dropout: float = 0.1) -> Any:
    """The encoder with a linear head over [CLS] and the pooled focus pieces."""
    import torch

    nn = torch.nn

    class SentenceNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = load_encoder()
            self.trained = trained
            self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * HIDDEN, labels))

        def logits(self, states: torch.Tensor, focus: torch.Tensor) -> torch.Tensor:
            weights = focus[:, : states.shape[1], None]
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return self.head(torch.cat([states[:, 0], pooled], dim=1))

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, focus: torch.Tensor) -> Any:
            states = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            return self.logits(states, focus)

    return SentenceNetwork()


class SentenceClassifier:
    """A trained classifier: label names, the network, and its saved settings."""

    def __init__(self, network: Any, labels: Sequence[str], settings: dict[str, Any]) -> None:
        self.network = network.eval()
        self.labels = tuple(labels)
        self.settings = settings

    def probabilities(self, examples: Sequence[Example], batch_size: int = 32) -> np.ndarray:
        """One row of label probabilities per example."""
        import torch

        encoded = [encode(e) for e in examples]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        found = np.zeros((len(encoded), len(self.labels)), dtype=np.float32)
        with torch.inference_mode():
            for first in range(0, len(order), batch_size):
                chunk = order[first : first + batch_size]
                ids, mask = pad([encoded[i].ids for i in chunk])
                focus, _ = pad([encoded[i].focus for i in chunk])
                logits = self.network(ids, mask, focus)
                found[chunk] = torch.softmax(logits, dim=-1).numpy()
        return found


# ---------------------------------------------------------------------------------------
# Training


def fit(
    examples: Sequence[Example],
    labels: Sequence[int],
    n_labels: int,
    *,
    trained: int = 3,
    epochs: int = 3,
    batch_size: int = 32,
    encoder_rate: float = 1e-4,
    head_rate: float = 1e-3,
    class_weights: Sequence[float] | None = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> Any:
    """A freshly initialised network trained on the examples (seeded, CPU)."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    network = build_network(n_labels, trained)
    encoded = [encode(e) for e in examples]
    frozen = _frozen(network, encoded)
    steps = epochs * ((len(encoded) + batch_size - 1) // batch_size)
    optimiser, schedule, parameters = fine_tuning(
        network, trained, ["head"], steps, encoder_rate, head_rate
    )
    weight = torch.tensor(class_weights, dtype=torch.float32) if class_weights else None
    loss_of = torch.nn.CrossEntropyLoss(weight=weight)
    targets = torch.tensor(labels)
    network.train()
    for epoch in range(epochs):
        started, total = time.perf_counter(), 0.0
        for batch in _batches([len(e.ids) for e in encoded], batch_size, rng):
            hidden, mask = pad([frozen[i] for i in batch])
            focus, _ = pad([encoded[i].focus for i in batch])
            states = top_states(network.encoder, hidden, mask, trained)
            loss = loss_of(network.logits(states, focus), targets[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += loss.item() * len(batch)
        log(
            f"epoch {epoch + 1}/{epochs}: loss {total / len(encoded):.3f} "
            f"({time.perf_counter() - started:.0f} s)"
        )
    network.eval()
    return network


def _frozen(network: Any, encoded: Sequence[_Encoded], batch_size: int = 64) -> list[Any]:
    """The frozen layers' output for every example, computed once for all epochs."""
    import torch

    frozen: list[Any] = [None] * len(encoded)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
    network.eval()
    with torch.no_grad():  # not inference_mode: training reads these tensors
        for first in range(0, len(order), batch_size):
            chunk = order[first : first + batch_size]
            ids, mask = pad([encoded[i].ids for i in chunk])
            hidden = frozen_states(network.encoder, ids, mask, network.trained)
            for row, i in enumerate(chunk):
                frozen[i] = hidden[row, : len(encoded[i].ids)].clone()
    return frozen


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of example indexes of similar length (little padding), in random order."""
    shuffled = list(range(len(lengths)))
    rng.shuffle(shuffled)
    pool = size * 50
    batches = []
    for first in range(0, len(shuffled), pool):
        block = sorted(shuffled[first : first + pool], key=lambda i: lengths[i])
        batches += [block[i : i + size] for i in range(0, len(block), size)]
    rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------------------------------
# Saving and loading


def save_classifier(
    network: Any, labels: Sequence[str], out: Path, settings: dict[str, Any] | None = None
) -> None:
    """The trained weights (float16) and a JSON config with labels and ``settings``."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    weights = trained_weights(network, network.trained, ["head"])
    save_file(
        {k: v.detach().to(torch.float16).contiguous() for k, v in weights.items()},
        str(out / WEIGHTS_FILE),
    )
    config = {"labels": list(labels), "trained_layers": network.trained, **(settings or {})}
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")


@cache
def load_classifier(path: Path) -> SentenceClassifier:
    """A classifier saved by ``save_classifier`` (loaded once per process)."""
    import torch
    from safetensors.torch import load_file

    weights, config_file = path / WEIGHTS_FILE, path / CONFIG_FILE
    if not weights.exists() or not config_file.exists():
        raise EnrichError(f"no trained model at {path}; run the `newswatch train` command for it")
    config = json.loads(config_file.read_text())
    network = build_network(len(config["labels"]), int(config["trained_layers"]))
    state = {k: v.to(torch.float32) for k, v in load_file(str(weights)).items()}
    missing = set(trained_weights(network, network.trained, ["head"])) - set(state)
    if missing:
        raise EnrichError(f"{weights} lacks {sorted(missing)[:3]}; retrain it")
    network.load_state_dict(state, strict=False)
    settings = {k: v for k, v in config.items() if k not in ("labels", "trained_layers")}
    return SentenceClassifier(network, config["labels"], settings)
