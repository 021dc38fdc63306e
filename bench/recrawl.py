"""Re-crawl benchmark: what a second and third crawl of a blog cost, as ratios of the first.

    .venv/bin/python bench/recrawl.py [--posts 2000]

Serves a synthetic Blogger-style blog of N posts on loopback (feed pages of 150 entries and
sitemap parts of 150 URLs, as Blogger serves them), then in the same run:

1. crawls it into a fresh archive (the peer every ratio is measured against);
2. crawls it again, unchanged: requests and time as a share of the first crawl
   (goals: at most 3% of the requests and 10% of the time);
3. edits one post and deletes another, crawls again: exactly one new version and one
   `gone_at` may appear, and nothing else may change.

Crawls run through the real `blogarchive crawl` command, politeness lifted for loopback.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.demo.content import synthetic_posts
from pipeline.demo.server import start_demo_blogs

BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))
LOOPBACK = [
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS=32",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
]  # fmt: skip


def crawl(url: str, db: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [BLOGARCHIVE, "crawl", url, "--db", str(db), *LOOPBACK],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"crawl failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return elapsed, result.stdout.strip()


def snapshot(db: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, content_hash, title, gone_at FROM posts").fetchall()
    versions = conn.execute("SELECT count(*) FROM post_versions").fetchone()[0]
    conn.close()
    return {"posts": {r[0]: r[1:] for r in rows}, "versions": versions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts on the synthetic blog")
    parser.add_argument(
        "--paragraphs", type=int, default=40, help="paragraphs per post (~50 KB pages)"
    )
    args = parser.parse_args()

    posts = synthetic_posts(args.posts, paragraphs=args.paragraphs)
    with start_demo_blogs(blogger_posts=posts) as blogs, tempfile.TemporaryDirectory() as tmp:
        server = blogs.blogger
        server.site.feed_max_results = 150
        server.site.sitemap_page_size = 150
        db = Path(tmp) / "recrawl.db"

        first_time, first_line = crawl(server.url, db)
        first_requests = server.requests
        before = snapshot(db)

        server.reset_requests()
        second_time, second_line = crawl(server.url, db)
        second_requests = server.requests
        after_second = snapshot(db)

        site_posts = server.site.posts
        edited, deleted = site_posts[10], site_posts[20]
        edited.paragraphs = [*edited.paragraphs, "An edit: one more paragraph at the end."]
        edited.updated = datetime.now(UTC).isoformat(timespec="seconds")
        site_posts.remove(deleted)
        server.site.invalidate()
        server.reset_requests()
        third_time, third_line = crawl(server.url, db)
        third_requests = server.requests
        after_third = snapshot(db)

    changed = {
        url
        for url, value in after_third["posts"].items()
        if before["posts"].get(url, (None,))[0] != value[0] or value[2]
    }
    gone = [url for url, value in after_third["posts"].items() if value[2]]
    print(f"synthetic Blogger blog, {args.posts} posts on loopback\n")
    print("| crawl | requests | seconds | requests vs first | time vs first |")
    print("|---|---|---|---|---|")
    for name, requests, seconds in (
        ("first (empty archive)", first_requests, first_time),
        ("second (unchanged)", second_requests, second_time),
        ("third (1 edited, 1 deleted)", third_requests, third_time),
    ):
        print(
            f"| {name} | {requests} | {seconds:.1f} | {requests / first_requests:.1%} | "
            f"{seconds / first_time:.1%} |"
        )
    print()
    for line in (first_line, second_line, third_line):
        print("  " + line)
    print()
    print(f"second crawl left the archive unchanged: {after_second == before}")
    print(
        f"third crawl: {after_third['versions'] - after_second['versions']} new version(s), "
        f"{len(gone)} gone_at, posts whose content or state changed: {len(changed)}"
    )
    ok = (
        second_requests <= 0.03 * first_requests
        and second_time <= 0.10 * first_time
        and after_second == before
        and after_third["versions"] - after_second["versions"] == 1
        and len(gone) == 1
        and len(changed) == 2
    )
    print(f"goals met: {ok}")


if __name__ == "__main__":
    main()
