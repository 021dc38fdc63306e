"""Near-duplicate text: a small sketch of each post's text, so that syndicated or re-posted
copies (across posts or blogs) can be found by SQL and marked `duplicate_of`.

A bottom-k MinHash sketch: the k smallest hashes of the text's 4-word shingles. Two texts
whose sketches share most values are near-duplicates (Jaccard similarity of their shingles is
high). Pure functions; no Scrapy or click.
"""

from __future__ import annotations

import functools
import hashlib
import re

SKETCH_SIZE = 16
SHARED_FOR_DUPLICATE = 12  # of SKETCH_SIZE values: about 0.75 similarity or more
MIN_WORDS = 50  # shorter texts say too little to call them copies


def sketch(text: str, size: int = SKETCH_SIZE) -> list[int]:
    """The `size` smallest 63-bit hashes of the text's lower-cased 4-word shingles, or an
    empty list for a text too short to compare."""
    words = _WORD.findall((text or "").lower())
    if len(words) < MIN_WORDS:
        return []
    shingles = set(map(" ".join, zip(words, words[1:], words[2:], words[3:], strict=False)))
    # 8-byte big-endian digests sort as the numbers they spell: convert only the smallest
    digests = sorted(_hash(shingle.encode()).digest() for shingle in shingles)
    return [int.from_bytes(digest, "big") >> 1 for digest in digests[:size]]


_WORD = re.compile(r"\w+")
_hash = functools.partial(hashlib.blake2b, digest_size=8)
