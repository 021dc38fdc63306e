"""The dashboard in headless Chromium: `blogarchive serve` over the crawled demo blogs.

Debian's chromium (/usr/bin/chromium, installed by .ci/run) is driven by Playwright; without it
this test fails rather than skips. Screenshots go to test-artifacts/ (git-ignored), and the
dashboard's also to docs/screenshots/dashboard.png, the one the README shows, when
BLOGARCHIVE_UPDATE_SCREENSHOTS is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ARTIFACTS, PROJECT_ROOT, serve_archive

README_SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "dashboard.png"
# charts that always have data once the demo blogs are crawled
CHARTS_WITH_DATA = ["posts-per-month", "top-labels", "archive-size", "crawl-runs"]


@pytest.fixture(scope="module")
def server(crawled_demo: dict) -> Iterator[str]:
    assert crawled_demo["result"].returncode == 0, crawled_demo["result"].stderr
    with serve_archive(crawled_demo["db"]) as base:
        yield base


def chart_state(page) -> list[dict]:
    return page.eval_on_selector_all(
        "figure.chart",
        """figures => figures.map(f => {
            const svg = f.querySelector('svg');
            const box = svg ? svg.getBoundingClientRect() : null;
            return {
                id: f.dataset.chart,
                svgs: f.querySelectorAll('svg').length,
                elements: svg ? svg.querySelectorAll('*').length : 0,
                marks: svg ? svg.querySelectorAll('.mark').length : 0,
                width: box ? box.width : 0,
                height: box ? box.height : 0,
                error: (f.querySelector('.chart-error') || {}).textContent || null,
            };
        })""",
    )


def test_dashboard_renders_its_charts_in_chromium(server: str, chromium: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport={"width": 1180, "height": 900})
    try:
        problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))

        page.goto(f"{server}/")
        page.click("details.nav-menu > summary")  # the menu of every page links to it
        page.click("details.nav-menu a[href='/-/dashboard']")
        page.wait_for_url("**/-/dashboard")
        charts = chart_state(page)
        assert [c["id"] for c in charts] == [
            "posts-per-month", "top-labels", "archive-size", "crawl-runs", "failures-by-reason"
        ]  # fmt: skip
        for chart in charts:
            assert chart["error"] is None, chart
            assert chart["svgs"] == 1 and chart["elements"] > 0, chart
            assert chart["width"] > 300 and chart["height"] > 100, chart
        for chart in charts:
            if chart["id"] in CHARTS_WITH_DATA:
                assert chart["marks"] > 0, chart
        # a mark's tooltip names its data
        tooltip = page.text_content("#chart-top-labels svg .mark title")
        assert tooltip and tooltip.endswith("posts")
        page.screenshot(path=str(ARTIFACTS / "dashboard-full.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

        # a blog's page, from the dashboard's list of blogs
        page.click("table.chart-blogs a >> nth=0")
        page.wait_for_url("**/-/blog/**")
        blog = chart_state(page)
        assert {c["id"] for c in blog} >= {"blog-timeline", "blog-words", "blog-authors"}
        for chart in blog:
            assert chart["error"] is None and chart["svgs"] == 1, chart
            if chart["id"] != "blog-crawls":
                assert chart["marks"] > 0, chart
        page.screenshot(path=str(ARTIFACTS / "blog-charts.png"), full_page=True)
        assert problems == []
    finally:
        page.close()
    if os.environ.get("BLOGARCHIVE_UPDATE_SCREENSHOTS"):  # refresh the README's, on purpose
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / "dashboard.png", README_SCREENSHOT)
