"""Attribution (who said what): source, cue and content spans of direct and reported speech.

The extractor runs in two learned steps over spaCy's dependency parse, both trained on the
PolNeAR corpus (``train_quotes``) and stored as two small hashed linear models:

1. **cue tagger** — every token gets a probability of being part of an attribution cue
   ("said", "according to", "in a verbal message to", "believes"); contiguous cue tokens
   form one cue, anchored on its syntactic head.
2. **role classifier** — for each cue, every token of its sentence (and of the quotation it
   opens, which may run over several sentences) is classified as *source*, *content* or
   neither, from the dependency path between cue and token, word order, quotation marks
   and the cue's lemma. A token goes to the cue that claims it most confidently, since
   PolNeAR gives each token one role at most.

Content runs become ``Attribution`` records; a pronoun source ("He said in the message …")
is resolved to the most recent compatible named entity before it, its *speaker*.
Linear models on hashed features keep the artefact under a megabyte and the extractor
fast (the spaCy parse dominates its cost), with no dependency beyond numpy.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from newswatch.enrich.stage import Batch, StageSpec, register
from newswatch.errors import EnrichError
from newswatch.models import Annotation, StageOutput, StoredArticle

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

MODEL_DIR = Path(__file__).parent / "models" / "quotes"
MODEL_FILE = MODEL_DIR / "attribution.npz"
HASH_BITS = 18
ROLES = ("none", "source", "content")
CUE_THRESHOLD = 0.5
CUE_HEADS = ("VERB", "NOUN", "ADP", "PUNCT")
"""A cue is headed by a verb ("said"), a noun ("in a *statement*"), a preposition
("according to") or a colon; a lone adverb or auxiliary the tagger accepts is noise."""
ROLE_THRESHOLD = 0.5
OPENING_QUOTES = "“«"
CLOSING_QUOTES = "”»"
STRAIGHT_QUOTE = '"'
_ALL_QUOTES = set(OPENING_QUOTES + CLOSING_QUOTES + STRAIGHT_QUOTE)
PRONOUN_LABELS = {
    "he": ("PERSON",),
    "she": ("PERSON",),
    "him": ("PERSON",),
    "her": ("PERSON",),
    "it": ("ORG", "GPE", "NORP"),
    "they": ("PERSON", "ORG", "GPE", "NORP"),
    "them": ("PERSON", "ORG", "GPE", "NORP"),
}


@dataclass(frozen=True)
class TextSpan:
    """A character span of the document text (end exclusive) and its text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Attribution:
    """One attribution: *source* (may be absent) says, via *cue*, the *content*.

    ``speaker`` is who the source refers to: the source itself, or for a pronoun the
    most recent compatible named entity before it (None when no source was found).
    ``kind`` is "direct" when the content is in quotation marks, else "indirect";
    ``score`` is the mean role probability of the content tokens.
    """

    source: TextSpan | None
    cue: TextSpan
    content: TextSpan
    kind: Literal["direct", "indirect"]
    speaker: TextSpan | None
    score: float | None = None


# ---------------------------------------------------------------------------------------
# Quotation marks


def quote_mask(text: str) -> np.ndarray:
    """Per character, whether it lies inside quotation marks (the marks included).

    Curly quotes open and close explicitly; straight quotes toggle. A paragraph break
    closes any open quote: news writers reopen a quotation running over paragraphs at each
    paragraph and close it only at the last, so this keeps one lost mark from leaking.
    """
    inside = np.zeros(len(text), dtype=bool)
    open_at: int | None = None
    for i, char in enumerate(text):
        if char in OPENING_QUOTES or (char == STRAIGHT_QUOTE and open_at is None):
            open_at = i
        elif (char in CLOSING_QUOTES or char == STRAIGHT_QUOTE) and open_at is not None:
            inside[open_at : i + 1] = True
            open_at = None
        elif char == "\n" and open_at is not None:
            inside[open_at:i] = True
            open_at = None
    if open_at is not None:
        inside[open_at:] = True
    return inside


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Maximal character runs inside quotation marks (the quotation-mark baseline)."""
    mask = quote_mask(text)
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, inside in enumerate(mask):
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


# ---------------------------------------------------------------------------------------
# Hashed linear models


@lru_cache(maxsize=1 << 20)
def _hash(feature: str) -> int:
    """A stable feature index (Python's ``hash`` is salted per process)."""
    return zlib.crc32(feature.encode("utf-8")) & ((1 << HASH_BITS) - 1)


@dataclass
class LinearModel:
    """Multinomial logistic regression over hashed string features."""

    weights: np.ndarray  # shape (2**HASH_BITS, n_classes)

    def probabilities(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        """Class probabilities, one row per feature list."""
        n_classes = self.weights.shape[1]
        if not rows:
            return np.zeros((0, n_classes))
        indices, row_ids = _flatten(rows)
        logits = np.stack(
            [
                np.bincount(row_ids, weights=self.weights[indices, c], minlength=len(rows))
                for c in range(n_classes)
            ],
            axis=1,
        )
        return _softmax(logits)


def _flatten(rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed feature indices of all rows, and the row each index belongs to."""
    indices = [_hash(f) for row in rows for f in row]
    row_ids = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
    return np.asarray(indices, dtype=np.int64), row_ids


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def fit_linear_model(
    rows: Sequence[Sequence[str]],
    labels: Sequence[int],
    n_classes: int,
    *,
    epochs: int = 6,
    batch_rows: int = 20_000,
    learning_rate: float = 0.05,
    l2: float = 1e-6,
    seed: int = 0,
) -> LinearModel:
    """Mini-batch Adam on the cross-entropy loss; hashing keeps memory fixed."""
    rng = np.random.default_rng(seed)
    size = 1 << HASH_BITS
    weights = np.zeros((size, n_classes))
    first = np.zeros_like(weights)
    second = np.zeros_like(weights)
    targets = np.asarray(labels)
    hashed = [np.asarray([_hash(f) for f in row], dtype=np.int64) for row in rows]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(rows))
        for begin in range(0, len(order), batch_rows):
            chosen = order[begin : begin + batch_rows]
            indices = np.concatenate([hashed[i] for i in chosen])
            row_ids = np.repeat(np.arange(len(chosen)), [len(hashed[i]) for i in chosen])
            logits = np.stack(
                [
                    np.bincount(row_ids, weights=weights[indices, c], minlength=len(chosen))
                    for c in range(n_classes)
                ],
                axis=1,
            )
            error = _softmax(logits)
            error[np.arange(len(chosen)), targets[chosen]] -= 1.0
            error /= len(chosen)
            gradient: np.ndarray = np.stack(
                [
                    np.bincount(indices, weights=error[row_ids, c], minlength=size)
                    for c in range(n_classes)
                ],
                axis=1,
            ).astype(np.float64)
            gradient += l2 * weights
            step += 1
            first = 0.9 * first + 0.1 * gradient
            second = 0.999 * second + 0.001 * gradient**2
            corrected = first / (1 - 0.9**step)
            weights -= learning_rate * corrected / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return LinearModel(weights)


@dataclass
class AttributionModel:
    """The two trained models the extractor needs."""

    cue: LinearModel
    role: LinearModel

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            cue=self.cue.weights.astype(np.float16),
            role=self.role.weights.astype(np.float16),
        )

    @classmethod
    def load(cls, path: Path) -> AttributionModel:
        if not path.is_file():
            raise EnrichError(
                f"attribution model {path} is missing; rebuild it with "
                "newswatch.enrich.quotes.train_quotes([polnear/train], path)"
            )
        with np.load(path) as arrays:
            return cls(
                LinearModel(arrays["cue"].astype(np.float64)),
                LinearModel(arrays["role"].astype(np.float64)),
            )


@cache
def load_attribution_model(path: Path = MODEL_FILE) -> AttributionModel:
    """The bundled model, loaded once per process."""
    return AttributionModel.load(path)


# ---------------------------------------------------------------------------------------
# Features


@dataclass
class DocContext:
    """Per-document facts shared by the feature functions (computed once per doc)."""

    doc: Doc
    in_quote: list[bool]
    sentence_of: list[int]
    sentences: list[Span] = field(default_factory=list)
    quotes_before: list[int] = field(default_factory=list)
    """Quotation-mark tokens before each token (prefix sums: counts between two tokens
    in constant time, where the role features ask for them for every token pair)."""
    commas_before: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, doc: Doc) -> DocContext:
        mask = quote_mask(doc.text)
        in_quote = [bool(mask[t.idx]) if len(mask) else False for t in doc]
        sentences = list(doc.sents)
        sentence_of = [0] * len(doc)
        for number, sentence in enumerate(sentences):
            for i in range(sentence.start, sentence.end):
                sentence_of[i] = number
        words = [t.text for t in doc]
        quotes = list(accumulate((w in _ALL_QUOTES for w in words), initial=0))
        commas = list(accumulate((w in (",", ";", ":") for w in words), initial=0))
        return cls(doc, in_quote, sentence_of, sentences, quotes, commas)

    def between(self, counts: list[int], a: int, b: int) -> int:
        """How many counted tokens lie strictly between tokens ``a`` and ``b``."""
        low, high = sorted((a, b))
        return max(0, counts[high] - counts[low + 1])


def cue_features(token: Token, context: DocContext) -> list[str]:
    """What makes a token part of a cue: its word, syntax and the arguments it governs."""
    doc = context.doc
    lemma = token.lemma_.lower()
    previous = doc[token.i - 1].lower_ if token.i > 0 else "<s>"
    following = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else "</s>"
    child_deps = sorted({c.dep_ for c in token.children})
    features = [
        "bias",
        f"w={token.lower_}",
        f"l={lemma}",
        f"t={token.tag_}",
        f"d={token.dep_}",
        f"l+d={lemma}|{token.dep_}",
        f"l+t={lemma}|{token.tag_}",
        f"hl={token.head.lemma_.lower()}",
        f"l+hl={lemma}|{token.head.lemma_.lower()}",
        f"d+hd={token.dep_}|{token.head.dep_}",
        f"pw={previous}",
        f"nw={following}",
        f"l+nw={lemma}|{following}",
        f"pw+l={previous}|{lemma}",
        f"q={context.in_quote[token.i]}",
        f"d+q={token.dep_}|{context.in_quote[token.i]}",
        f"e={token.ent_type_}",
    ]
    features.extend(f"cd={dep}" for dep in child_deps)
    features.extend(f"l+cd={lemma}|{dep}" for dep in child_deps)
    features.append(f"l+cds={lemma}|{'+'.join(d for d in child_deps if d in _CORE_DEPS)}")
    return features


_CORE_DEPS = {"nsubj", "nsubjpass", "ccomp", "xcomp", "dobj", "agent", "prep", "advcl"}


def _ancestors_path(token: Token) -> list[Token]:
    """The token and its ancestors up to the root, nearest first."""
    path = [token]
    while path[-1].head.i != path[-1].i:
        path.append(path[-1].head)
    return path


def _bucket(distance: int) -> str:
    for limit in (1, 2, 3, 5, 8, 12, 20, 30):
        if distance <= limit:
            return str(limit)
    return "far"


def role_features(anchor: Token, token: Token, context: DocContext) -> list[str]:
    """How a token relates to a cue: dependency path, order, quotation marks, sentences.

    The *branch* — which dependent of the cue the token hangs under (ccomp, nsubj, dobj…),
    or how the cue hangs under the token's clause — is the strongest single signal.
    """
    up_token = _ancestors_path(token)
    up_anchor = _ancestors_path(anchor)
    anchor_ids = {t.i: n for n, t in enumerate(up_anchor)}
    common_at = next((n for n, t in enumerate(up_token) if t.i in anchor_ids), len(up_token))
    token_side = [t.dep_ for t in up_token[:common_at]]
    anchor_side = (
        [t.dep_ for t in up_anchor[: anchor_ids.get(up_token[common_at].i, 0)]]
        if (common_at < len(up_token))
        else ["?"]
    )
    if not anchor_side:
        branch = f"in:{token_side[-1]}" if token_side else "self"
        branch2 = f"{branch}>{token_side[-2]}" if len(token_side) >= 2 else branch
    elif not token_side:
        branch = f"anc:{anchor_side[0]}"
        branch2 = f"{branch}<{anchor_side[1] if len(anchor_side) > 1 else ''}"
    else:
        branch = f"out:{anchor_side[-1]}>{token_side[-1]}"
        branch2 = f"{branch}|{anchor_side[0]}"
    path = "^".join(anchor_side[:3]) + "/" + "v".join(reversed(token_side[-3:]))
    lemma = anchor.lemma_.lower()
    after = token.i > anchor.i
    direction = "R" if after else "L"
    distance = _bucket(abs(token.i - anchor.i))
    sentence_offset = context.sentence_of[token.i] - context.sentence_of[anchor.i]
    in_quote = context.in_quote[token.i]
    quote_between = context.between(context.quotes_before, anchor.i, token.i) > 0
    commas_between = min(context.between(context.commas_before, anchor.i, token.i), 3)
    return [
        "bias",
        f"br={branch}",
        f"br2={branch2}",
        f"br+l={branch}|{lemma}",
        f"br+dir={branch}|{direction}",
        f"br2+dir={branch2}|{direction}",
        f"path={path}",
        f"path+dir={path}|{direction}",
        f"dir+dist={direction}{distance}",
        f"br+dist={branch}|{direction}{distance}",
        f"q={in_quote}|{context.in_quote[anchor.i]}",
        f"q+dir={in_quote}|{direction}|{quote_between}",
        f"q+br={in_quote}|{branch}",
        f"so={sentence_offset}",
        f"so+q={sentence_offset}|{in_quote}|{direction}",
        f"commas={commas_between}|{direction}",
        f"commas+br={commas_between}|{direction}|{branch}",
        f"tp={token.pos_}",
        f"tp+br={token.pos_}|{branch}",
        f"td={token.dep_}",
        f"te={token.ent_type_}|{direction}",
        f"te+br={token.ent_type_}|{branch}",
        f"tw={token.lower_}" if token.is_punct or token.is_stop else "tw=open",
        f"tw+dir={token.lower_}|{direction}" if token.is_punct else "tw+dir=word",
        f"l={lemma}",
        f"l+dir={lemma}|{direction}",
        f"l+q={lemma}|{in_quote}",
    ]


def candidate_tokens(anchor: Token, context: DocContext) -> Iterator[Token]:
    """Tokens that may be the cue's source or content: its sentence and the neighbours.

    The previous and next sentences are included because quotations ("… ," he said. "…")
    and reported speech run across spaCy's sentence boundaries.
    """
    number = context.sentence_of[anchor.i]
    first = context.sentences[max(number - 1, 0)].start
    last = context.sentences[min(number + 1, len(context.sentences) - 1)].end
    for token in context.doc[first:last]:
        if not token.is_space:
            yield token


# ---------------------------------------------------------------------------------------
# Extraction


@dataclass
class _Cue:
    tokens: list[int]
    anchor: int


def _cue_head(tokens: list[int], doc: Doc) -> int:
    """The token of a multi-word cue whose head lies outside it (the first, if several)."""
    inside = set(tokens)
    heads = [i for i in tokens if doc[i].head.i not in inside or doc[i].head.i == i]
    verbs = [i for i in heads if doc[i].pos_ in ("VERB", "AUX")]
    return (verbs or heads or tokens)[0]


def _runs(
    indices: Iterable[int], max_gap: int = 0, blocked: set[int] | None = None
) -> list[list[int]]:
    """Groups of sorted token indices at most ``max_gap`` apart, never bridging ``blocked``."""
    runs: list[list[int]] = []
    blocked = blocked or set()
    for i in sorted(indices):
        bridged = runs and not any(j in blocked for j in range(runs[-1][-1] + 1, i))
        if runs and bridged and i - runs[-1][-1] <= max_gap + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def predict_cues(context: DocContext, model: AttributionModel) -> list[_Cue]:
    """Contiguous runs of tokens the cue tagger accepts, each anchored on its head."""
    doc = context.doc
    tokens = [t for t in doc if not t.is_space and not t.is_punct]
    probabilities = model.cue.probabilities([cue_features(t, context) for t in tokens])
    chosen = [
        t.i
        for t, p in zip(tokens, probabilities[:, 1], strict=True)
        if p >= CUE_THRESHOLD and t.ent_type_ not in ("DATE", "TIME")  # "said [Friday]"
    ]
    cues = [_Cue(run, _cue_head(run, doc)) for run in _runs(chosen)]
    return [cue for cue in cues if doc[cue.anchor].pos_ in CUE_HEADS]


def _span(doc: Doc, first: int, last: int) -> TextSpan:
    span = doc[first : last + 1]  # not doc.text[…]: Doc.text is rebuilt on every access
    return TextSpan(span.start_char, span.end_char, span.text)


EntitySpans = Sequence[tuple[int, int, str]]
"""(start, end, label) of the named entities a pronoun may refer to."""


def resolve_speaker(
    doc: Doc,
    source: TextSpan | None,
    entities: EntitySpans | None = None,
    reported: Sequence[TextSpan] = (),
) -> TextSpan | None:
    """A pronoun source's most recent compatible named entity before it, else the source.

    ``entities`` are the canonical mentions of the entities stage where available (it
    repairs the model's labels: "Alvi" tagged ORG is a PERSON there); else spaCy's.
    Entities inside ``reported`` (the contents of earlier attributions) are skipped: in
    "He said … the initiative put forward by Xi … . He thanked China", the second "he"
    is still the speaker, not the man his words named.
    """
    if source is None:
        return None
    labels = PRONOUN_LABELS.get(source.text.lower())
    if labels is None:
        return source
    if entities is None:
        entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    earlier = [
        (s, e)
        for s, e, label in entities
        if e <= source.start and label in labels and not any(r.start <= s < r.end for r in reported)
    ]
    if not earlier:
        return source
    start, end = max(earlier)
    entity = doc.char_span(start, end, alignment_mode="expand")
    return TextSpan(start, end, entity.text) if entity is not None else source


def _resolve_pronouns(
    doc: Doc, attributions: list[Attribution], entities: EntitySpans | None
) -> list[Attribution]:
    """Each attribution with its speaker, resolved in text order (see ``resolve_speaker``)."""
    resolved = []
    for attribution in attributions:
        source = attribution.source
        reported = [a.content for a in attributions if source and a.content.end <= source.start]
        speaker = resolve_speaker(doc, source, entities, reported)
        resolved.append(replace(attribution, speaker=speaker))
    return resolved


_CLAUSE_LINKS = ("advcl", "xcomp", "conj", "acl", "relcl", "pcomp", "pobj", "prep")


def _syntactic_source(anchor: Token, taken: set[int]) -> TextSpan | None:
    """The subject of the cue's clause, when the role classifier found no source.

    A participle or infinitive cue ("…, saying that", "encouraged supporters to") has
    no subject of its own; its clause's subject is the speaker, so the search climbs
    through clausal links (at most three) to the nearest verb that has one.
    """
    verb = anchor
    for _ in range(4):
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        subjects = [c for c in subjects if c.i not in taken and c.pos_ in ("PROPN", "NOUN", "PRON")]
        if subjects:
            subject = subjects[0]
            first = min(t.i for t in subject.subtree if t.i <= subject.i and t.dep_ != "punct")
            return _span(anchor.doc, first, subject.i)
        if verb.dep_ not in _CLAUSE_LINKS or verb.head.i == verb.i:
            return None
        verb = verb.head
    return None


def _direct(doc: Doc, first: int, last: int, context: DocContext) -> bool:
    words = [t for t in doc[first : last + 1] if not t.is_punct]
    return bool(words) and sum(context.in_quote[t.i] for t in words) * 2 >= len(words)


def extract_attributions(
    doc: Doc, model: AttributionModel | None = None, entities: EntitySpans | None = None
) -> list[Attribution]:
    """All attributions of a parsed document, in text order.

    ``doc`` needs the tagger, lemmatizer, parser and NER of the English model;
    ``entities`` (see ``resolve_speaker``) resolve pronoun sources. A content
    interrupted by its cue ("China and Pakistan are…, Xi said, adding…") yields one
    attribution per contiguous piece, sharing cue and source.
    """
    model = model or load_attribution_model()
    context = DocContext.of(doc)
    cues = predict_cues(context, model)
    best: dict[int, tuple[float, int, int]] = {}  # token → (probability, cue number, role)
    for number, cue in enumerate(cues):
        cue_tokens = set(cue.tokens)
        candidates = [
            t for t in candidate_tokens(doc[cue.anchor], context) if t.i not in cue_tokens
        ]
        rows = [role_features(doc[cue.anchor], t, context) for t in candidates]
        probabilities = model.role.probabilities(rows)
        for token, row in zip(candidates, probabilities, strict=True):
            role = int(np.argmax(row[1:])) + 1
            if row[role] >= ROLE_THRESHOLD and row[role] > best.get(token.i, (0.0, 0, 0))[0]:
                best[token.i] = (float(row[role]), number, role)
    for cue_tokens in (set(c.tokens) for c in cues):
        for i in cue_tokens:
            best.pop(i, None)
    attributions: list[Attribution] = []
    for number, cue in enumerate(cues):
        mine = {i: (p, role) for i, (p, n, role) in best.items() if n == number}
        attributions.extend(_assemble(doc, context, cue, mine))
    ordered = sorted(attributions, key=lambda a: (a.content.start, a.cue.start))
    return _resolve_pronouns(doc, ordered, entities)


def _assemble(
    doc: Doc,
    context: DocContext,
    cue: _Cue,
    roles: dict[int, tuple[float, int]],
) -> list[Attribution]:
    """Attribution records of one cue from its tokens' roles."""
    content = [i for i, (_, role) in roles.items() if role == 2]
    source = [i for i, (_, role) in roles.items() if role == 1]
    blocked = set(cue.tokens) | set(source)
    pieces = [
        run
        for run in _runs(content, max_gap=1, blocked=blocked)
        if any(not doc[i].is_punct for i in run)
    ]
    if not pieces:
        return []
    source_span = None
    if source:
        source_runs = _runs(source, max_gap=1)
        nearest = min(source_runs, key=lambda run: min(abs(i - cue.anchor) for i in run))
        source_span = _span(doc, nearest[0], nearest[-1])
    else:
        source_span = _syntactic_source(doc[cue.anchor], set(content) | set(cue.tokens))
    cue_span = _span(doc, cue.tokens[0], cue.tokens[-1])
    result = []
    for run in pieces:
        first, last = run[0], run[-1]
        score = float(np.mean([roles[i][0] for i in run]))
        kind: Literal["direct", "indirect"] = (
            "direct" if _direct(doc, first, last, context) else "indirect"
        )
        content_span = _span(doc, first, last)
        result.append(Attribution(source_span, cue_span, content_span, kind, source_span, score))
    return result


# ---------------------------------------------------------------------------------------
# PolNeAR (brat standoff) data and training

Pieces = tuple[tuple[int, int], ...]
_T_LINE = re.compile(r"^(T\d+)\t(\S+) ([\d ;]+)\t", re.MULTILINE)


@dataclass(frozen=True)
class BratAttribution:
    """One annotated attribution; each role is a tuple of (start, end) pieces."""

    source: Pieces
    cue: Pieces
    content: Pieces


@dataclass(frozen=True)
class BratDocument:
    """The annotations of one text: its attributions and every Content span."""

    attributions: tuple[BratAttribution, ...]
    content: Pieces


def _pieces(offsets: str) -> Pieces:
    """``"12 20;22 30"`` (brat's discontinuous span) as ((12, 20), (22, 30))."""
    pairs = (piece.split() for piece in offsets.strip().split(";") if piece.strip())
    return tuple((int(start), int(end)) for start, end in pairs)


def read_brat(ann: str) -> BratDocument:
    """Attributions from a PolNeAR ``.ann`` file.

    Text-bound lines may span several lines (the quoted text holds newlines), so ``T``
    lines are found by pattern, not line by line; ``E`` lines link an attribution's
    Source, Cue and Content (or Content2, a second content piece).
    """
    spans: dict[str, tuple[str, Pieces]] = {
        match[1]: (match[2], _pieces(match[3])) for match in _T_LINE.finditer(ann)
    }
    attributions = []
    for line in ann.splitlines():
        if not line.startswith("E"):
            continue
        roles: dict[str, list[tuple[int, int]]] = {"Source": [], "Cue": [], "Content": []}
        for argument in line.split("\t", 1)[1].split():
            role, _, ref = argument.partition(":")
            role = "Content" if role.startswith("Content") else role
            if role in roles and ref in spans:
                roles[role].extend(spans[ref][1])
        attributions.append(
            BratAttribution(tuple(roles["Source"]), tuple(roles["Cue"]), tuple(roles["Content"]))
        )
    content = tuple(p for kind, pieces in spans.values() if kind == "Content" for p in pieces)
    return BratDocument(tuple(attributions), content)


def polnear_pairs(data_dir: Path) -> list[tuple[Path, Path | None]]:
    """(text, annotation or None) for every ``text/*.txt`` of a PolNeAR-layout folder.

    PolNeAR names annotations ``<text stem>_<annotator>.ann``; a few texts were annotated
    by several annotators, and the first file in name order is used so that every text
    counts once. A plain ``<text stem>.ann`` is preferred when present.
    """
    texts = sorted((data_dir / "text").glob("*.txt"))
    if not texts:
        raise EnrichError(f"{data_dir} has no text/*.txt files; expected the PolNeAR layout")
    by_stem: dict[str, list[Path]] = {}
    for ann in sorted((data_dir / "attributions").glob("*.ann")):
        by_stem.setdefault(ann.stem.rsplit("_", 1)[0], []).append(ann)
    pairs: list[tuple[Path, Path | None]] = []
    for text in texts:
        exact = data_dir / "attributions" / f"{text.stem}.ann"
        annotated = by_stem.get(text.stem, [])
        pairs.append((text, exact if exact.is_file() else annotated[0] if annotated else None))
    return pairs


def _tokens_in(doc: Doc, pieces: Pieces) -> list[int]:
    """Tokens overlapping any of the character pieces."""
    found: set[int] = set()
    for start, end in pieces:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            found.update(t.i for t in span if not t.is_space)
    return sorted(found)


def training_rows(
    doc: Doc, gold: BratDocument
) -> tuple[list[list[str]], list[int], list[list[str]], list[int]]:
    """Cue-tagger rows/labels and role-classifier rows/labels of one annotated doc.

    Role rows are built around the *gold* cues, so the role classifier learns roles
    independently of cue-tagger errors.
    """
    context = DocContext.of(doc)
    cue_tokens = {i for a in gold.attributions for i in _tokens_in(doc, a.cue)}
    tokens = [t for t in doc if not t.is_space and not t.is_punct]
    cue_rows = [cue_features(t, context) for t in tokens]
    cue_labels = [int(t.i in cue_tokens) for t in tokens]
    role_rows: list[list[str]] = []
    role_labels: list[int] = []
    for attribution in gold.attributions:
        own_cue = _tokens_in(doc, attribution.cue)
        if not own_cue:
            continue
        anchor = doc[_cue_head(own_cue, doc)]
        sources = set(_tokens_in(doc, attribution.source))
        contents = set(_tokens_in(doc, attribution.content))
        for token in candidate_tokens(anchor, context):
            if token.i in own_cue:
                continue
            role_rows.append(role_features(anchor, token, context))
            role_labels.append(1 if token.i in sources else 2 if token.i in contents else 0)
    return cue_rows, cue_labels, role_rows, role_labels


def fit_attribution_model(docs: Sequence[Doc], golds: Sequence[BratDocument]) -> AttributionModel:
    """Train both models on parsed docs and their gold annotations."""
    cue_rows: list[list[str]] = []
    cue_labels: list[int] = []
    role_rows: list[list[str]] = []
    role_labels: list[int] = []
    for doc, gold in zip(docs, golds, strict=True):
        rows = training_rows(doc, gold)
        cue_rows += rows[0]
        cue_labels += rows[1]
        role_rows += rows[2]
        role_labels += rows[3]
    cue = fit_linear_model(cue_rows, cue_labels, 2)
    role = fit_linear_model(role_rows, role_labels, len(ROLES))
    return AttributionModel(cue, role)


def train_quotes(data_dirs: Sequence[Path], out: Path = MODEL_FILE) -> AttributionModel:
    """Reproduce the bundled model: parse PolNeAR folders, train, save to ``out``.

    ``train_quotes([Path("/work/shared/data/polnear/train")])`` rebuilds
    ``models/quotes/attribution.npz`` (about 5 minutes on 2 CPU cores, most of it parsing).
    """
    from newswatch.enrich.linguistic import parse

    pairs = [(text, ann) for folder in data_dirs for text, ann in polnear_pairs(folder) if ann]
    texts = (text.read_text(encoding="utf-8") for text, _ in pairs)
    docs = list(parse(texts, QuoteStage.spec.spacy_pipes))
    golds = [read_brat(ann.read_text(encoding="utf-8")) for _, ann in pairs if ann]
    model = fit_attribution_model(docs, golds)
    model.save(out)
    load_attribution_model.cache_clear()
    return model


# ---------------------------------------------------------------------------------------
# The stage


@register
class QuoteStage:
    """Direct and reported speech (``kind="quote"``) with cue, source and speaker.

    One annotation per content span, labelled "direct" or "indirect"; ``data`` carries
    the content text and the cue, source and speaker spans (source and speaker may be
    None). Only English (or unidentified) articles are processed.
    """

    spec = StageSpec(
        name="quotes",
        version="1.0",
        requires=("language", "entities"),
        assigns=("quote",),
        spacy_pipes=("tagger", "attribute_ruler", "lemmatizer", "parser", "ner"),
    )

    def process(self, batch: Batch) -> list[StageOutput]:
        mentions = batch.annotations(("entity",))

        def annotate(article: StoredArticle, doc: Doc) -> StageOutput:
            entities = [(m.start, m.end, m.label or "") for m in mentions[article.id]]
            found = extract_attributions(doc, entities=entities)
            return StageOutput(article.id, tuple(quote_annotation(a) for a in found))

        return batch.map_english(annotate)


def quote_annotation(attribution: Attribution) -> Annotation:
    """The stored form of an attribution: the content span, with the rest in ``data``."""
    source, speaker = attribution.source, attribution.speaker
    return Annotation(
        "quote",
        attribution.content.start,
        attribution.content.end,
        label=attribution.kind,
        score=attribution.score,
        data={
            "text": attribution.content.text,
            "cue": attribution.cue.text,
            "cue_start": attribution.cue.start,
            "cue_end": attribution.cue.end,
            "source": source.text if source else None,
            "source_start": source.start if source else None,
            "source_end": source.end if source else None,
            "speaker": speaker.text if speaker else None,
            "speaker_start": speaker.start if speaker else None,
            "speaker_end": speaker.end if speaker else None,
        },
    )
