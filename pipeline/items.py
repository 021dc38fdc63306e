"""What flows through the crawl: fetched pages, extracted posts and recorded failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FetchState:
    """What the fetch of a post page tells the archive besides the page itself."""

    etag: str | None = None
    last_modified: str | None = None
    aliases: list[str] = field(default_factory=list)  # addresses that redirected to it


@dataclass
class PageItem:
    """A fetched post page, before extraction."""

    url: str
    source_url: str
    body: bytes = field(repr=False)
    encoding: str | None = None
    status: int = 200
    hints: dict[str, Any] = field(default_factory=dict)
    fetched_at: str = ""
    fetch: FetchState = field(default_factory=lambda: FetchState())
    capture_id: int | None = None  # the WARC capture of this response, when captures are on
    # a distributed worker's name for the capture it pushed through Redis; the ingester
    # turns it into `capture_id` (pipeline/distributed.py)
    capture_key: str | None = None
    # the comments read from the pages the post page does not show them on (Blogger's comment
    # feed past 200 comments, WordPress's other comment pages), as extraction's dicts
    more_comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PostItem:
    """An extracted post: `record` holds what `blogarchive extract` prints for the page."""

    url: str
    source_url: str
    record: dict[str, Any] = field(repr=False)
    fetched_at: str = ""
    fetch: FetchState = field(default_factory=lambda: FetchState())
    capture_id: int | None = None
    capture_key: str | None = None
    # the addresses of the pictures its HTML shows, to be tied to it in `post_pictures`
    # (filled by `PicturePipeline`; empty when pictures are not kept)
    pictures: list[str] = field(default_factory=list)


@dataclass
class PictureItem:
    """A picture of one or more posts, fetched: `capture_id` (or a distributed worker's
    `capture_key`) is its WARC capture when it came back as a picture; otherwise `error` says
    why it is not kept (HTTP 404, not a picture, too big...)."""

    url: str
    source_url: str
    post_url: str = ""
    capture_id: int | None = None
    capture_key: str | None = None
    error: str = ""


@dataclass
class FailureItem:
    """Something that went wrong for one URL; it becomes a row in `failures`.

    `fatal` marks a failure of the whole source (its home page could not be fetched).
    """

    url: str
    source_url: str
    stage: str
    error: str
    fatal: bool = False


@dataclass
class SourceItem:
    """What discovery learnt about a source (its platform and title)."""

    source_url: str
    platform: str | None = None
    title: str | None = None


@dataclass
class PostStatusItem:
    """A stored post that was not fetched again: `not_modified` (a 304 answer), `gone`
    (404 or 410), or `listed` (a listing showed it unchanged since its last capture)."""

    url: str
    source_url: str
    status: str
    detail: str = ""
