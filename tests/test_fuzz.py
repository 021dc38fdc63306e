"""Property-based tests (hypothesis) of extraction on random and mutated HTML.

Extraction runs as a crawl runs it: through `pipeline.workers.ExtractionPool` with a time
limit, so a page that hangs is a recorded failure (WorkerCrashed), never a hung crawl. For
every input: a record with text comes back, or ExtractionError / WorkerCrashed is raised;
nothing else. CI budget: FUZZ_EXAMPLES examples per property, no per-example deadline (the
pool's EXTRACT_TIMEOUT bounds each), well under a minute in all.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pipeline.extraction import ExtractionError
from pipeline.workers import ExtractionPool, WorkerCrashed

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
FUZZ_EXAMPLES = 200
EXTRACT_TIMEOUT = 20.0
URL = "https://fuzz.example/2024/05/a-post.html"
BUDGET = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def pool():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pool = loop.run_until_complete(_make_pool())
    yield loop, pool
    pool.close()
    loop.close()


async def _make_pool() -> ExtractionPool:
    return ExtractionPool(2, timeout=EXTRACT_TIMEOUT, memory_limit_mb=1024)


def note(label: str) -> None:
    """Count outcomes in hypothesis's statistics (`--hypothesis-show-statistics`)."""
    try:
        event(label)
    except InvalidArgument:  # called outside a hypothesis test
        pass


def extract(pool, body: bytes, encoding: str | None = None) -> dict | None:
    loop, extraction_pool = pool
    try:
        record = loop.run_until_complete(extraction_pool.extract(body, URL, None, encoding))
    except (ExtractionError, WorkerCrashed) as error:
        note(f"recorded failure: {type(error).__name__}")  # the crawl records it, goes on
        return None
    note("record")
    assert isinstance(record, dict)
    assert isinstance(record["text"], str) and record["text"].strip()
    assert record["url"]
    return record


TAGS = st.sampled_from(
    ["div", "p", "article", "span", "script", "style", "table", "td", "svg", "iframe", "h1", "a"]
)


@st.composite
def random_html(draw) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{draw(TAGS)}{draw(st.sampled_from(['', ' class=x', ' onclick=y']))}>")
        elif kind == 1:
            parts.append(f"</{draw(TAGS)}>")
        elif kind == 2:
            parts.append(draw(st.text(max_size=200)))
        else:
            parts.append(
                draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "&#0;", "&amp", "\x00"]))
            )
    text = "".join(parts)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def mutated_fixture(draw) -> bytes:
    data = bytearray(FIXTURES[draw(st.integers(0, len(FIXTURES) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 3))
        if op == 0:  # truncate
            del data[at:]
        elif op == 1:  # flip bytes
            data[at : at + 4] = draw(st.binary(min_size=4, max_size=4))
        elif op == 2:  # delete a slice
            del data[at : at + draw(st.integers(1, 2000))]
        else:  # duplicate a slice (deeper nesting, repeated markup)
            chunk = data[at : at + draw(st.integers(1, 2000))]
            data[at:at] = chunk * draw(st.integers(1, 20))
    return bytes(data)


@BUDGET
@given(body=random_html())
def test_random_html_gives_a_record_or_a_recorded_failure(pool, body: bytes) -> None:
    extract(pool, body)


@BUDGET
@given(body=mutated_fixture(), declared=st.sampled_from([None, "utf-8", "iso-8859-1", "bogus"]))
def test_mutated_fixtures_give_a_record_or_a_recorded_failure(
    pool, body: bytes, declared: str | None
) -> None:
    extract(pool, body, declared)


def test_the_fixtures_themselves_extract(pool) -> None:
    assert FIXTURES
    articles = [path for path in FIXTURES if path.stem != "login_form"]  # no article: fails
    assert all(extract(pool, path.read_bytes()) is not None for path in articles)
