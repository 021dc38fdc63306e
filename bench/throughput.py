"""End-to-end archiving throughput against its peers, on a synthetic blog served on loopback.

Usage: python bench/throughput.py [--posts 2000] [--repeat 1] [--only crawl,naive,...]
                                  [--memory-sizes 2000,20000]

Starts a Blogger-style blog of N generated posts of about 60 KB (`synthetic_posts(n,
paragraphs=40)`) on 127.0.0.1 and runs, in turn, each in its own subprocess:

- crawl:        `blogarchive crawl URL --db fresh.db` (politeness lifted with -s, see LIFT;
                the per-source request budget lifted with BLOGARCHIVE_MAX_PAGES_PER_SOURCE=0)
- naive:        bench/naive_spider.py (trafilatura in the Scrapy callback, one commit per item)
- trafilatura:  trafilatura's command line, `-i urls.txt -o DIR --config-file CFG` with
                SLEEP_TIME = 0 and SSRF_PROTECTION = off (its defaults: 5 s between requests
                to one host, loopback refused)
- pure-*:       extraction only, of the same pages fetched once and held in memory:
                `pipeline.extraction.extract_post` and plain `trafilatura.extract`, in 1 and
                in 2 processes (multiprocessing Pool, fork: pages inherited, tasks are indices)

pages/s is posts stored (or extracted) / wall seconds; for crawl, naive and trafilatura the
wall time is the whole command (start-up, discovery, fetch, extract, store, exit); for pure-*
it is the extraction loop only. CPU is user+system seconds of the process and its children;
`cores` = CPU / wall. `max RSS` is the largest single process (its VmHWM), `tree RSS` the peak
of the summed PSS (shared pages split between sharers) of the process and its workers. The demo server runs in this process; its
CPU is shown apart (it shares the 2 cores with the contender).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sqlite3
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import VENV_BIN, Measured, machine_line, markdown_table, median, run_measured  # noqa: E402

HERE = Path(__file__).resolve().parent
LIFT = [
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "CONCURRENT_REQUESTS=32",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
]
CONTENDERS = [
    "crawl",
    "naive",
    "trafilatura",
    "pure-extract_post-1",
    "pure-extract_post-2",
    "pure-trafilatura-1",
    "pure-trafilatura-2",
]


# -- pure extraction worker (runs in its own subprocess) --------------------------------------

_PAGES: list[tuple[str, bytes]] = []


def _extract_one(index: int) -> int:
    url, body = _PAGES[index]
    if _METHOD == "extract_post":
        from pipeline.extraction import ExtractionError, extract_post

        try:
            return len(extract_post(body, url).text) > 0
        except ExtractionError:
            return 0
    import trafilatura

    return int(bool(trafilatura.extract(body.decode("utf-8"), url=url, with_metadata=True)))


_METHOD = "extract_post"


def pure_worker(pages_file: str, method: str, processes: int) -> None:
    """Extract every page of `pages_file` (a pickle of (url, body) pairs); print JSON."""
    global _PAGES, _METHOD
    import multiprocessing

    with open(pages_file, "rb") as fh:
        _PAGES = pickle.load(fh)
    _METHOD = method
    if method == "extract_post":
        import pipeline.extraction  # noqa: F401  (imports out of the timed loop)
    else:
        import trafilatura  # noqa: F401
    _extract_one(0)  # warm caches (lazy imports, compiled regexes) before timing
    start = time.perf_counter()
    if processes == 1:
        ok = sum(_extract_one(i) for i in range(len(_PAGES)))
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            ok = sum(pool.imap_unordered(_extract_one, range(len(_PAGES)), chunksize=8))
    seconds = time.perf_counter() - start
    print(json.dumps({"extracted": ok, "seconds": seconds}))


# -- the blog ---------------------------------------------------------------------------------


def start_blog(posts: int):
    from pipeline.demo.content import synthetic_posts
    from pipeline.demo.server import start_demo_blogs

    blogs = start_demo_blogs(
        blogger_posts=synthetic_posts(posts, paragraphs=40), wordpress_posts=[]
    )
    blogs.blogger.site.check_changes = False
    # feed pages and sitemap parts of 150 entries, as Blogger serves them (the demo's 10 keep
    # its small blogs paging; a 20,000-post blog would need 2,000 feed pages)
    blogs.blogger.site.feed_max_results = 150
    blogs.blogger.site.sitemap_page_size = 150
    blogs.wordpress.stop()
    return blogs


def post_urls(blogs) -> list[str]:
    site = blogs.blogger.site
    base = blogs.blogger.url.rstrip("/")
    return [base + site.post_path(p) for p in site.index().posts]


def fetch_all(urls: list[str]) -> list[tuple[str, bytes]]:
    from concurrent.futures import ThreadPoolExecutor

    def get(url: str) -> tuple[str, bytes]:
        with urllib.request.urlopen(url, timeout=30) as response:
            return url, response.read()

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(get, urls))


def trafilatura_config(path: Path) -> None:
    import trafilatura

    default = (Path(trafilatura.__file__).parent / "settings.cfg").read_text()
    lifted = default.replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0").replace(
        "SSRF_PROTECTION = on", "SSRF_PROTECTION = off"
    )
    if lifted == default:
        raise SystemExit("trafilatura's settings.cfg changed: cannot lift SLEEP_TIME/SSRF")
    path.write_text(lifted)


def count_rows(db: Path, table: str = "posts") -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]


# -- one run of one contender -----------------------------------------------------------------


def run_contender(name: str, blog_url: str, work: Path, n: int, timeout: float) -> Measured:
    py = str(Path(sys.executable))
    run_dir = Path(tempfile.mkdtemp(dir=work, prefix=name + "-"))
    if name == "crawl":
        db = run_dir / "fresh.db"
        cmd = [str(VENV_BIN / "blogarchive"), "crawl", blog_url, "--db", str(db), *LIFT]
        cmd += ["-s", "BLOGARCHIVE_MAX_PAGES_PER_SOURCE=0"]  # the 20,000-request cap per run
        measured = run_measured(cmd, timeout=timeout)
        measured.extra["pages"] = count_rows(db)
        print(f"  crawl said: {measured.stdout.strip()}", file=sys.stderr)
        if db.exists():
            with sqlite3.connect(db) as conn:
                failures = conn.execute(
                    "SELECT stage, count(*), min(error) FROM failures GROUP BY stage"
                ).fetchall()
            for stage, count, example in failures:
                print(f"  failures[{stage}]: {count}, e.g. {example}", file=sys.stderr)
    elif name == "naive":
        db = run_dir / "naive.db"
        cmd = [py, str(HERE / "naive_spider.py"), blog_url, "--db", str(db), *LIFT]
        measured = run_measured(cmd, timeout=timeout)
        measured.extra["pages"] = count_rows(db)
    elif name == "trafilatura":
        out = run_dir / "out"
        cmd = [
            str(VENV_BIN / "trafilatura"),
            "-i",
            str(work / "urls.txt"),
            "-o",
            str(out),
            "--config-file",
            str(work / "trafilatura.cfg"),
        ]
        measured = run_measured(cmd, timeout=timeout)
        measured.extra["pages"] = sum(1 for _ in out.rglob("*.txt")) if out.exists() else 0
    else:
        _, method, processes = name.split("-")
        cmd = [
            py,
            __file__,
            "--pure-worker",
            str(work / "pages.pickle"),
            "--method",
            method,
            "--processes",
            processes,
        ]
        measured = run_measured(cmd, timeout=timeout)
        result = json.loads(measured.stdout.strip().splitlines()[-1]) if measured.stdout else {}
        measured.extra["pages"] = result.get("extracted", 0)
        measured.extra["seconds"] = result.get("seconds", float("nan"))
    if measured.returncode != 0:
        print(f"  {name}: exit {measured.returncode}\n{measured.stderr[-2000:]}", file=sys.stderr)
    return measured


def rate(m: Measured) -> float:
    seconds = m.extra.get("seconds", m.wall)
    return m.extra["pages"] / seconds if seconds else float("nan")


def run_suite(
    posts: int, contenders: list[str], repeat: int, timeout: float, work: Path
) -> dict[str, list[dict]]:
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {posts} posts; starting the blog ...", file=sys.stderr, flush=True)
    blogs = start_blog(posts)
    try:
        blog_url = blogs.blogger.url
        urls = post_urls(blogs)
        (work / "urls.txt").write_text("\n".join(urls) + "\n")
        trafilatura_config(work / "trafilatura.cfg")
        if any(c.startswith("pure-") for c in contenders):
            t0 = time.perf_counter()
            pages = fetch_all(urls)  # also renders every page once into the server's cache
            print(
                f"# fetched {len(pages)} pages "
                f"({sum(len(b) for _, b in pages) / len(pages) / 1024:.0f} KB on average) "
                f"in {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            with open(work / "pages.pickle", "wb") as fh:
                pickle.dump(pages, fh)
            del pages
        results: dict[str, list[dict]] = {c: [] for c in contenders}
        for r in range(repeat):
            for name in contenders:
                self_before = os.times()
                m = run_contender(name, blog_url, work, posts, timeout)
                self_after = os.times()
                server_cpu = (self_after.user - self_before.user) + (
                    self_after.system - self_before.system
                )
                row = {
                    "pages": m.extra["pages"],
                    "wall": m.extra.get("seconds", m.wall),
                    "rate": rate(m),
                    "cpu": m.cpu,
                    "cores": m.cpu / m.wall if m.wall else 0.0,
                    "maxrss": m.maxrss_mb,
                    "treerss": m.tree_rss_mb,
                    "server_cpu": server_cpu,
                    "rc": m.returncode,
                }
                results[name].append(row)
                print(
                    f"  run {r + 1} {name}: {row['pages']} pages in {row['wall']:.1f} s = "
                    f"{row['rate']:.1f} pages/s, cores {row['cores']:.2f}, max RSS "
                    f"{row['maxrss']:.0f} MB, tree RSS {row['treerss']:.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
        return results
    finally:
        blogs.stop()


def med(rows: list[dict], key: str) -> float:
    return median([row[key] for row in rows])


def report(posts: int, results: dict[str, list[dict]], repeat: int) -> str:
    headers = [
        "contender",
        "pages",
        "seconds",
        "pages/s",
        "CPU s",
        "cores busy",
        "max RSS MB",
        "tree RSS MB",
        "server CPU s",
    ]
    rows = []
    for name, runs in results.items():
        rows.append(
            [
                f"**{name}**" if name == "crawl" else name,
                int(med(runs, "pages")),
                med(runs, "wall"),
                med(runs, "rate"),
                med(runs, "cpu"),
                med(runs, "cores"),
                med(runs, "maxrss"),
                med(runs, "treerss"),
                med(runs, "server_cpu"),
            ]
        )
    lines = [
        f"{posts} posts, median of {repeat} run(s); {machine_line()}",
        "",
        markdown_table(headers, rows),
        "",
    ]
    if "crawl" in results:
        crawl = med(results["crawl"], "rate")
        goals = [
            ("naive", ">= 1.7x"),
            ("pure-extract_post-2", ">= 0.8x"),
            ("trafilatura", "> 1x"),
        ]
        ratio_rows = []
        for other, goal in goals:
            if other in results:
                ratio = crawl / med(results[other], "rate")
                target = float(goal.split()[1].rstrip("x"))
                met = (
                    ratio > target if goal.startswith(">") and "=" not in goal else ratio >= target
                )
                ratio_rows.append(
                    [f"crawl / {other}", f"{ratio:.2f}x", goal, "yes" if met else "NO"]
                )
        rss = med(results["crawl"], "treerss")
        ratio_rows.append(
            ["crawl peak RSS (tree)", f"{rss:.0f} MB", "< 250 MB", "yes" if rss < 250 else "NO"]
        )
        lines += [markdown_table(["ratio", "value", "goal", "met"], ratio_rows), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Contenders: " + ", ".join(CONTENDERS),
    )
    parser.add_argument("--posts", type=int, default=2000, help="posts on the blog (2000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each contender (1)")
    parser.add_argument(
        "--only", default=",".join(CONTENDERS), help="comma-separated contenders to run (all)"
    )
    parser.add_argument(
        "--memory-sizes",
        metavar="A,B",
        help="instead: crawl blogs of A and B posts and print the growth of peak RSS",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run (3600)")
    parser.add_argument("--workdir", help="keep databases and outputs here (default: a temp dir)")
    parser.add_argument("--pure-worker", metavar="PAGES", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="extract_post", help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pure_worker:
        pure_worker(args.pure_worker, args.method, args.processes)
        return 0
    contenders = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.memory_sizes:
            sizes = [int(s) for s in args.memory_sizes.split(",")]
            rows = []
            for size in sizes:
                res = run_suite(size, ["crawl"], args.repeat, args.timeout, work / str(size))
                runs = res["crawl"]
                rows.append(
                    [
                        size,
                        int(med(runs, "pages")),
                        med(runs, "rate"),
                        med(runs, "maxrss"),
                        med(runs, "treerss"),
                    ]
                )
            print(f"blogarchive crawl, peak memory by blog size; {machine_line()}\n")
            print(markdown_table(["posts", "stored", "pages/s", "max RSS MB", "tree RSS MB"], rows))
            if len(rows) >= 2:
                growth = rows[-1][4] / rows[0][4] - 1
                print(
                    f"\ntree RSS growth {rows[0][0]} -> {rows[-1][0]} posts: {growth:+.0%} "
                    f"(goal < +20%): {'yes' if growth < 0.2 else 'NO'}"
                )
            return 0
        results = run_suite(args.posts, contenders, args.repeat, args.timeout, work / "run")
        print(report(args.posts, results, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
