"""Scrapy feed exports of a crawl (`scrapy crawl blog -o posts.csv`): one CSV row per post.

A crawl yields items of several kinds (the blog's platform and title, each extracted post,
failures, statuses of posts not fetched again). Scrapy's CSV exporter takes its columns from
the first item, the blog's, so every post's row held its blog's address and nothing else.
`PostCsvItemExporter` (`FEED_EXPORTERS` in pipeline/settings.py) writes the extracted posts
only, with `POST_FIELDS` as columns (a feed's `fields` option or `FEED_EXPORT_FIELDS` chooses
others among them). The JSON, JSON Lines and XML feeds keep every item as it is.
"""

from __future__ import annotations

from typing import Any

from scrapy.exporters import CsvItemExporter

from pipeline.items import PostItem

#: the columns of a post's row: the item's own fields, then the extracted record's
POST_FIELDS = [
    "url",
    "source_url",
    "title",
    "author",
    "published",
    "updated",
    "language",
    "tags",
    "fetched_at",
    "text",
]
ITEM_FIELDS = ("url", "source_url", "fetched_at")


def post_row(item: PostItem) -> dict[str, Any]:
    """The columns of one extracted post: its address, blog and fetch time, and the record's
    fields (a list, such as tags, is joined by the exporter)."""
    row = {name: item.record.get(name) for name in POST_FIELDS if name not in ITEM_FIELDS}
    row.update({name: getattr(item, name) for name in ITEM_FIELDS})
    return row


class PostCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter, writing a row per extracted post (`post_row`) and nothing
    for the crawl's other items."""

    def __init__(self, file: Any, **kwargs: Any):
        kwargs["fields_to_export"] = kwargs.get("fields_to_export") or list(POST_FIELDS)
        super().__init__(file, **kwargs)

    def export_item(self, item: Any) -> None:
        if isinstance(item, PostItem):
            super().export_item(post_row(item))
