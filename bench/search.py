"""Full-text search latency on a synthetic archive, through Datasette and `blogarchive search`.

Usage: python bench/search.py [--posts 100000] [--sizes 10000,100000] [--repeat 5] [--bulk]
                              [--paths library,datasette-search,...] [--workdir DIR]

Builds an archive of N posts of about 3 KB of text each (words drawn from a Zipf-like
distribution over a 20,000-word vocabulary, 20 sites, 60 authors, 1-3 labels per post, a few
planted rare words and phrases) through the project's own store: `Archive.save_post` in one
`archive.transaction()`. `--bulk` instead inserts the `posts` rows with one executemany of
the same SQL columns (FTS5 kept current by the store's own triggers; `post_versions` and
`post_sketches` left empty): bench-only, for 1,000,000 posts.

Then runs 20 typical searches, each `--repeat` times after one warm-up, through:

- datasette:        `/<db>/posts.json?_search=...` in-process (`make_datasette(db).client`),
                    as the web UI asks it (count of matches and the metadata's facets included)
- datasette-lean:   the same with `_nocount=1&_nofacet=1`
- datasette-search: `/<db>/search.json?q=...`, the archive's own search page (the `search`
                    canned query: bm25-ranked, highlighted, filters, top 100), for the
                    queries it takes (not the raw FTS5 syntax ones)
- search-newest:    the same page with `order=newest` (every match, newest first)
- library:          `Archive.search(query, limit=20)` (what `blogarchive search` calls)
- library-newest:   `Archive.search(query, limit=20, order="newest")`
- cli:              `blogarchive search QUERY --db DB` as a subprocess (the process
                    start-up, ~0.1 s, is most of it; run as installed: bytecode caches
                    written even when PYTHONDONTWRITEBYTECODE is set here)

(`--paths` picks some of them: the table view of 1,000,000 posts takes hours.)

Then, unless `--no-pages`, the pages a reader opens before searching (BROWSE_PAGES: the home
page, and the posts, post_versions, comments and failures tables in their default order).

and prints the median and p95 per path (milliseconds, over all samples) and the per-query
medians at the largest size. Databases are kept under --workdir (default $TMPDIR/blogarchive-bench-search)
and reused when they already hold N posts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import VENV_BIN, machine_line, markdown_table, median, percentile  # noqa: E402

VOCABULARY = 20000
SITES = 20
RARE_WORD = "zeppelinaria"  # planted in one post of every 10,000
UNIQUE_WORD = "quixotrubric"  # planted in exactly one post
PHRASE = ("copper", "kettle")  # planted as a phrase in one post of every 100

SYLLABLES = (
    "ba be bi bo bu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu ma me mi "
    "mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo "
    "wa we wi za ze zo ch sh th st tr pl br cr gr"
).split()


def vocabulary(size: int = VOCABULARY) -> list[str]:
    """Real words first (the demo's word list, most frequent), then pronounceable coinages."""
    from pipeline.demo.content import _SYN_WORDS

    words = list(dict.fromkeys(["the", "and", "of", "a", "to", "in", "was", *_SYN_WORDS]))
    rng = random.Random(7)
    seen = set(words) | {RARE_WORD, UNIQUE_WORD, *PHRASE}
    while len(words) < size:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def synthetic_records(n: int, seed: int = 0):
    """Yield (record, seen_at) for n posts of ~3 KB of text each."""
    from pipeline.demo.content import _SYN_LABELS, _SYN_PEOPLE

    words = vocabulary()
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(words))]
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    rng = random.Random(seed)
    sites = [f"https://blog{i:02d}.example" for i in range(SITES)]
    authors = [f"{p} {i}" for i in range(SITES // len(_SYN_PEOPLE) + 3) for p in _SYN_PEOPLE]
    start = datetime(2005, 1, 1, tzinfo=UTC)
    step = max(5, 20 * 365 * 24 * 60 // max(n, 1))  # twenty years of posts
    for i in range(n):
        site = i % SITES
        paragraphs = []
        for _ in range(6):
            sentences = []
            for _ in range(rng.randint(4, 6)):
                ws = rng.choices(words, cum_weights=cum, k=rng.randint(10, 20))
                sentences.append(ws[0].capitalize() + " " + " ".join(ws[1:]) + ".")
            paragraphs.append(" ".join(sentences))
        if i % 10000 == 5000:
            paragraphs[1] += f" The {RARE_WORD} was seen again."
        if i == n // 2:
            paragraphs[2] += f" A {UNIQUE_WORD} appears once."
        if i % 100 == 7:
            paragraphs[0] += f" We put the {PHRASE[0]} {PHRASE[1]} on the stove."
        title_words = rng.choices(words[7:2000], k=rng.randint(3, 6))
        published = start + timedelta(minutes=i * step + rng.randint(0, 4))
        record = {
            "url": f"{sites[site]}/{published:%Y/%m}/post-{i}.html",
            "title": " ".join(title_words).capitalize(),
            "author": authors[(i // SITES) % 3 + 3 * (site % (len(authors) // 3))],
            "published": published.isoformat(timespec="seconds"),
            "updated": published.isoformat(timespec="seconds"),
            "tags": rng.sample(_SYN_LABELS, rng.randint(1, 3)),
            "language": "en",
            "text": "\n\n".join(paragraphs),
            "html": "".join(f"<p>{p}</p>" for p in paragraphs),
            "comments": [],
        }
        yield record, published.isoformat(timespec="seconds")


def build(db_path: Path, n: int, bulk: bool) -> float:
    """Create the archive at db_path with n posts; return the seconds it took."""
    from pipeline.store import Archive, content_hash, site_of, word_count, year_of

    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    with Archive(db_path) as archive:
        source_ids = {
            site: archive.add_source(f"https://blog{site:02d}.example/", platform="blogger")
            for site in range(SITES)
        }
        batch: list[tuple] = []
        columns = (
            "url site source_id title author published updated year tags language text html "
            "word_count content_hash first_seen last_seen last_listed"
        ).split()

        def flush() -> None:
            marks = ", ".join("?" for _ in columns)
            names = ", ".join(f"[{c}]" for c in columns)
            with archive.transaction():
                archive.db.conn.executemany(f"INSERT INTO posts ({names}) VALUES ({marks})", batch)
            batch.clear()

        if not bulk:
            archive.db.execute("BEGIN IMMEDIATE")  # one transaction, as archive.transaction()
            archive._in_transaction = True
        for i, (record, seen) in enumerate(synthetic_records(n)):
            source_id = source_ids[i % SITES]
            if bulk:
                tags = json.dumps(record["tags"])
                batch.append(
                    (
                        record["url"],
                        site_of(record["url"]),
                        source_id,
                        record["title"],
                        record["author"],
                        record["published"],
                        record["updated"],
                        year_of(record["published"]),
                        tags,
                        "en",
                        record["text"],
                        record["html"],
                        word_count(record["text"]),
                        content_hash(record["title"], record["text"], record["tags"]),
                        seen,
                        seen,
                        seen,
                    )
                )
                if len(batch) >= 5000:
                    flush()
            else:
                archive.save_post(record, source_id=source_id, seen_at=seen)
            if (i + 1) % 10000 == 0:
                rate = (i + 1) / (time.perf_counter() - start)
                print(f"#   {i + 1} posts, {rate:.0f} posts/s", file=sys.stderr, flush=True)
        if bulk:
            if batch:
                flush()
        else:
            archive._in_transaction = False
            archive.db.execute("COMMIT")
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        archive.db.execute("ANALYZE")
    return time.perf_counter() - start


# -- the 20 searches --------------------------------------------------------------------------

# (label, datasette query parameters, library query or None, raw)
QUERIES: list[tuple[str, dict, str | None, bool]] = [
    ("very common word", {"_search": "the"}, "the", False),
    ("common word", {"_search": "W40"}, "W40", False),
    ("common word 2", {"_search": "W120"}, "W120", False),
    ("mid-frequency word", {"_search": "W500"}, "W500", False),
    ("rare word (rank ~15,000)", {"_search": "W15000"}, "W15000", False),
    ("rarest word (1 in 10,000)", {"_search": RARE_WORD}, RARE_WORD, False),
    ("unique word (1 post)", {"_search": UNIQUE_WORD}, UNIQUE_WORD, False),
    ("two common words", {"_search": "W40 W120"}, "W40 W120", False),
    ("common + rare word", {"_search": f"W40 {RARE_WORD}"}, f"W40 {RARE_WORD}", False),
    ("three words", {"_search": "W40 W120 W300"}, "W40 W120 W300", False),
    (
        "phrase",
        {"_search": f'"{PHRASE[0]} {PHRASE[1]}"', "_searchmode": "raw"},
        f'"{PHRASE[0]} {PHRASE[1]}"',
        True,
    ),
    ("prefix", {"_search": "gard*", "_searchmode": "raw"}, "gard*", True),
    ("OR", {"_search": "W500 OR W600", "_searchmode": "raw"}, "W500 OR W600", True),
    (
        "NEAR",
        {"_search": "NEAR(W40 W120, 3)", "_searchmode": "raw"},
        "NEAR(W40 W120, 3)",
        True,
    ),
    ("title column", {"_search": "title:W100", "_searchmode": "raw"}, "title:W100", True),
    ("author name", {"_search": "Morton"}, "Morton", False),
    ("word + site filter", {"_search": "W40", "site": "blog03.example"}, None, False),
    ("word + year filter", {"_search": "W120", "year": "2010"}, None, False),
    ("word + label filter", {"_search": "W300", "tags__arraycontains": "Cooking"}, None, False),
    ("word, 10 rows", {"_search": "W120", "_size": "10"}, None, False),
]


def resolve_queries() -> list[tuple[str, dict, str | None, bool]]:
    """Replace the rank placeholders W<rank> by the vocabulary's word of that rank."""
    words = vocabulary()

    def fill(text: str) -> str:
        import re

        return re.sub(r"\bW(\d+)\b", lambda m: words[int(m.group(1))], text)

    return [
        (label, {k: fill(v) for k, v in params.items()}, fill(q) if q else None, raw)
        for label, params, q, raw in QUERIES
    ]


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def measure(db_path: Path, repeat: int, paths: set[str]) -> dict:
    from pipeline.serving import make_datasette
    from pipeline.store import Archive

    queries = resolve_queries()
    # the CLI as a user runs it: its modules' bytecode cached (the warm-up run writes it)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ds = make_datasette(db_path)
    name = db_path.stem
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())
    per_query: dict[str, dict[str, list[float]]] = {}
    hits: dict[str, int] = {}

    def getter(path: str, query: dict):
        """A call of `/<db>/<path>?query` in-process, returning its JSON, or None when
        Datasette stopped the query at sql_time_limit_ms (what a user gets too)."""

        def run():
            response = loop.run_until_complete(ds.client.get(f"/{name}/{path}?" + urlencode(query)))
            if response.status_code == 400 and "took too long" in response.text:
                return None
            if response.status_code != 200:
                raise RuntimeError(f"{query}: HTTP {response.status_code} {response.text[:300]}")
            return response.json()

        return run

    def datasette_get(params: dict, lean: bool):
        query = dict(params, **({"_nocount": "1", "_nofacet": "1"} if lean else {}))
        return getter("posts.json", query)

    def canned_get(params: dict, order: str = ""):
        """The archive's own search page (the `search` canned query: ranked, highlighted,
        top 100; or by date with `order`), with the table search's filters turned into its
        parameters."""
        query = {
            "order": order,
            "q": params["_search"],
            "site": params.get("site", ""),
            "author": "",
            "tag": params.get("tags__arraycontains", ""),
            "since": params.get("year", ""),
            "until": params.get("year", ""),
            "_shape": "array",
        }
        return getter("search.json", query)

    with Archive(db_path, readonly=True) as archive:
        for label, params, library_query, raw in queries:
            samples: dict[str, list[float]] = {}
            hits[label] = "n/a"
            if "datasette" in paths:
                body = datasette_get(params, False)()
                hits[label] = (
                    "time limit"
                    if body is None
                    else body.get("filtered_table_rows_count") or len(body.get("rows", []))
                )
                samples["datasette"] = timed(datasette_get(params, False), repeat)
            if "datasette-lean" in paths:
                samples["datasette-lean"] = timed(datasette_get(params, True), repeat)
            if "datasette-search" in paths and params.get("_searchmode") != "raw":
                samples["datasette-search"] = timed(canned_get(params), repeat)
            if "search-newest" in paths and params.get("_searchmode") != "raw":
                samples["search-newest"] = timed(canned_get(params, "newest"), repeat)
            if "library" in paths and library_query is not None:
                samples["library"] = timed(
                    lambda q=library_query, r=raw: archive.search(q, limit=20, raw=r), repeat
                )
            if "library-newest" in paths and library_query is not None:
                samples["library-newest"] = timed(
                    lambda q=library_query, r=raw: archive.search(
                        q, limit=20, raw=r, order="newest"
                    ),
                    repeat,
                )
            if "cli" in paths and library_query is not None:
                cmd = [str(VENV_BIN / "blogarchive"), "search", library_query, "--db"]
                cmd += [str(db_path), "--json"] + (["--raw"] if raw else [])
                samples["cli"] = timed(
                    lambda cmd=cmd: subprocess.run(cmd, check=True, capture_output=True, env=env),
                    repeat,
                )
            per_query[label] = samples
    loop.close()
    return {"per_query": per_query, "hits": hits}


#: The pages a reader opens before searching: the home page (blogs with their first and last
#: post, latest posts) and the tables in their default order (`archive/metadata.yml`).
BROWSE_PAGES = ("/", "/{db}/posts", "/{db}/post_versions", "/{db}/comments", "/{db}/failures")


def measure_pages(db_path: Path, repeat: int) -> dict[str, list[float]]:
    """Each of BROWSE_PAGES through Datasette in-process, `repeat` timed runs after a
    warm-up: milliseconds by page."""
    from pipeline.serving import make_datasette

    ds = make_datasette(db_path)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def get(path: str):
        def run():
            response = loop.run_until_complete(ds.client.get(path))
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:300]}")

        return run

    samples = {page: timed(get(page.format(db=db_path.stem)), repeat) for page in BROWSE_PAGES}
    loop.close()
    return samples


PATHS = (
    "datasette",
    "datasette-lean",
    "datasette-search",
    "search-newest",
    "library",
    "library-newest",
    "cli",
)


def summary_rows(n: int, result: dict) -> list[list]:
    rows = []
    for path in PATHS:
        samples = [s for q in result["per_query"].values() for s in q.get(path, [])]
        if not samples:
            continue
        queries = sum(1 for q in result["per_query"].values() if path in q)
        rows.append(
            [
                f"{n:,}",
                path,
                queries,
                median(samples),
                percentile(samples, 95),
                max(samples),
                "yes" if percentile(samples, 95) < 100 else "NO",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100000, help="posts in the archive")
    parser.add_argument("--sizes", help="comma-separated sizes to compare (overrides --posts)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (5)")
    parser.add_argument("--bulk", action="store_true", help="bench-only fast build (see above)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess path")
    parser.add_argument(
        "--paths",
        default=",".join(PATHS),
        help=f"comma-separated paths to measure (default all: {','.join(PATHS)})",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    parser.add_argument(
        "--no-pages", action="store_true", help="skip the browse pages (home page, tables)"
    )
    parser.add_argument(
        "--workdir",
        default=str(Path(tempfile.gettempdir()) / "blogarchive-bench-search"),
        help="where the archives are kept (a folder under the system's temp dir)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.posts]
    paths = set(args.paths.split(",")) - ({"cli"} if args.no_cli else set())
    if paths - set(PATHS):
        parser.error(f"unknown paths: {', '.join(sorted(paths - set(PATHS)))}")
    rows: list[list] = []
    page_rows: list[list] = []
    builds: list[list] = []
    result: dict = {}
    for n in sizes:
        db_path = Path(args.workdir) / f"search-{n}{'-bulk' if args.bulk else ''}.db"
        cached = 0
        if db_path.exists() and not args.rebuild:
            with sqlite3.connect(db_path) as conn:
                try:
                    cached = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
                except sqlite3.Error:
                    cached = 0
        if cached == n:
            print(f"# {n} posts: reusing {db_path}", file=sys.stderr, flush=True)
            build_s = float("nan")
            from pipeline.store import Archive

            Archive(db_path).close()  # this version's migrations (indexes) applied
        else:
            print(f"# {n} posts: building {db_path} ...", file=sys.stderr, flush=True)
            build_s = build(db_path, n, args.bulk)
        size_mb = db_path.stat().st_size / 1024 / 1024
        builds.append([f"{n:,}", "bulk" if args.bulk else "save_post", build_s, size_mb])
        print(f"# {n} posts: measuring ...", file=sys.stderr, flush=True)
        result = measure(db_path, args.repeat, paths)
        rows += summary_rows(n, result)
        if not args.no_pages:
            for page, samples in measure_pages(db_path, args.repeat).items():
                page_rows.append(
                    [f"{n:,}", page, median(samples), percentile(samples, 95), max(samples)]
                )
    print(f"Search latency, ms; {machine_line()}; {args.repeat} timed runs per query\n")
    print(markdown_table(["posts", "path", "queries", "median", "p95", "max", "p95 < 100"], rows))
    if page_rows:
        print("\nBrowse pages (Datasette in-process), ms:\n")
        print(markdown_table(["posts", "page", "median", "p95", "max"], page_rows))
    print()
    print(markdown_table(["posts", "build", "build s", "db MB"], builds))
    print(f"\nPer query at {sizes[-1]:,} posts (median ms; matches = Datasette's count):\n")
    per_rows = []
    for label, samples in result["per_query"].items():
        per_rows.append(
            [label, result["hits"][label]]
            + [median(samples[p]) if p in samples else "n/a" for p in PATHS]
        )
    print(markdown_table(["query", "matches", *PATHS], per_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
