"""Pending requests on disk: the queue writes what Scrapy's own queue writes, faster."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from pipeline.scheduler import PickleLifoDiskQueue
from pipeline.spiders.blog import BlogSpider


def _queue(tmp_path: Path) -> tuple[PickleLifoDiskQueue, BlogSpider]:
    crawler = get_crawler(BlogSpider, {"BLOGARCHIVE_DB": str(tmp_path / "a.db")})
    crawler.spider = BlogSpider.from_crawler(crawler, url="http://127.0.0.1:9/")
    return PickleLifoDiskQueue.from_crawler(crawler, str(tmp_path / "queue")), crawler.spider


def test_requests_come_back_with_their_callbacks_as_scrapy_wrote_them(tmp_path: Path) -> None:
    queue, spider = _queue(tmp_path)
    requests = [
        Request(
            f"http://127.0.0.1:9/2024/0{i}/p.html",
            callback=spider.parse_post,
            errback=spider.page_failed,
            cb_kwargs={"hints": {"n": i}},
            meta={"source": "x"},
            priority=i,
        )
        for i in range(1, 4)
    ] + [Request("http://127.0.0.1:9/feed", callback=spider.parse_feed), Request("http://a/b")]
    for request in requests:
        queue.push(request)
    # what is on disk is exactly what Scrapy's own queue would have written
    written = []
    while (record := super(PickleLifoDiskQueue.__mro__[1], queue).pop()) is not None:
        written.append(record)
    assert written == [r.to_dict(spider=spider) for r in reversed(requests)]
    for request in requests:
        queue.push(request)
    popped = [queue.pop() for _ in requests]
    assert [(r.url, r.callback, r.errback, r.cb_kwargs, r.priority) for r in popped] == [
        (r.url, r.callback, r.errback, r.cb_kwargs, r.priority) for r in reversed(requests)
    ]
    # the request objects pushed are left as they were
    assert requests[0].callback == spider.parse_post and requests[0].errback == spider.page_failed
    queue.close()


def test_a_callback_that_is_not_the_spiders_cannot_be_queued_on_disk(tmp_path: Path) -> None:
    # as with Scrapy's queue: ValueError, and the scheduler keeps the request in memory
    queue, spider = _queue(tmp_path)
    queue.push(Request("http://a/1", callback=spider.parse_post))  # its name is known now
    with pytest.raises(ValueError):
        queue.push(Request("http://a/2", callback=lambda response: None))
    with pytest.raises(ValueError):
        queue.push(Request("http://a/3", callback=spider.parse_post, errback=print))
    assert len(queue) == 1 and queue.pop().url == "http://a/1"
    queue.close()
