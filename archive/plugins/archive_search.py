"""Datasette plugin: search the blog archive like a reader (loaded from archive/plugins/).

- ``archive_highlight`` template filter and ``render_cell`` for ``snippet`` and
  ``title_highlighted`` columns: the text is escaped, then only the ``<mark>``/``</mark>``
  markers that SQLite's snippet()/highlight() put around the matched words become tags.
- a ``labels`` facet type (``labels: tags`` in archive/metadata.yml, or
  ``?_facet_labels=tags``): Datasette's ``array`` facet (posts per label, selecting one
  filters with ``tags__arraycontains``), counted over each matching row's labels only.
- a ``month`` facet type (``month: published`` in archive/metadata.yml, or
  ``?_facet_month=published``): posts per ``YYYY-MM`` of a date column, newest month first;
  selecting one filters with ``published__startswith=YYYY-MM``.
- an ``atom`` output renderer: ``.atom`` of the ``search`` canned query (or of the ``posts``
  table with any ``_search``, facet or filter) is an Atom feed of the matching posts, each
  entry linking to its page in the archive and to the original.
- extra_template_vars for the ``search`` and ``search_comments`` pages (the choices of the
  filters and of the order, links to the other views of the same search).

Every hook checks that the Datasette instance uses our metadata (the ``"*"`` block).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree as ET

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from pipeline import searchtext
from pipeline.serving import is_archive
from pipeline.store import MMAP_BYTES, RANKED_MATCHES

SEARCH_QUERIES = {"search": "posts", "search_comments": "comments"}
SEARCH_FILTERS = ("site", "author", "tag", "since", "until")
SEARCH_PARAMS = ("q", *SEARCH_FILTERS, "order")
#: the search page's orders besides relevance (the `order` parameter; anything else is relevance)
DATE_ORDERS = {"newest": "newest first", "oldest": "oldest first"}
#: results a page of the search pages, and how many pages there are at most (the canned
#: queries' `page` parameter, archive/metadata.yml)
PAGE_SIZE = 100
MAX_PAGES = 100
HIGHLIGHT_COLUMNS = {"snippet", "title_highlighted"}
FEED_TABLES = {"posts"}
FEED_QUERIES = {"search"}
ATOM_NS = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 400


# ---------------------------------------------------------------- highlighting


def highlight(value: object) -> Markup:
    """`value` escaped, with only SQLite's <mark>/</mark> markers turned back into tags."""
    if value is None:
        return Markup("")
    escaped = str(escape(str(value)))
    escaped = escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    # Unbalanced markers (a snippet cut between them) would leave a <mark> open.
    opened = escaped.count("<mark>") - escaped.count("</mark>")
    if opened > 0:
        escaped += "</mark>" * opened
    return Markup(escaped)


def plain(value: object) -> str:
    """`value` without the <mark> markers (for feeds and titles)."""
    return re.sub(r"</?mark>", "", str(value or ""))


#: What `filters_from_request` puts before a table search's query once it has read it for
#: the table's own index (an FTS5 query): escape_fts passes what follows through as it is.
#: Drawn afresh by each process, so that nothing a reader types is taken for it.
READ_FOR_ITS_INDEX = f"\x00{secrets.token_hex(16)}\x00"


def escape_fts(query: str, columns: tuple[str, ...] = searchtext.POST_COLUMNS) -> str:
    """The FTS5 query for what a reader typed, read as `blogarchive search` reads it
    (`searchtext.user_query`: words, "a phrase", prefix*, -word, OR, title:word), with each
    run of Chinese, Japanese, Korean or Thai characters made a phrase of them, as the
    archive's index holds them (pipeline/searchtext.py): 東京 finds 私は東京に住んでいます.
    A query without a word to look for (only punctuation, or only words left out) is `""`,
    which matches nothing, where FTS5 would answer a syntax error."""
    if query.startswith(READ_FOR_ITS_INDEX):
        return query.removeprefix(READ_FOR_ITS_INDEX)
    try:
        return searchtext.fts_query(searchtext.user_query(query, columns)) or '""'
    except searchtext.QueryProblem:
        return '""'


def escape_fts_comments(query: str) -> str:
    """escape_fts for the comments' index (columns author and text)."""
    return escape_fts(query, searchtext.COMMENT_COLUMNS)


def unfolded(marked: str | None, original: str | None) -> str | None:
    """SQL function archive_unfolded(snippet or highlight, the column as stored): the
    index holds some letters folded (Αθηνα for Αθήνα, see pipeline/searchtext.py); the
    same stretch of the stored text with the same words in <mark>."""
    return searchtext.unfolded(marked, original, "<mark>", "</mark>")


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    """Map the archive into memory for reading (as `pipeline.store.Archive` does): a search
    with a filter looks up every match in `posts`, thousands of page reads. Replace the SQL
    function escape_fts, which the table view's `_search` and the search pages call, with
    ours (after Datasette's own hook has made its own: trylast), and add the search pages'
    escape_fts_comments and archive_unfolded."""
    if is_archive(datasette):
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
        conn.create_function("escape_fts_comments", 1, escape_fts_comments, deterministic=True)
        conn.create_function("archive_unfolded", 2, unfolded, deterministic=True)


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """A table's `_search` (and `_search_COLUMN`) read for the columns of the table's own
    index. Datasette's table search calls the SQL function escape_fts (ours, for the posts'
    index) whatever the table: `title:brash` on comments, whose index has no title, was an
    SQL error (400 "no such column: title"). Where a query names such a column, its
    parameter is replaced by the FTS5 query for the table's index, which looks for those words
    in every column (`searchtext.user_query`), and the page says so. Called after Datasette's
    own search filter (trylast), whose parameters these replace; `_searchmode=raw` is left
    alone."""
    if table is None or not is_archive(datasette):
        return None

    async def inner():
        metadata = datasette.table_metadata(database, table)
        raw = metadata.get("searchmode") == "raw"
        raw = {"raw": True, "escaped": False}.get(request.args.get("_searchmode"), raw)
        searched = [key for key in request.args if key.startswith("_search")]
        searched = [key for key in searched if key != "_searchmode"]
        if raw or not searched:
            return None
        db = datasette.get_database(database)
        index = request.args.get("_fts_table") or metadata.get("fts_table")
        index = index or await db.fts_table(table)
        if not index:
            return None
        hidden = (index, "rank")  # FTS5's columns named after the index, and rank
        columns = tuple(c for c in await db.table_columns(index) if c not in hidden)
        # the parameter names Datasette's search filter gives them (datasette/filters.py)
        if "_search" in searched:
            params = {"search": request.args["_search"]}
        else:
            params = {f"search_{i}": request.args[key] for i, key in enumerate(searched)}
        lacking: list[str] = []
        for name, typed in list(params.items()):
            others = searchtext.other_columns(typed, columns)
            if others:
                params[name] = READ_FOR_ITS_INDEX + escape_fts(typed, columns)
                lacking += others
            else:
                del params[name]
        if not params:
            return None
        lacking = list(dict.fromkeys(lacking))
        said = f"{index} has no {' or '.join(lacking)} column{'s' if len(lacking) > 1 else ''}"
        return FilterArguments(
            [], params, [f"{said}, so every column ({', '.join(columns)}) was searched"]
        )

    return inner


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["archive_highlight"] = highlight
    env.filters["archive_plain"] = plain


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column not in HIGHLIGHT_COLUMNS or table is not None or not is_archive(datasette):
        return None
    return highlight(value)


# ---------------------------------------------------------------- our facet types (labels, month)


def facet_column(source_and_config: dict) -> str:
    config = source_and_config["config"]
    return config.get("column") or config["simple"]


class OwnFacet(Facet):
    """A facet type of ours: never suggested, computed once per column when it is asked for
    both in the metadata and in the URL (Datasette would show it twice), by one SQL query per
    column (:meth:`counts_sql`) whose rows are a value and its count; choosing a value adds
    the filter ``<column><filter_suffix>=<value>``."""

    filter_suffix = ""

    def counts_sql(self, col: str, limit: int) -> str:
        """(value, count) rows of the escaped column `col` over `self.sql`, at most `limit`."""
        raise NotImplementedError

    async def suggest(self):
        return []

    def get_configs(self):
        seen: set[str] = set()
        configs = []
        for source_and_config in super().get_configs():
            column = facet_column(source_and_config)
            if column not in seen:
                seen.add(column)
                configs.append(source_and_config)
        return configs

    async def facet_results(self):
        results = []
        timed_out = []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            column = facet_column(source_and_config)
            try:
                rows = await self.ds.execute(
                    self.database,
                    self.counts_sql(escape_sqlite(column), size + 1),
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}{self.filter_suffix}"
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                selected = (key, value) in pairs
                toggle = path_with_removed_args if selected else path_with_added_args
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(
                            self.request, toggle(self.request, {key: value})
                        ),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                    ),
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, timed_out


class MonthFacet(OwnFacet):
    """Counts per month (the first seven characters, YYYY-MM, of an ISO 8601 date)."""

    type = "month"
    filter_suffix = "__startswith"

    def counts_sql(self, col: str, limit: int) -> str:
        return f"""
            select substr({col}, 1, 7) as value, count(*) as count from ({self.sql})
            where {col} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
            group by value order by value desc limit {limit}
        """


class LabelFacet(OwnFacet):
    """Counts per label of a JSON array of strings (``posts.tags``); choosing one filters with
    Datasette's ``__arraycontains``.

    Datasette's own array facet makes each (row, label) pair DISTINCT first, with every column
    of every matching row (text and html included) in the pairs; for the 100,000 posts of
    bench/search.py that took ~650 ms, and from a few hundred thousand posts it outlasted
    ``facet_time_limit_ms`` and the facet was dropped. Here each array is read once and its
    string items counted: ~230 ms. The store writes each label once per post
    (pipeline.store.stored_tags); a row edited by hand to repeat a label counts it twice.
    A value that is not valid JSON counts for nothing instead of failing the facet, and only
    an array's string items count."""

    type = "labels"
    filter_suffix = "__arraycontains"

    def counts_sql(self, col: str, limit: int) -> str:
        return f"""
            select item.value as value, count(*) as count
            from ({self.sql}) as page_rows,
                json_each(case when json_valid(page_rows.{col}) then page_rows.{col}
                          else '[]' end) as item
            where item.type = 'text' and typeof(item.key) = 'integer'
            group by item.value order by count desc, value limit {limit}
        """


@hookimpl
def register_facet_classes():
    return [LabelFacet, MonthFacet]


# ---------------------------------------------------------------- the search pages


DATE_PREFIX = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def _search_args(request) -> dict[str, str]:
    args = {name: request.args.get(name, "").strip() for name in SEARCH_PARAMS}
    if args["order"] not in DATE_ORDERS:
        args["order"] = ""
    return args


def _page(request) -> int:
    """The `page` asked for, as the canned queries read it: 1 to MAX_PAGES, 1 if not a number."""
    try:
        page = int(request.args.get("page", "").strip() or 1)
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGES)


def searched_words(q: str) -> str:
    """The words a search looks for: `q` less its double quotes, as the canned queries take
    it (`trim(replace(:q, '"', ' '))`); "" means no search, whatever `q` held."""
    return q.replace('"', " ").strip()


async def _choices(db) -> dict[str, list[str]]:
    sites = await db.execute("select distinct site from posts order by site limit 200")
    authors = await db.execute(
        "select author from posts where author is not null and author != '' "
        "group by author order by count(*) desc, author limit 200"
    )
    tags = await db.execute(
        "select json_each.value as tag from posts, json_each(posts.tags) "
        "group by tag order by count(*) desc, tag limit 300"
    )
    return {
        "sites": [row[0] for row in sites.rows],
        "authors": [row[0] for row in authors.rows],
        "tags": [row[0] for row in tags.rows],
    }


async def _search_context(datasette, database: str, query_name: str, request) -> dict:
    db = datasette.get_database(database)
    args = _search_args(request)
    filled = {key: value for key, value in args.items() if value}
    table_url = datasette.urls.table(database, "posts")
    words = searched_words(args["q"])
    browse: dict[str, str] = {}
    if words:
        browse["_search"] = args["q"]  # as typed: its phrases, -words and OR mean the same there
    for name in ("site", "author"):
        if args[name]:
            browse[name] = args[name]
    if args["tag"]:
        browse["tags__arraycontains"] = args["tag"]
    if args["since"]:
        browse["published__gte"] = args["since"]
    if args["until"]:
        browse["published__lt"] = _after(args["until"])
    if args["order"]:
        # by the instant, as the search itself orders (the blogs' clocks sort otherwise)
        browse["_sort_desc" if args["order"] == "newest" else "_sort"] = "published_utc"
    base = datasette.urls.database(database)
    comments_args = {k: v for k, v in filled.items() if k in ("q", "site")}
    page = _page(request)
    this_query = f"{base}/{query_name}"
    shown_args = filled if query_name == "search" else comments_args

    def page_url(number: int) -> str:
        args = {**shown_args, **({"page": str(number)} if number > 1 else {})}
        return this_query + (f"?{urlencode(args)}" if args else "")

    context = {
        "archive_search": {
            "kind": SEARCH_QUERIES[query_name],
            "args": args,
            "words": words,
            "errors": [
                f"“{args[name]}” is not a date: {label} takes a year, a month or a day "
                "(2024, 2024-05, 2024-05-17)"
                for name, label in (("since", "From"), ("until", "to"))
                if args[name] and not DATE_PREFIX.fullmatch(args[name])
            ]
            + _query_problems(args["q"]),
            "filtered": any(args[name] for name in SEARCH_FILTERS),
            "orders": DATE_ORDERS,
            "rank_limit": RANKED_MATCHES,
            "feed_url": f"{base}/search.atom" + (f"?{urlencode(filled)}" if filled else ""),
            "browse_url": table_url + (f"?{urlencode(browse)}" if browse else ""),
            "posts_url": f"{base}/search" + (f"?{urlencode(filled)}" if filled else ""),
            "comments_url": f"{base}/search_comments"
            + (f"?{urlencode(comments_args)}" if comments_args else ""),
            "action": this_query,
            "page": page,
            "page_size": PAGE_SIZE,
            # a server limit below the page size (--setting max_returned_rows 20) cuts each page
            "row_limit": min(PAGE_SIZE, datasette.setting("max_returned_rows") or PAGE_SIZE),
            "max_pages": MAX_PAGES,
            "skipped": (page - 1) * PAGE_SIZE,
            "previous_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < MAX_PAGES else None,
            "post_base": table_url,
            "choices": await _choices(db),
        }
    }
    return context


def _query_problems(q: str) -> list[str]:
    """Why the query finds nothing whatever the archive holds (only words left out), if so."""
    try:
        searchtext.user_query(q)
    except searchtext.QueryProblem as problem:
        return [str(problem)]
    return []


def _after(prefix: str) -> str:
    """The smallest string greater than every date starting with `prefix` (for __lt)."""
    return prefix + "\uffff"


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    if request is None or database is None or not is_archive(datasette):
        return None
    query_name = (request.url_vars or {}).get("table")
    if query_name not in SEARCH_QUERIES or not str(template).startswith("query"):
        return None

    async def inner():
        return await _search_context(datasette, database, query_name, request)

    return inner


# ---------------------------------------------------------------- Atom feeds


def _can_render_atom(datasette, columns, table, query_name, view_name):
    if not is_archive(datasette) or not columns:
        return False
    if not {"id", "title"} <= set(columns):
        return False
    return table in FEED_TABLES or query_name in FEED_QUERIES


def rfc3339(value: object) -> str | None:
    """An ISO 8601 date or time as an RFC 3339 timestamp (UTC when no offset is given)."""
    text = str(value or "").strip().replace(" ", "T")
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    if len(text) == 10:
        text += "T00:00:00"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat(timespec="seconds").replace("+00:00", "Z")


def _tag_uri(url: str, fallback: str) -> str:
    return url if urlsplit(url).scheme in ("http", "https") else fallback


def _summary(row: dict) -> str:
    text = plain(row.get("snippet")) or str(row.get("text") or "")
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _feed_title(datasette, request, query_name, table) -> str:
    title = datasette.metadata("title") or "Blog archive"
    words = searched_words(request.args.get("q") or request.args.get("_search") or "")
    filters = [
        f"{key}={request.args.get(key)}"
        for key in request.args.keys()
        if request.args.get(key) and key not in ("q", "_search") and not key.startswith("_")
    ]
    label = f"posts matching “{words}”" if words else "latest posts"
    if filters:
        label += " (" + ", ".join(filters) + ")"
    return f"{title}: {label}"


def render_atom(datasette, request, database, table, query_name, rows, columns, view_name):
    # Datasette calls a renderer for its extension whatever can_render said, and gives a
    # canned query's response the query's status (200): hence an exception, not a 404 Response.
    if not _can_render_atom(datasette, columns, table, query_name, view_name):
        raise NotFound("An Atom feed is available for posts and the search query only.")
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    page_path = request.path[: -len(".atom")] if request.path.endswith(".atom") else request.path
    page_url = datasette.absolute_url(
        request, page_path + (f"?{request.query_string}" if request.query_string else "")
    )
    self_url = datasette.absolute_url(request, request.full_path)
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = str(text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "title", _feed_title(datasette, request, query_name, table))
    sub(feed, "id", page_url)
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    sub(feed, "generator", "blogarchive (Datasette)")
    entries = []
    for row in rows:
        row = dict(row)
        post_url = datasette.absolute_url(
            request, datasette.urls.row(database, "posts", str(row["id"]))
        )
        updated = (
            rfc3339(row.get("updated"))
            or rfc3339(row.get("published"))
            or rfc3339(row.get("first_seen"))
            or now
        )
        entries.append((updated, row, post_url))
    sub(feed, "updated", max((entry[0] for entry in entries), default=now))
    for updated, row, post_url in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", plain(row.get("title")) or "Untitled post")
        sub(entry, "id", _tag_uri(str(row.get("url") or ""), post_url))
        sub(entry, "updated", updated)
        published = rfc3339(row.get("published"))
        if published:
            sub(entry, "published", published)
        if row.get("author"):
            author = sub(entry, "author")
            sub(author, "name", row["author"])
        sub(entry, "link", rel="alternate", type="text/html", href=post_url)
        original = str(row.get("url") or "")
        if urlsplit(original).scheme in ("http", "https"):
            sub(entry, "link", rel="related", type="text/html", href=original)
        summary = _summary(row)
        if summary:
            sub(entry, "summary", summary, type="text")
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        content_type="application/atom+xml; charset=utf-8",
    )


@hookimpl
def register_output_renderer(datasette):
    return {
        "extension": "atom",
        "render": render_atom,
        "can_render": _can_render_atom,
    }
