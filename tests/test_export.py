"""`blogarchive export`, as an archivist hands an archive to another institution: every
version, comment and deletion leaves, the text reads back exactly, a failed export never
claims success, and a big archive is exported without holding it in memory."""

from __future__ import annotations

import json
import random
import resource
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, run_blogarchive
from pipeline.demo.content import DemoComment
from pipeline.demo.server import start_demo_blogs

WORDS = "river stone cloud lantern harbour orchard meadow copper willow thistle".split()


def crawl(db: Path, *urls: str, full: bool = False) -> None:
    result = run_blogarchive(
        "crawl", *urls, "--db", str(db), *LOOPBACK, *(["--full"] if full else [])
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both demo blogs crawled twice: right-to-left and decomposed text, a comment with line
    breaks and quotes, a post of 200 kB; then one post edited, one deleted and a comment
    added before the second (full) crawl."""
    db = tmp_path_factory.mktemp("export") / "archive.db"
    with start_demo_blogs() as blogs:
        posts = blogs.blogger.site.posts
        mixed, big, edited, deleted, commented = posts[0], posts[2], posts[3], posts[5], posts[6]
        mixed.title = "Cafe\u0301 notes: שלום עולם and مرحبا"
        mixed.paragraphs = [
            "Decomposed cafe\u0301 and composed caf\u00e9 side by side in one paragraph here.",
            "עברית: זהו טקסט מימין לשמאל עם מספרים 123 ועוד מילים רבות כדי להיות פסקה.",
            "العربية: هذا نص من اليمين إلى اليسار مع بعض الكلمات الإضافية للفقرة الطويلة.",
            *mixed.paragraphs[1:],
        ]
        mixed.comments.append(
            DemoComment(
                "990001",
                'Ünïcødé "Quoter"',
                "2024-03-05T10:15:00+00:00",
                'Line one, with a comma\nline two with "quotes"\nthird',
            )
        )
        rng = random.Random(7)
        big.paragraphs = [" ".join(rng.choices(WORDS, k=100)) + "." for _ in range(300)]
        for post in (mixed, big):
            post.body_html = None
        crawl(db, blogs.blogger.url, blogs.wordpress.url)
        time.sleep(1.1)  # the second crawl's timestamps are a second later
        between = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        time.sleep(1.1)
        edited.paragraphs = [*edited.paragraphs, "An edit adds this sentence about the harbour."]
        edited.updated = datetime.now(UTC).isoformat(timespec="seconds")
        commented.comments.append(
            DemoComment("990002", "Late reader", "2024-06-01T08:00:00+00:00", "A late comment.")
        )
        commented.updated = datetime.now(UTC).isoformat(timespec="seconds")
        posts.remove(deleted)
        crawl(db, blogs.blogger.url, full=True)
        yield {
            "db": db,
            "between": between,
            "urls": {
                name: blogs.blogger.post_url(post)
                for name, post in [
                    ("mixed", mixed),
                    ("big", big),
                    ("edited", edited),
                    ("deleted", deleted),
                    ("commented", commented),
                ]
            },
        }


def export_lines(db: Path, *args: str) -> list[dict[str, Any]]:
    result = run_blogarchive("export", "--format", "jsonl", *args, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def limit_file_size(limit: int) -> Any:
    """For a child process: files it writes end at `limit` bytes, as on a full disk (the
    kernel refuses the rest: a short write, then EFBIG; Python ignores SIGXFSZ)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "warc"])
def test_an_export_to_standard_output_that_fills_the_disk_fails(
    history: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    """`blogarchive export > posts.jsonl` on a disk that fills up: the export must not say
    "N posts exported" with exit status 0 over a truncated file (a short write of the 200 kB
    post was taken for a whole one)."""
    target = tmp_path / f"export.{fmt}"
    with target.open("wb") as out:
        result = subprocess.run(
            [BLOGARCHIVE, "export", "--format", fmt, "--db", str(history["db"])],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            preexec_fn=limit_file_size(150_000),
        )
    assert target.stat().st_size <= 150_000
    assert result.returncode == 1, result.stderr
    assert "exported" not in result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
