"""Score blogarchive's extraction against the article-extraction dev set.

Usage: python bench/extraction.py [--data DIR] [--only-blog] [--methods a,b,...]

Scoring follows the dev set's README: tokens are ``\\w+`` matches, shingles are runs of 4
tokens counted as a multiset, per-page tp/fp/fn are normalised by their sum, precision and
recall are means over pages, and F1 is computed from those two means.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/benchmarks/article-extraction"
TOKEN_RE = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN_RE.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_scores(expected: str, predicted: str) -> tuple[float, float, float]:
    true, pred = shingles(expected), shingles(predicted)
    tp = sum(min(c, pred[s]) for s, c in true.items())
    fp = sum(pred.values()) - tp
    fn = sum(true.values()) - tp
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def aggregate(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precisions = [tp / (tp + fp) for tp, fp, _ in rows if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in rows if tp + fn > 0]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def html_text(fragment: str) -> str:
    import lxml.html

    if not fragment or not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return root.text_content()


def method_blogarchive(html: str, url: str) -> str:
    from pipeline.extraction import ExtractionError, extract_post

    try:
        return extract_post(html, url).text
    except ExtractionError:
        return ""


def method_trafilatura_default(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def method_trafilatura_no_comments(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def method_readability(html: str, url: str) -> str:
    from readability import Document

    try:
        return html_text(Document(html).summary())
    except Exception:  # readability raises on some odd pages; score as empty
        return ""


METHODS: dict[str, Callable[[str, str], str]] = {
    "blogarchive extract_post": method_blogarchive,
    "trafilatura defaults": method_trafilatura_default,
    "trafilatura include_comments=False": method_trafilatura_no_comments,
    "readability-lxml": method_readability,
}


def load(data: Path) -> tuple[dict, set[str], dict[str, str]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    blog = set(json.loads((data / "blog-pages.json").read_text(encoding="utf-8"))["blog_pages"])
    pages = {}
    for key in truth:
        raw = gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
        pages[key] = raw.decode("utf-8", errors="replace")
    return truth, blog, pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only-blog", action="store_true", help="score the blog pages only")
    parser.add_argument("--methods", help="comma-separated substrings of method names to run")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst blog pages")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    truth, blog, pages = load(args.data)
    keys = sorted(blog if args.only_blog else truth)
    methods = METHODS
    if args.methods:
        wanted = [m.strip() for m in args.methods.split(",")]
        methods = {k: v for k, v in METHODS.items() if any(w in k for w in wanted)}

    print(f"{len(keys)} pages ({len(blog & set(keys))} blog pages) from {args.data}\n")
    print("| method | all P | all R | all F1 | blog P | blog R | blog F1 | ms/page |")
    print("|---|---|---|---|---|---|---|---|")
    worst: dict[str, list] = {}
    for name, fn in methods.items():
        rows, blog_rows = [], []
        start = time.perf_counter()
        for key in keys:
            predicted = fn(pages[key], truth[key].get("url", ""))
            score = page_scores(truth[key]["articleBody"], predicted)
            rows.append(score)
            if key in blog:
                blog_rows.append(score)
                worst.setdefault(name, []).append((score, key))
        elapsed = (time.perf_counter() - start) / max(len(keys), 1) * 1000
        p, r, f = aggregate(rows)
        bp, br, bf = aggregate(blog_rows)
        print(
            f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {bp:.3f} | {br:.3f} | {bf:.3f} | {elapsed:.0f} |"
        )
    if args.worst:
        for name, items in worst.items():
            print(f"\nworst blog pages for {name}:")
            for (tp, fp, fn), key in sorted(items, key=lambda x: x[0][0])[: args.worst]:
                print(f"  {key[:12]} tp={tp:.3f} fp={fp:.3f} fn={fn:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
