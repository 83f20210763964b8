"""Near-duplicate signatures: MinHash over word shingles, cut into LSH bands.

The signature is datasketch's MinHash over 5-word shingles. Shingles are hashed with
CRC-32 of their token hashes (stable across processes and machines, unlike Python's
``hash``) and fed to datasketch as precomputed 32-bit values, which keeps the cost near
a tenth of a millisecond for a short wire story. The store keeps one row per LSH band
key, so candidate copies are found with an indexed lookup on any backend and any number
of processes, and confirmed with the signatures' estimated Jaccard similarity.
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np
from datasketch import MinHash

from newswatch.normalise.text import words

_MASK32 = np.uint64(0xFFFFFFFF)
_BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BAND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


@cache
def _template(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=1, hashfunc=int, scheme="affine32")


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """Stable 32-bit hashes of every ``size``-word shingle of ``text`` (lower-cased)."""
    tokens = words(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    # One encode and one split in C instead of an encode per token.
    encoded = "\x00".join(tokens).encode().split(b"\x00")
    token_hashes = np.array(list(map(zlib.crc32, encoded)), dtype=np.uint64)
    if len(tokens) <= size:
        size = len(tokens)
    # A polynomial rolling combination of the token hashes of each window, mod 2**32.
    combined = np.zeros(len(tokens) - size + 1, dtype=np.uint64)
    for offset in range(size):
        combined = (
            combined * np.uint64(1_000_003) + token_hashes[offset : offset + len(combined)]
        ) & _MASK32
    return np.unique(combined)


def signature(text: str, num_perm: int = 128, shingle_words: int = 5) -> np.ndarray:
    """The MinHash signature of ``text`` as ``uint32`` values (``num_perm`` of them)."""
    template = _template(num_perm)
    minhash = MinHash(
        num_perm=num_perm, hashfunc=int, permutations=template.permutations, scheme="affine32"
    )
    hashes = shingle_hashes(text, shingle_words)
    if len(hashes):
        minhash.update_batch(hashes.tolist())
    return minhash.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray, bands: int) -> list[int]:
    """One signed 64-bit key per LSH band (``bands`` must divide the signature length).

    A band's key is a polynomial hash of its rows plus the band number, so equal rows
    in different bands never collide; rare collisions of different rows only add a
    candidate, which the similarity check then drops.
    """
    rows = len(sig) // bands
    matrix = sig[: bands * rows].reshape(bands, rows).astype(np.uint64)
    keys = np.arange(bands, dtype=np.uint64) * _BAND_SALT
    for column in range(rows):
        keys = keys * _BAND_MULTIPLIER + matrix[:, column]
    return keys.view(np.int64).tolist()


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)
