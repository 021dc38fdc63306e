"""Rebuild archived posts from their WARC captures, without the network.

After an upgrade of trafilatura or of our cleaning, `reextract` runs extraction again on the
newest capture of every post (the page as it was received, with the feed's hints recorded
with it) and stores what differs: a new title, text or labels adds a `post_versions` row, as
a crawl would, and every earlier version is kept. A post whose extraction comes out the same
is not written at all. No Scrapy or click here; `blogarchive reextract` is the command.

    from pipeline.reextract import reextract
    report = reextract("archive/archive.db", site="https://example.blogspot.com/")
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.extraction import ExtractionError, LoginWall, says_not_found
from pipeline.store import Archive, ArchiveError, SourceNotFound, extracted_fields, site_of
from pipeline.urls import canonical_url
from pipeline.walls import login_wall
from pipeline.warc import WarcError, read_record
from pipeline.workers import extract_record

HTML_TYPES = ("text/html", "application/xhtml+xml", "")

Extractor = Callable[[bytes, str, dict[str, Any] | None, str | None], dict[str, Any]]


class ReextractError(Exception):
    """A post whose capture cannot be read or extracted."""


class NotAPostPage(ReextractError):
    """A capture the crawl did not store as a post: not HTML, empty, a soft 404 ("Page not
    found" answered with 200), or a body kept compressed (a decompression bomb)."""


@dataclass
class PostChange:
    post_id: int
    url: str
    fields: list[str]


@dataclass
class ReextractReport:
    posts: int = 0
    changed: list[PostChange] = field(default_factory=list)
    unchanged: int = 0
    without_capture: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.posts} posts re-extracted from their captures: {len(self.changed)} changed, "
            f"{self.unchanged} unchanged, {len(self.without_capture)} without a capture, "
            f"{len(self.failed)} failed"
        )


def site_filter(archive: Archive, site: str | None) -> str | None:
    """The `posts.site` value of a `--site` given as a URL or a host; SourceNotFound when the
    archive has no blog there (a typo, which would otherwise give nothing, silently)."""
    if not site:
        return None
    wanted = site_of(site if "://" in site else f"http://{site}")
    known = archive.db.execute(
        "SELECT 1 FROM sources WHERE site = ? UNION ALL SELECT 1 FROM posts WHERE site = ? LIMIT 1",
        [wanted, wanted],
    ).fetchone()
    if known is None:
        raise SourceNotFound(f"no blog {wanted} in the archive; `blogarchive sources` lists them")
    return wanted


def capture_input(archive: Archive, capture: dict[str, Any]) -> dict[str, Any]:
    """What extraction needs from a capture: body, URL, hints and declared encoding.

    A revisit's body is its original's; its HTTP headers and hints are its own, except for a
    304 answer, whose page was not extracted again (the original's hints are used)."""
    original = archive.original_capture(capture["id"])
    if original is None:
        raise ReextractError(f"capture {capture['id']} refers to no stored response")
    try:
        page = read_record(
            archive.capture_path(original), int(original["offset"]), int(original["length"])
        )
        headers = page
        if capture["id"] != original["id"]:
            headers = read_record(
                archive.capture_path(capture), int(capture["offset"]), int(capture["length"])
            )
    except WarcError as error:
        raise ReextractError(str(error)) from error
    if page.mime not in HTML_TYPES:
        raise NotAPostPage(f"capture {original['id']} is not an HTML page ({page.mime})")
    if not page.payload.strip():
        raise NotAPostPage(f"capture {original['id']} has an empty body")
    if page.header("Content-Encoding"):
        raise NotAPostPage(f"capture {original['id']} was kept compressed")
    if page.status == 200 and says_not_found(page.payload):
        raise NotAPostPage(f"capture {original['id']} is a soft 404")
    hints_from = capture if capture["status"] != 304 else original
    hints = json.loads(hints_from["hints"]) if hints_from["hints"] else {}
    charset = headers.charset if headers.status != 304 else page.charset
    return {
        "body": page.payload,
        "url": canonical_url(capture["url"]),
        "hints": hints,
        "encoding": charset,
    }


def newest_post_page(
    archive: Archive, post_id: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The newest capture of a post that the crawl stored it from, with what extraction
    needs of it (`capture_input`): captures the crawl refused as posts (a soft 404, a PDF,
    an empty page answered at the post's address) are passed over, as the crawl passed them
    over. None when the post has no such capture."""
    return next(post_pages(archive, post_id), None)


def post_pages(archive: Archive, post_id: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """`newest_post_page`, then each older such capture in turn."""
    for capture in archive.post_captures(post_id):
        try:
            yield capture, capture_input(archive, capture)
        except NotAPostPage:
            continue


def _newest_post_record(
    archive: Archive, post_id: int, url: str, extract: Extractor
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The newest capture of a post that is the post, and its record: a login wall the crawl
    refused (pipeline/walls.py: a private blog's login page, a paywall's teaser) is passed
    over, as the crawl passed it over. None when the post has no such capture."""
    stored_words = archive.stored_word_count([url])
    for capture, given in post_pages(archive, post_id):
        try:
            record = extract(given["body"], given["url"], given["hints"], given["encoding"])
        except LoginWall:
            continue
        signs = record.get("wall_signs")
        if signs and login_wall(signs, extracted_fields(record)["word_count"], stored_words):
            continue
        return capture, record
    return None


def reextract(
    db_path: str | Path,
    *,
    site: str | None = None,
    extract: Extractor = extract_record,
    progress: Callable[[PostChange], None] | None = None,
) -> ReextractReport:
    """Re-extract every post (of one site) from its newest capture; see the module's doc."""
    report = ReextractReport()
    with Archive(db_path, create=False) as archive:
        if archive.readonly:
            raise ArchiveError(
                f"{archive.path} is read-only: re-extraction stores new versions; "
                "run it on a writable copy"
            )
        wanted = site_filter(archive, site)
        sql = "SELECT id, url FROM posts"
        params: list[Any] = []
        if wanted:
            sql += " WHERE site = ?"
            params.append(wanted)
        posts = [(row[0], row[1]) for row in archive.db.execute(sql + " ORDER BY id", params)]
        for post_id, url in posts:
            report.posts += 1
            try:
                found = _newest_post_record(archive, post_id, url, extract)
                if found is None:
                    report.without_capture.append(url)
                    continue
                capture, record = found
                changed = archive.apply_reextraction(
                    post_id, record, capture_id=capture["id"], captured_at=capture["fetched_at"]
                )
            except (ReextractError, ExtractionError, ArchiveError, KeyError) as error:
                report.failed.append((url, f"{type(error).__name__}: {error}"))
                continue
            if changed:
                change = PostChange(post_id, url, changed)
                report.changed.append(change)
                if progress is not None:
                    progress(change)
            else:
                report.unchanged += 1
    return report
