"""Datasette plugin: the archive's charts, drawn on the server as inline SVG.

Charts are defined in archive/charts.yml (beside this plugins/ folder): a title, an SQL query
run on every request over the live archive (no copies to go stale), a kind (``line`` or
``timeline``, ``bar``, ``stacked-bar``), the columns for ``x``, ``y`` (one column or a list)
and ``series``, and the page it belongs to (``dashboard`` or ``blog``; a blog's queries get the
``:site`` parameter). Pages:

- ``/-/dashboard``: the archive dashboard (activity, labels, size, crawl health) and its blogs;
- ``/-/blog/<site>``: one blog's charts.

No script and no external resource: every mark is an SVG element with a ``<title>`` tooltip,
colours are presentation attributes (so a strict Content-Security-Policy is fine), every text
is escaped. A query that fails (or times out, see ``sql_time_limit_ms``) shows its error in
place of its chart; the page still answers 200. ``error_reason(error)`` is an SQL function
(registered on every connection) that normalises a ``failures.error`` message into a reason.
"""

import math
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import yaml
from datasette import Forbidden, NotFound, hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from pipeline.urls import http_url

CHARTS_FILE = "charts.yml"
KINDS = {"line", "timeline", "bar", "stacked-bar"}
PAGES = {"dashboard", "blog"}
PALETTE = [
    "#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951",
    "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0",
]  # fmt: skip
OTHER = "other"
MAX_SERIES = 8
MAX_ROWS = 5000
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class ChartConfigError(ValueError):
    """charts.yml cannot be read or a chart in it is incomplete."""


# ---------------------------------------------------------------- configuration


@dataclass
class Chart:
    id: str
    title: str
    sql: str
    kind: str
    x: str
    y: list[str]
    page: str = "dashboard"
    section: str = ""
    series: str | None = None
    description: str = ""
    fill: float | None = None
    orientation: str = "vertical"
    x_label: str = ""
    y_label: str = ""
    empty: str = "No data yet"

    @classmethod
    def from_dict(cls, raw: Any, index: int) -> "Chart":
        if not isinstance(raw, dict):
            raise ChartConfigError(f"chart {index + 1} is not a mapping")
        missing = [key for key in ("id", "title", "sql", "kind", "x", "y") if not raw.get(key)]
        if missing:
            raise ChartConfigError(f"chart {raw.get('id') or index + 1} lacks {', '.join(missing)}")
        kind = str(raw["kind"])
        if kind not in KINDS:
            raise ChartConfigError(f"chart {raw['id']}: kind must be one of {sorted(KINDS)}")
        page = str(raw.get("page", "dashboard"))
        if page not in PAGES:
            raise ChartConfigError(f"chart {raw['id']}: page must be one of {sorted(PAGES)}")
        y = raw["y"] if isinstance(raw["y"], list) else [raw["y"]]
        fill = raw.get("fill")
        return cls(
            id=str(raw["id"]),
            title=str(raw["title"]),
            sql=str(raw["sql"]),
            kind=kind,
            x=str(raw["x"]),
            y=[str(column) for column in y],
            page=page,
            section=str(raw.get("section") or ""),
            series=str(raw["series"]) if raw.get("series") else None,
            description=str(raw.get("description") or ""),
            fill=float(fill) if fill is not None else None,
            orientation=str(raw.get("orientation") or "vertical"),
            x_label=str(raw.get("x_label") or raw["x"]),
            y_label=str(raw.get("y_label") or (y[0] if len(y) == 1 else "")),
            empty=str(raw.get("empty") or "No data yet"),
        )


def charts_path(datasette) -> Path:
    base = Path(datasette.plugins_dir).parent if datasette.plugins_dir else Path(__file__).parent
    return base / CHARTS_FILE


def load_charts(path: Path) -> list[Chart]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ChartConfigError(f"cannot read {path.name}: {error}") from error
    items = raw.get("charts") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ChartConfigError(f"{path.name} has no list under 'charts'")
    charts = [Chart.from_dict(item, index) for index, item in enumerate(items)]
    seen: set[str] = set()
    for chart in charts:
        if chart.id in seen:
            raise ChartConfigError(f"two charts have the id {chart.id!r}")
        seen.add(chart.id)
    return charts


# ---------------------------------------------------------------- data


@dataclass
class Series:
    name: str
    points: dict[Any, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.points.values())


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def tidy(chart: Chart, columns: list[str], rows: list[tuple]) -> tuple[list[Any], list[Series]]:
    """Rows -> (x categories in query order, series). Wide (y list) or long (series column)."""
    needed = [chart.x, *chart.y, *([chart.series] if chart.series else [])]
    absent = [name for name in needed if name not in columns]
    if absent:
        raise ChartConfigError(
            f"the query returns no column {', '.join(absent)} (it returns {', '.join(columns)})"
        )
    index = {name: columns.index(name) for name in needed}
    xs: list[Any] = []
    seen_x: set[Any] = set()
    series: dict[str, Series] = {}
    for row in rows:
        x = row[index[chart.x]]
        x = "(none)" if x is None or x == "" else x
        if x not in seen_x:
            seen_x.add(x)
            xs.append(x)
        for column in chart.y:
            name = str(row[index[chart.series]]) if chart.series else column
            value = _number(row[index[column]])
            if value is None:
                continue
            bucket = series.setdefault(name, Series(name))
            bucket.points[x] = bucket.points.get(x, 0.0) + value
    ordered = list(series.values())
    if chart.series and len(ordered) > MAX_SERIES:
        ordered.sort(key=lambda s: -s.total)
        kept, rest = ordered[: MAX_SERIES - 1], ordered[MAX_SERIES - 1 :]
        other = Series(OTHER)
        for s in rest:
            for x, value in s.points.items():
                other.points[x] = other.points.get(x, 0.0) + value
        ordered = [*kept, other]
    elif not chart.series:
        ordered = [series[column] for column in chart.y if column in series]
    return xs, ordered


# ---------------------------------------------------------------- drawing helpers


def fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def nice_ticks(top: float, count: int = 5, integer: bool = True) -> list[float]:
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= raw:
            break
    if integer:
        step = max(1.0, round(step))
    last = math.ceil(top / step - 1e-9) * step
    return [i * step for i in range(int(round(last / step)) + 1)]


def _as_date(value: Any) -> date | None:
    match = ISO_DATE.match(str(value))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class Svg:
    """A small SVG writer: every attribute value and text goes through markupsafe.escape."""

    def __init__(self, width: int, height: int, label: str):
        self.width, self.height = width, height
        self.parts: list[str] = [
            f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-label="{escape(label)}">'
        ]

    def el(self, tag: str, title: str | None = None, text: str | None = None, **attrs: Any):
        attributes = " ".join(
            f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"'
            for name, value in attrs.items()
            if value is not None
        )
        inner = (f"<title>{escape(title)}</title>" if title else "") + (
            str(escape(text)) if text is not None else ""
        )
        self.parts.append(f"<{tag} {attributes}>{inner}</{tag}>")

    def markup(self) -> Markup:
        return Markup("".join(self.parts) + "</svg>")


def _legend(svg: Svg, series: list[Series], y: float, left: float) -> None:
    if len(series) <= 1:
        return
    x = left
    for i, s in enumerate(series):
        width = 24 + 7 * len(truncate(s.name, 28))
        if x + width > svg.width - 8:
            x, y = left, y + 18
        svg.el("rect", class_="legend-swatch", x=x, y=y - 9, width=10, height=10,
               fill=PALETTE[i % len(PALETTE)])  # fmt: skip
        svg.el("text", class_="legend", x=x + 14, y=y, text=truncate(s.name, 28),
               title=s.name)  # fmt: skip
        x += width


def _legend_rows(series: list[Series], width: int, left: float) -> int:
    if len(series) <= 1:
        return 0
    rows, x = 1, left
    for s in series:
        w = 24 + 7 * len(truncate(s.name, 28))
        if x + w > width - 8:
            rows, x = rows + 1, left
        x += w
    return rows


def _empty(svg: Svg, message: str) -> Markup:
    svg.el("text", class_="chart-empty", x=svg.width / 2, y=svg.height / 2,
           text_anchor="middle", text=message)  # fmt: skip
    return svg.markup()


def _y_axis(svg: Svg, ticks: list[float], scale, left: float, right: float, label: str) -> None:
    for tick in ticks:
        y = scale(tick)
        svg.el("line", class_="grid", x1=left, x2=right, y1=y, y2=y, stroke="#ddd")
        svg.el("text", class_="tick", x=left - 6, y=y + 4, text_anchor="end", text=fmt(tick))
    if label:
        svg.el("text", class_="axis-label", x=14, y=svg.height / 2, text_anchor="middle",
               transform=f"rotate(-90 14 {svg.height / 2})", text=label)  # fmt: skip


# ---------------------------------------------------------------- chart kinds

WIDTH = 760


def render_line(chart: Chart, xs: list[Any], series: list[Series]) -> Markup:
    left, right, top = 64, WIDTH - 20, 16
    legend_rows = _legend_rows(series, WIDTH, left)
    height = 260 + 18 * legend_rows
    bottom = height - 44 - 18 * legend_rows
    svg = Svg(WIDTH, height, chart.title)
    if not xs or not series:
        return _empty(svg, chart.empty)
    dates = [_as_date(x) for x in xs]
    timeline = all(d is not None for d in dates)
    if (
        timeline
        and chart.fill is not None
        and all(re.fullmatch(r"\d{4}-\d{2}", str(x)) for x in xs)
    ):
        xs = _months(min(dates), max(dates))  # type: ignore[type-var]
        dates = [_as_date(x) for x in xs]
        for s in series:
            s.points = {x: s.points.get(x, chart.fill) for x in xs}
    if timeline:
        days = {x: d.toordinal() for x, d in zip(xs, dates, strict=True)}  # type: ignore[union-attr]
        lo, hi = min(days.values()), max(days.values())
        if lo == hi:
            lo, hi = lo - 15, hi + 15
        position = {x: left + (right - left) * (day - lo) / (hi - lo) for x, day in days.items()}
    else:
        step = (right - left) / max(1, len(xs) - 1)
        position = {x: left + step * i if len(xs) > 1 else (left + right) / 2
                    for i, x in enumerate(xs)}  # fmt: skip
    top_value = max((v for s in series for v in s.points.values()), default=0.0)
    ticks = nice_ticks(top_value)
    scale = lambda v: bottom - (bottom - top) * v / ticks[-1]  # noqa: E731
    _y_axis(svg, ticks, scale, left, right, chart.y_label)
    svg.el("line", class_="axis", x1=left, x2=right, y1=bottom, y2=bottom, stroke="#666")
    # x ticks: at most 8 labels, evenly chosen
    every = max(1, math.ceil(len(xs) / 8))
    for x in xs[::every]:
        svg.el("text", class_="tick", x=position[x], y=bottom + 16, text_anchor="middle",
               text=truncate(str(x), 12))  # fmt: skip
    svg.el("text", class_="axis-label", x=(left + right) / 2, y=bottom + 34,
           text_anchor="middle", text=chart.x_label)  # fmt: skip
    many = sum(len(s.points) for s in series) > 600
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [(position[x], scale(s.points[x]), x) for x in xs if x in s.points]
        if not points:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}"
                        for j, (px, py, _) in enumerate(points))  # fmt: skip
        svg.el("path", class_="series-line", d=path, fill="none", stroke=colour, stroke_width=2,
               title=f"{s.name}: {len(points)} points")  # fmt: skip
        for px, py, x in points:
            label = (
                f"{s.name} · {x}: {fmt(s.points[x])}"
                if len(series) > 1
                else (f"{x}: {fmt(s.points[x])} {chart.y_label}".rstrip())
            )
            svg.el("circle", class_="mark point", cx=f"{px:.1f}", cy=f"{py:.1f}",
                   r=1.5 if many else 3, fill=colour, title=label)  # fmt: skip
    _legend(svg, series, bottom + 56, left)
    return svg.markup()


def render_bars(chart: Chart, xs: list[Any], series: list[Series]) -> Markup:
    stacked = chart.kind == "stacked-bar"
    horizontal = chart.orientation == "horizontal"
    legend_rows = _legend_rows(series, WIDTH, 64)
    labels = [str(x) for x in xs]
    if horizontal:
        left = min(240, 16 + 7 * max((len(truncate(t, 32)) for t in labels), default=4))
        top, right = 8, WIDTH - 60
        band = 22
        bottom = top + band * max(1, len(xs))
        height = max(120, bottom + 40 + 18 * legend_rows)
    else:
        left, right, top = 64, WIDTH - 20, 16
        rotate = len(xs) > 8 or max((len(t) for t in labels), default=0) > 10
        height = 260 + (50 if rotate else 0) + 18 * legend_rows
        bottom = height - (94 if rotate else 44) - 18 * legend_rows
    svg = Svg(WIDTH, height, chart.title)
    if not xs or not series:
        return _empty(svg, chart.empty)
    if stacked:
        top_value = max(sum(s.points.get(x, 0.0) for s in series) for x in xs)
    else:
        top_value = max((v for s in series for v in s.points.values()), default=0.0)
    ticks = nice_ticks(top_value)
    length = (right - left) if horizontal else (bottom - top)
    size = lambda v: length * v / ticks[-1]  # noqa: E731
    span = (bottom - top) if horizontal else (right - left)
    band = span / len(xs)
    inner = min(band * 0.8, 18 if horizontal else 60)
    for tick in ticks:
        if horizontal:
            x = left + size(tick)
            svg.el("line", class_="grid", x1=x, x2=x, y1=top, y2=bottom, stroke="#ddd")
            svg.el("text", class_="tick", x=x, y=bottom + 16, text_anchor="middle",
                   text=fmt(tick))  # fmt: skip
        else:
            y = bottom - size(tick)
            svg.el("line", class_="grid", x1=left, x2=right, y1=y, y2=y, stroke="#ddd")
            svg.el("text", class_="tick", x=left - 6, y=y + 4, text_anchor="end", text=fmt(tick))
    if horizontal:
        svg.el("text", class_="axis-label", x=(left + right) / 2, y=bottom + 32,
               text_anchor="middle", text=chart.y_label)  # fmt: skip
    else:
        if chart.y_label:
            svg.el("text", class_="axis-label", x=14, y=(top + bottom) / 2, text_anchor="middle",
                   transform=f"rotate(-90 14 {(top + bottom) / 2})", text=chart.y_label)  # fmt: skip
        svg.el("line", class_="axis", x1=left, x2=right, y1=bottom, y2=bottom, stroke="#666")
    every = 1 if horizontal else max(1, math.ceil(len(xs) / 24))
    for i, (x, text) in enumerate(zip(xs, labels, strict=True)):
        start = (top if horizontal else left) + band * i + (band - inner) / 2
        if i % every == 0:
            if horizontal:
                svg.el("text", class_="tick", x=left - 6, y=start + inner / 2 + 4,
                       text_anchor="end", text=truncate(text, 32), title=text)  # fmt: skip
            elif rotate:
                cx, cy = left + band * (i + 0.5), bottom + 12
                svg.el("text", class_="tick", x=cx, y=cy, text_anchor="end",
                       transform=f"rotate(-40 {cx:.1f} {cy})", text=truncate(text, 18),
                       title=text)  # fmt: skip
            else:
                svg.el("text", class_="tick", x=left + band * (i + 0.5), y=bottom + 16,
                       text_anchor="middle", text=text)  # fmt: skip
        offset = 0.0
        for j, s in enumerate(series):
            value = s.points.get(x)
            if value is None or value == 0:
                continue
            colour = PALETTE[j % len(PALETTE)]
            title = (f"{text} · {s.name}: {fmt(value)}" if len(series) > 1
                     else f"{text}: {fmt(value)} {chart.y_label}".rstrip())  # fmt: skip
            if stacked:
                a, b, thickness, at = offset, offset + value, inner, start
                offset = b
            else:
                thickness = inner / len(series)
                a, b, at = 0.0, value, start + thickness * j
            if horizontal:
                svg.el("rect", class_="mark bar", x=f"{left + size(a):.1f}", y=f"{at:.1f}",
                       width=f"{max(0.5, size(b) - size(a)):.1f}", height=f"{thickness:.1f}",
                       fill=colour, title=title)  # fmt: skip
            else:
                svg.el("rect", class_="mark bar", x=f"{at:.1f}", y=f"{bottom - size(b):.1f}",
                       width=f"{thickness:.1f}", height=f"{max(0.5, size(b) - size(a)):.1f}",
                       fill=colour, title=title)  # fmt: skip
        if horizontal and not stacked and len(series) == 1 and x in series[0].points:
            value = series[0].points[x]
            svg.el("text", class_="value", x=left + size(value) + 4, y=start + inner / 2 + 4,
                   text=fmt(value))  # fmt: skip
    _legend(svg, series, height - 10 - 18 * (legend_rows - 1), 64)
    return svg.markup()


def render(chart: Chart, columns: list[str], rows: list[tuple]) -> Markup:
    xs, series = tidy(chart, columns, rows)
    if chart.kind in ("line", "timeline"):
        return render_line(chart, xs, series)
    return render_bars(chart, xs, series)


# ---------------------------------------------------------------- SQL helpers

_URL = re.compile(r"\b\w+://\S+")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\b\d{4,}\b|0x[0-9a-f]+", re.IGNORECASE)


def error_reason(error: object) -> str | None:
    """A failure message normalised into a reason: no URLs, quoted parts or long numbers.

    "HTTP 404" stays as it is; "TimeoutError: took longer than 30.0 seconds" -> "TimeoutError";
    "unreadable sitemap: <detail>" -> "unreadable sitemap".
    """
    if error is None:
        return None
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = _NUMBER.sub("N", _QUOTED.sub("…", _URL.sub("<url>", text)))
    head, sep, _ = text.partition(": ")
    if sep and 0 < len(head) <= 48:
        text = head
    return truncate(re.sub(r"\s+", " ", text).strip() or "(no message)", 60)


@hookimpl
def prepare_connection(conn):
    conn.create_function("error_reason", 1, error_reason, deterministic=True)


# ---------------------------------------------------------------- pages


def _is_archive(datasette) -> bool:
    local = getattr(datasette, "_metadata_local", None) or {}
    return isinstance((local.get("databases") or {}).get("*"), dict)


async def _archive_db(datasette, request):
    """The archive whose charts are asked for: ``?db=NAME``, or the first database served
    that is an archive (has ``posts``). Several archives can be served at once
    (``datasette serve a.db b.db --metadata archive/metadata.yml ...``), and another
    database besides them."""
    wanted = request.args.get("db")
    for db in datasette.databases.values():
        if db.is_memory or (wanted and db.name != wanted):
            continue
        if await db.table_exists("posts"):
            return db
    if wanted:
        raise NotFound(f"no archive named {wanted} is served")
    raise NotFound("no archive database is served")


async def _archive_names(datasette) -> list[str]:
    """The names of the archives served (databases with ``posts``), in order."""
    return [
        db.name
        for db in datasette.databases.values()
        if not db.is_memory and await db.table_exists("posts")
    ]


async def _check_access(datasette, request, database: str) -> None:
    await datasette.ensure_permissions(
        request.actor, [("view-database", database), "view-instance"]
    )


async def _run_chart(
    datasette, db, chart: Chart, params: dict[str, Any], can_query: bool
) -> dict[str, Any]:
    wanted = {name: value for name, value in params.items() if f":{name}" in chart.sql}
    sql_href = (
        datasette.urls.database(db.name) + "?" + urlencode({"sql": chart.sql, **wanted})
        if can_query
        else None  # no "View the query" link where SQL is not allowed (--publish-ready)
    )
    out: dict[str, Any] = {"chart": chart, "svg": None, "error": None, "sql_href": sql_href}
    try:
        results = await db.execute(chart.sql, wanted, truncate=False)
        rows = [tuple(row) for row in results.rows[:MAX_ROWS]]
        out["svg"] = render(chart, list(results.columns), rows)
        out["rows"] = len(rows)
    except QueryInterrupted:
        out["error"] = "The query took longer than the time limit (sql_time_limit_ms)."
    except (sqlite3.Error, ChartConfigError) as error:
        out["error"] = f"This chart's query failed: {error}"
    return out


def _sections(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sections: dict[str, list] = {}
    for result in results:
        sections.setdefault(result["chart"].section, []).append(result)
    return [{"title": title, "charts": charts} for title, charts in sections.items()]


async def _charts_for(datasette, request, db, page: str, params: dict[str, Any]):
    try:
        charts = [c for c in load_charts(charts_path(datasette)) if c.page == page]
    except ChartConfigError as error:
        return [], str(error)
    can_query = await datasette.permission_allowed(
        request.actor, "execute-sql", resource=db.name, default=True
    )
    return [await _run_chart(datasette, db, chart, params, can_query) for chart in charts], None


def blog_href(datasette, site: str, database: str) -> str:
    return datasette.urls.path(
        "/-/blog/" + quote(site, safe=":") + "?" + urlencode({"db": database})
    )


async def _blogs(db) -> list[dict[str, Any]]:
    sql = """
        select p.site, count(*) as posts, min(p.published) as first, max(p.published) as last,
               (select title from sources s where s.site = p.site order by s.id limit 1) as title
        from posts p group by p.site order by posts desc
    """
    try:
        return [dict(row) for row in (await db.execute(sql)).rows]
    except (sqlite3.Error, QueryInterrupted):
        return []


async def dashboard(datasette, request):
    db = await _archive_db(datasette, request)
    await _check_access(datasette, request, db.name)
    results, config_error = await _charts_for(datasette, request, db, "dashboard", {})
    blogs = await _blogs(db)
    for blog in blogs:
        blog["href"] = blog_href(datasette, blog["site"], db.name)
    return Response.html(
        await datasette.render_template(
            "dashboard.html",
            {
                "sections": _sections(results),
                "config_error": config_error,
                "archive_title": datasette.metadata("title") or "Blog archive",
                "blogs": blogs,
                "database": db.name,
                "posts_href": datasette.urls.table(db.name, "posts"),
                "other_archives": [
                    {"name": name, "href": datasette.urls.path("/-/dashboard?db=" + quote(name))}
                    for name in await _archive_names(datasette)
                    if name != db.name
                ],
            },
            request=request,
        )
    )


async def blog_page(datasette, request):
    db = await _archive_db(datasette, request)
    await _check_access(datasette, request, db.name)
    site = request.url_vars["site"]
    rows = (
        await db.execute(
            "select count(*) as posts, min(published) as first, max(published) as last "
            "from posts where site = :site",
            {"site": site},
        )
    ).rows
    if not rows or not rows[0]["posts"]:
        raise NotFound(f"no posts from {site} in this archive")
    source = (
        await db.execute(
            "select url, title, platform, last_crawl_at, last_status from sources "
            "where site = :site order by id limit 1",
            {"site": site},
        )
    ).rows
    results, config_error = await _charts_for(datasette, request, db, "blog", {"site": site})
    return Response.html(
        await datasette.render_template(
            "blog_charts.html",
            {
                "site": site,
                "summary": dict(rows[0]),
                "source": dict(source[0]) if source else None,
                # a stored address is a link only when it is a web address (no javascript:)
                "source_href": http_url(source[0]["url"]) if source else None,
                "sections": _sections(results),
                "config_error": config_error,
                "database": db.name,
                "posts_href": datasette.urls.table(db.name, "posts")
                + "?"
                + urlencode({"site": site}),
                "dashboard_href": datasette.urls.path("/-/dashboard?" + urlencode({"db": db.name})),
            },
            request=request,
        )
    )


@hookimpl
def register_routes(datasette):
    if not _is_archive(datasette):
        return []
    return [
        (r"^/-/dashboard$", dashboard),
        (r"^/-/blog/(?P<site>[^/]+)$", blog_page),
    ]


@hookimpl
def menu_links(datasette, actor, request):
    if not _is_archive(datasette):
        return None

    async def inner():
        try:
            await datasette.ensure_permissions(actor, ["view-instance"])
        except Forbidden:
            return []
        # on a page of an archive other than the first served, that archive's dashboard
        database = (request.url_vars or {}).get("database") if request else None
        archives = await _archive_names(datasette) if database else []
        query = f"?db={quote(database)}" if database in archives[1:] else ""
        return [
            {"href": datasette.urls.path("/-/dashboard" + query), "label": "Dashboard (charts)"}
        ]

    return inner


@hookimpl
def extra_css_urls(template, datasette):
    if template in ("dashboard.html", "blog_charts.html") and _is_archive(datasette):
        return [datasette.urls.path("/static/charts.css")]
    return []
