"""What flows through the crawl: fetched pages, extracted posts and recorded failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass
class PostItem:
    """An extracted post: `record` holds what `blogarchive extract` prints for the page."""

    url: str
    source_url: str
    record: dict[str, Any] = field(repr=False)
    fetched_at: str = ""


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
