"""Near-duplicate text: a small sketch of each post's text, so that syndicated or re-posted
copies (across posts or blogs) can be found by SQL and marked `duplicate_of`.

A bottom-k MinHash sketch: the k smallest hashes of the text's 4-word shingles. Two texts
whose sketches share most values are near-duplicates (Jaccard similarity of their shingles is
high). Pure functions; no Scrapy or click.
"""

from __future__ import annotations

import hashlib
import heapq
import re

SKETCH_SIZE = 16
SHARED_FOR_DUPLICATE = 12  # of SKETCH_SIZE values: about 0.75 similarity or more
MIN_WORDS = 50  # shorter texts say too little to call them copies


def sketch(text: str, size: int = SKETCH_SIZE) -> list[int]:
    """The `size` smallest 63-bit hashes of the text's lower-cased 4-word shingles, or an
    empty list for a text too short to compare."""
    words = re.findall(r"\w+", (text or "").lower())
    if len(words) < MIN_WORDS:
        return []
    shingles = {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}
    hashes = (
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") >> 1
        for s in shingles
    )
    return sorted(heapq.nsmallest(size, hashes))
