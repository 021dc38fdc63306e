"""Search finds words in Chinese, Japanese, Korean and Thai text (pipeline/searchtext.py).

Real archives written through `pipeline.store.Archive` or crawled from a loopback blog,
searched as a user would: `Archive.search`, `blogarchive search`, Datasette's search page,
table search and JSON, and plain SQLite (no function or extension of ours registered).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlite_utils
from datasette.app import Datasette
from test_datasette import Site

from conftest import LOOPBACK, html_page, run_blogarchive
from pipeline.searchtext import spaced
from pipeline.serving import make_datasette
from pipeline.store import MIGRATIONS, Archive, SearchError, reindex_stale_rows, utcnow
from pipeline.verify import verify_archive

TOKYO = {
    "url": "https://nikki.example/2024/05/tokyo.html",
    "title": "東京の暮らし",
    "author": "山田花子",
    "tags": ["日記", "travel"],
    "text": "私は東京に住んでいます。毎朝電車で会社へ行きます。",
    "comments": [{"author": "読者", "text": "大阪から応援しています。", "comment_key": "c1"}],
}
BEIJING = {
    "url": "https://xuexi.example/2024/06/beijing.html",
    "title": "学习中文",
    "author": "王",
    "text": "我们在北京大学学习中文。",
}
SEOUL = {
    "url": "https://ilgi.example/2024/07/seoul.html",
    "title": "여행 일기",
    "author": "김민준",
    "text": "서울에서 친구를 만났어요. 부산에도 갔어요.",
}
BANGKOK = {
    "url": "https://thai.example/2024/08/bangkok.html",
    "title": "กรุงเทพ",
    "author": "สมชาย",
    "text": "ฉันชอบภาษาไทยมาก",
}
RUNNING = {
    "url": "https://en.example/2024/09/running.html",
    "title": "Running in the park",
    "author": "Ann",
    "text": "She was running past the telescopes with her dogs.",
}
POSTS = [TOKYO, BEIJING, SEOUL, BANGKOK, RUNNING]


@pytest.fixture
def filled(archive_path: Path) -> Path:
    """An archive holding POSTS, written through the store."""
    with Archive(archive_path) as archive:
        for post in POSTS:
            archive.save_post(post)
    return archive_path


def titles(rows: list[dict[str, Any]]) -> list[str]:
    return [row["title"] for row in rows]


def fts_sound(path: Path) -> None:
    """FTS5's own check (the index against what it indexes), and `blogarchive verify`'s."""
    conn = sqlite3.connect(path)
    for table in ("posts_fts", "comments_fts"):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    conn.close()
    report = verify_archive(path)
    assert report.sound, report.lines()


def test_words_inside_cjk_thai_and_korean_text_are_found(filled: Path) -> None:
    with Archive(filled) as archive:
        found = {query: archive.search(query) for query in ("東京", "北京", "서울", "ภาษาไทย")}
        assert {query: titles(rows) for query, rows in found.items()} == {
            "東京": ["東京の暮らし"],
            "北京": ["学习中文"],
            "서울": ["여행 일기"],
            "ภาษาไทย": ["กรุงเทพ"],
        }
        # the snippet is the text as stored, the word marked, no separator of the index
        assert found["東京"][0]["snippet"].startswith("私は[東京]に住んでいます。")
        assert found["北京"][0]["snippet"] == "我们在[北京]大学学习中文。"
        assert found["서울"][0]["snippet"].startswith("[서울]에서 친구를")
        assert "\u200b" not in json.dumps([rows for rows in found.values()], ensure_ascii=False)
        # a word is the adjacent characters: 京東 is not in the text, 電車 and 会社 are
        assert archive.search("京東") == []
        assert titles(archive.search("電車 会社")) == ["東京の暮らし"]
        assert titles(archive.search("山田花子")) == ["東京の暮らし"]  # author
        assert titles(archive.search("日記")) == ["東京の暮らし"]  # label
        assert titles(archive.search("暮らし")) == ["東京の暮らし"]  # title
        # FTS5 syntax with --raw: a bare run, a prefix, OR, a column filter
        assert sorted(titles(archive.search("東京 OR 北京", raw=True))) == [
            "学习中文",
            "東京の暮らし",
        ]
        assert titles(archive.search("title:東京*", raw=True)) == ["東京の暮らし"]
        # English is stemmed as before
        assert titles(archive.search("run")) == ["Running in the park"]
        assert titles(archive.search("telescope")) == ["Running in the park"]
        rows = archive.conn.execute(
            "SELECT comments.author FROM comments_fts JOIN comments ON comments.id = "
            "comments_fts.rowid WHERE comments_fts MATCH ?",
            ['"大 阪"'],  # the characters side by side, as plain SQLite is asked
        ).fetchall()
        assert rows == [("読者",)]
    fts_sound(filled)


def test_a_changed_post_is_found_by_its_new_words_only(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        first = archive.save_post(TOKYO)
        archive.save_post(RUNNING)
        moved = {**TOKYO, "text": "私は大阪に引っ越しました。", "author": "Hanako"}
        assert archive.save_post(moved).outcome == "changed"
        assert archive.search("東京に") == []
        assert titles(archive.search("大阪")) == ["東京の暮らし"]
        assert titles(archive.search("Hanako")) == ["東京の暮らし"]
        # only the author changes (same text): the text stays findable
        archive.save_post({**moved, "author": "山田"})
        assert titles(archive.search("引っ越し")) == ["東京の暮らし"]
        # a post whose Japanese text became English has nothing left to split
        archive.save_post({**moved, "title": "Moving", "text": "I moved to Osaka."})
        assert archive.search("大阪") == [] and titles(archive.search("Osaka")) == ["Moving"]
        segments = archive.conn.execute("SELECT id, text FROM posts_fts_segments").fetchall()
        assert segments == [(first.post_id, None)]  # the author 山田 is still split
    fts_sound(archive_path)


def test_plain_sqlite_reads_and_searches_the_archive(filled: Path) -> None:
    # no function, extension or tokenizer of ours: the archive as any SQLite opens it
    conn = sqlite3.connect(f"{filled.as_uri()}?mode=ro", uri=True)
    rows = conn.execute(
        """SELECT posts.title, snippet(posts_fts, 1, '[', ']', '…', 20) FROM posts_fts
        JOIN posts ON posts.id = posts_fts.rowid WHERE posts_fts MATCH '"東 京"'"""
    ).fetchall()
    assert [(title, snippet.replace("\u200b", "")) for title, snippet in rows] == [
        ("東京の暮らし", "私は[東京]に住んでいます。毎朝電車で会社へ行…")
    ]
    stored = conn.execute("SELECT text FROM posts WHERE url = ?", [TOKYO["url"]]).fetchone()
    assert stored == (TOKYO["text"],)  # the archived text is as extracted
    assert conn.execute(
        "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'running'"
    ).fetchone() == (1,)
    conn.close()


def test_a_plain_datasette_searches_posts_with_posts_fts(filled: Path) -> None:
    # no metadata, plugins or templates of ours: Datasette finds the index by itself
    site = Site(Datasette([str(filled)]), "archive")
    try:
        phrase = quote('"東 京"')
        rows = site.json(f"/archive/posts.json?_shape=array&_search={phrase}")
        assert [row["title"] for row in rows] == ["東京の暮らし"]
        osaka = quote('"大 阪"')
        comments = site.json(f"/archive/comments.json?_shape=array&_search={osaka}")
        assert [row["author"] for row in comments] == ["読者"]
    finally:
        site.close()


def test_datasette_search_page_table_search_and_json(filled: Path) -> None:
    site = Site(make_datasette(filled), "archive")
    try:
        tokyo = quote("東京")
        hits = site.json(f"/archive/search.json?_shape=array&q={tokyo}")
        assert [h["title"] for h in hits] == ["東京の暮らし"]
        assert hits[0]["title_highlighted"] == "<mark>東京</mark>の暮らし"
        assert hits[0]["snippet"].startswith("私は<mark>東京</mark>に住んで")
        newest = site.json(f"/archive/search.json?_shape=array&q={tokyo}&order=newest")
        assert [h["snippet"] for h in newest] == [hits[0]["snippet"]]
        page = site.ok(f"/archive/search?q={tokyo}").text
        assert "<mark>東京</mark>に住んでいます" in page
        table = site.json(f"/archive/posts.json?_shape=array&_search={quote('서울')}")
        assert [row["title"] for row in table] == ["여행 일기"]
        assert (
            site.json(f"/archive/posts.json?_shape=array&_search={quote('北京')}")[0]["text"]
            == BEIJING["text"]
        )
        comments = site.json(f"/archive/search_comments.json?_shape=array&q={quote('大阪')}")
        assert [c["snippet"] for c in comments] == ["<mark>大阪</mark>から応援しています。"]
        english = site.json("/archive/search.json?_shape=array&q=run")
        assert [h["title"] for h in english] == ["Running in the park"]
    finally:
        site.close()


def test_cli_search_prints_the_matches(filled: Path) -> None:
    result = run_blogarchive("search", "北京", "--db", str(filled))
    assert result.returncode == 0, result.stderr
    assert "学习中文" in result.stdout and "我们在[北京]大学学习中文。" in result.stdout
    as_json = run_blogarchive("search", "東京", "--json", "--db", str(filled))
    assert [json.loads(line)["title"] for line in as_json.stdout.splitlines()] == ["東京の暮らし"]
    raw = run_blogarchive("search", "서울 OR ภาษาไทย", "--raw", "--db", str(filled))
    assert raw.returncode == 0 and "여행 일기" in raw.stdout and "กรุงเทพ" in raw.stdout


def article(title: str, text: str, lang: str) -> tuple[int, dict[str, str], bytes]:
    status, headers, body = html_page(f"<article><h1>{title}</h1><p>{text}</p></article>", title)
    return status, headers, body.replace(b"lang='en'", f"lang='{lang}'".encode())


def test_a_crawled_blog_in_japanese_chinese_and_korean_is_searchable(
    static_site: Callable[[dict], Any], tmp_path: Path
) -> None:
    paragraphs = {
        "ja": ("京都の秋", "先週、京都で紅葉を見ました。" * 12),
        "zh": ("北京游记", "我们在北京大学学习中文，周末去长城。" * 12),
        "ko": ("부산 여행", "부산에서 바다를 보고 회를 먹었어요. " * 12),
    }
    pages = {
        f"/{lang}/post.html": article(title, text, lang)
        for lang, (title, text) in paragraphs.items()
    }
    links = "".join(
        f"<article><h2><a href='/{lang}/post.html'>{title}</a></h2></article>"
        for lang, (title, _) in paragraphs.items()
    )
    blog = static_site({"/": html_page(f"<h1>多言語ブログ</h1>{links}"), **pages})
    db = tmp_path / "archive.db"
    crawled = run_blogarchive("crawl", blog.url, "--db", str(db), *LOOPBACK)
    assert "3 new" in crawled.stdout, crawled.stdout + crawled.stderr
    for word, title in (
        ("紅葉", "京都の秋"),
        ("長城", None),
        ("长城", "北京游记"),
        ("바다", "부산 여행"),
    ):
        result = run_blogarchive("search", word, "--json", "--db", str(db))
        found = [json.loads(line)["title"] for line in result.stdout.splitlines()]
        assert found == ([title] if title else []), (word, result.stdout, result.stderr)
    site = Site(make_datasette(db), "archive")
    try:
        hits = site.json(f"/archive/search.json?_shape=array&q={quote('京都')}")
        assert [h["title"] for h in hits] == ["京都の秋"]
        assert "<mark>京都</mark>で紅葉" in hits[0]["snippet"]
    finally:
        site.close()
    fts_sound(db)


def old_archive(path: Path, posts: list[dict[str, Any]], before: str = "012") -> None:
    """An archive as blogarchive made it before migration `before` (its migrations before
    that one, the posts and a comment written through their triggers)."""
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, function in MIGRATIONS:
        if name.startswith(before):
            break
        function(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, utcnow()])
    for post in posts:
        db.execute(
            "INSERT INTO posts (url, site, title, author, tags, text, content_hash, first_seen, "
            "last_seen) VALUES (?, 'old.example', ?, ?, ?, ?, 'h', '2024', '2024')",
            [
                post["url"],
                post["title"],
                post["author"],
                json.dumps(post.get("tags", []), ensure_ascii=False),
                post["text"],
            ],
        )
    db.execute(
        "INSERT INTO comments (post_id, comment_key, author, text, first_seen) "
        "VALUES (1, 'c1', '読者', '大阪から応援しています。', '2024')"
    )
    if before > "014":  # the rows indexed as Archive wrote them since migration 014
        reindex_stale_rows(db.conn)
    db.conn.commit()
    db.close()


def test_migration_reindexes_an_archive_of_the_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_archive(path, POSTS)
    conn = sqlite3.connect(path)
    before = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?"
    assert conn.execute(before, ['"東京"']).fetchone() == (0,)  # the defect
    assert conn.execute(before, ['"running"']).fetchone() == (1,)
    conn.close()
    with Archive(path) as archive:  # opening it migrates it
        applied = archive.conn.execute("SELECT name FROM _migrations").fetchall()
        assert ("012_fts_segmented_scripts",) in applied
        assert titles(archive.search("東京")) == ["東京の暮らし"]
        assert titles(archive.search("서울")) == ["여행 일기"]
        assert titles(archive.search("run")) == ["Running in the park"]
        assert archive.search("北京")[0]["snippet"] == "我们在[北京]大学学习中文。"
        comments = archive.conn.execute(
            "SELECT count(*) FROM comments_fts WHERE comments_fts MATCH ?", ['"大 阪"']
        ).fetchone()
        assert comments == (1,)
        # written after the migration: kept current like the rest
        archive.save_post({**BEIJING, "url": "https://xuexi.example/2024/10/new.html"})
        assert len(archive.search("北京")) == 2
    fts_sound(path)


def test_a_read_only_search_of_an_old_archive_finds_what_it_found_before(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    # 東京 alone between spaces or punctuation: one token of the old index, found as typed
    old_archive(path, [{**TOKYO, "text": "「東京」 2024"}])
    with Archive(path, readonly=True) as archive:  # what `blogarchive search` opens
        assert titles(archive.search("東京")) == ["東京の暮らし"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _migrations").fetchone() == (11,)  # untouched
    conn.close()


def test_only_these_scripts_are_spaced() -> None:
    from pipeline.searchtext import fts_query, indexed

    assert spaced("Москва, Αθήνα, العربية, עברית, café") == "Москва, Αθήνα, العربية, עברית, café"
    assert spaced("iPhone東京2024年", " ") == "iPhone 東 京 2024 年"
    assert spaced("สวัสดี", " ") == "ส วั ส ดี"  # a vowel sign stays with its consonant
    assert fts_query('"東京" AND hello') == '"東 京" AND hello'
    assert indexed("東 京。") is None and indexed("Paris") is None  # nothing to keep apart


# ---------------------------------------------------------------- what a reader types

FOX = {
    "url": "https://notes.example/2024/01/fox.html",
    "title": "River notes",
    "author": "Ines",
    "text": "The quick brown fox crossed the river at dawn.",
}
DOG = {
    "url": "https://notes.example/2024/02/dog.html",
    "title": "Dog days",
    "author": "Ines",
    "text": "A quick dog slept by the brown river; no fox came.",
}
CAT = {
    "url": "https://notes.example/2024/03/cat.html",
    "title": "Quiet evenings",
    "author": "Omar",
    "text": "My cat ignores the river (and the dog).",
}

#: query -> the titles it finds, on every path (None: no search is possible, said so)
TYPED = {
    "quick fox": ["Dog days", "River notes"],
    "quick AND fox": ["Dog days", "River notes"],
    '"quick brown"': ["River notes"],
    '"brown quick"': [],
    '"quick brown': ["River notes"],  # a quote left open closes at the end
    "quick -fox": [],
    "river -fox": ["Quiet evenings"],
    "river NOT dog": ["River notes"],
    "cat OR fox": ["Dog days", "Quiet evenings", "River notes"],
    "qui*": ["Dog days", "Quiet evenings", "River notes"],  # quick, quiet
    "title:river": ["River notes"],
    "author:omar river": ["Quiet evenings"],
    "(and": ["Quiet evenings"],
    "quick)": ["Dog days", "River notes"],
    "*": [],
    "!!!": [],
    "river\x00": ["Dog days", "Quiet evenings", "River notes"],
    "-fox": None,
    "NOT river": None,
}


def test_what_a_reader_types_finds_the_same_on_every_path(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        for post in (FOX, DOG, CAT):
            archive.save_post(post)
        for query, expected in TYPED.items():
            if expected is None:
                with pytest.raises(SearchError, match="only leaves words out"):
                    archive.search(query)
            else:
                assert sorted(titles(archive.search(query))) == expected, query
        # many words joined by OR cost seconds each search: at most 16
        either = " OR ".join(["river"] * 8 + ["fox"] * 8)
        assert sorted(titles(archive.search(either))) == [
            "Dog days",
            "Quiet evenings",
            "River notes",
        ]
        with pytest.raises(
            SearchError, match="joins 17 words or phrases with OR: a search takes at most 16"
        ):
            archive.search(either + " OR cat")
    site = Site(make_datasette(archive_path), "archive")
    try:
        for query, expected in TYPED.items():
            q = quote(query)
            page = site.json(f"/archive/search.json?_shape=array&q={q}")
            table = site.json(f"/archive/posts.json?_shape=array&_search={q}")
            assert sorted(titles(page)) == (expected or []), query
            assert sorted(titles(table)) == (expected or []), query
        message = "“quick -fox -dog” only leaves words out"
        assert message not in site.ok(f"/archive/search?q={quote('quick -fox -dog')}").text
        assert (
            "“-fox -dog” only leaves words out"
            in site.ok(f"/archive/search?q={quote('-fox -dog')}").text
        )
        many = quote(" OR ".join(f"w{number}" for number in range(20)))
        assert "joins 20 words or phrases with OR" in site.ok(f"/archive/search?q={many}").text
        # comments are searched by author and text
        comments = site.get(f"/archive/search_comments.json?q={quote('title:x')}")
        assert comments.status_code == 200
    finally:
        site.close()
    # the command line: a query starting with "-" is a query, not an option
    found = run_blogarchive("search", "river -fox", "--json", "--db", str(archive_path))
    assert [json.loads(line)["title"] for line in found.stdout.splitlines()] == ["Quiet evenings"]
    only_out = run_blogarchive("search", "-fox", "--db", str(archive_path))
    assert only_out.returncode == 1
    assert "Error: “-fox” only leaves words out: a search needs a word" in only_out.stderr
    phrase = run_blogarchive("search", '"brown quick"', "--db", str(archive_path))
    assert phrase.returncode == 0 and "no posts match" in phrase.stderr


# ---------------------------------------------------------------- folded letters (migration 014)

GREEK = {
    "url": "https://taxidi.example/2024/04/athina.html",
    "title": "Ταξίδι στην Αθήνα",
    "author": "Σοφία",
    "tags": ["Ελλάδα"],
    "text": "Περπατήσαμε στην Αθήνα όλο το πρωί. [σημείωση] Μετά, καφές.",
    "comments": [{"author": "Νίκος", "text": "Ωραία η Αθήνα!", "comment_key": "c1"}],
}
ARABIC = {
    "url": "https://kitaba.example/2024/05/dars.html",
    "title": "الدرس الأول",
    "author": "سلمى",
    "text": "كَتَبَ الطالبُ الدرسَ في العـــربية.",
}
HEBREW = {
    "url": "https://shalom.example/2024/06/shalom.html",
    "title": "מכתב",
    "author": "דנה",
    "text": "אמרתי שָׁלוֹם לכל החברים.",
}
MIXED = {
    "url": "https://mixed.example/2024/07/strasse.html",
    "title": "Die Straße nach Iğdır",
    "author": "Jonas",
    "text": "A ﬁne ﬁle about the ＡＢＣ company, past the Große Straße.",
}
FOLDED = [GREEK, ARABIC, HEBREW, MIXED, RUNNING]

#: query -> the title it finds (each spelling finds the other)
SPELLINGS = {
    "Αθήνα": "Ταξίδι στην Αθήνα",
    "αθηνα": "Ταξίδι στην Αθήνα",
    "ΑΘΗΝΑ": "Ταξίδι στην Αθήνα",
    "περπατησαμε": "Ταξίδι στην Αθήνα",
    "ελλαδα": "Ταξίδι στην Αθήνα",  # label
    "σοφια": "Ταξίδι στην Αθήνα",  # author
    "كتب": "الدرس الأول",
    "كَتَبَ": "الدرس الأول",
    "العربية": "الدرس الأول",
    "שלום": "מכתב",
    "שָׁלוֹם": "מכתב",
    "Strasse": "Die Straße nach Iğdır",
    "straße": "Die Straße nach Iğdır",
    "grosse": "Die Straße nach Iğdır",
    "igdir": "Die Straße nach Iğdır",
    "ığdır": "Die Straße nach Iğdır",
    "file": "Die Straße nach Iğdır",
    "ﬁne": "Die Straße nach Iğdır",
    "abc": "Die Straße nach Iğdır",
    "ＡＢＣ": "Die Straße nach Iğdır",
    "running": "Running in the park",
}


def test_accents_marks_and_letter_forms_are_folded_on_every_path(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        for post in FOLDED:
            archive.save_post(post)
        for query, title in SPELLINGS.items():
            assert titles(archive.search(query)) == [title], query
        assert archive.search("αθηνας") == []  # another word
        # the snippet is the text as stored, the word marked where it stands
        assert archive.search("αθηνα")[0]["snippet"] == (
            "Περπατήσαμε στην [Αθήνα] όλο το πρωί. [σημείωση] Μετά, καφές."
        )
        assert archive.search("كتب")[0]["snippet"] == "[كَتَبَ] الطالبُ الدرسَ في العـــربية."
        assert archive.search("שלום")[0]["snippet"] == "אמרתי [שָׁלוֹם] לכל החברים."
        assert "the Große [Straße]." in archive.search("strasse")[0]["snippet"]
        assert archive.search("σημειωση")[0]["snippet"].startswith(
            "Περπατήσαμε στην Αθήνα όλο το πρωί. [[σημείωση]] Μετά"
        )
        stored = archive.conn.execute("SELECT text FROM posts ORDER BY id").fetchall()
        assert stored == [(post["text"],) for post in FOLDED]  # as extracted
    fts_sound(archive_path)
    site = Site(make_datasette(archive_path), "archive")
    try:
        for query, title in SPELLINGS.items():
            for path in (
                f"/archive/search.json?_shape=array&q={quote(query)}",
                f"/archive/search.json?_shape=array&order=newest&q={quote(query)}",
                f"/archive/posts.json?_shape=array&_search={quote(query)}",
            ):
                assert titles(site.json(path)) == [title], (query, path)
        hit = site.json(f"/archive/search.json?_shape=array&q={quote('ΑΘΗΝΑ')}")[0]
        assert hit["title_highlighted"] == "Ταξίδι στην <mark>Αθήνα</mark>"
        assert hit["snippet"].startswith("Περπατήσαμε στην <mark>Αθήνα</mark> όλο")
        page = site.ok(f"/archive/search?q={quote('שלום')}").text
        assert "אמרתי <mark>שָׁלוֹם</mark> לכל" in page
        comments = site.json(f"/archive/search_comments.json?_shape=array&q={quote('αθηνα')}")
        assert [c["snippet"] for c in comments] == ["Ωραία η <mark>Αθήνα</mark>!"]
    finally:
        site.close()
    found = run_blogarchive("search", "STRASSE", "--db", str(archive_path))
    assert "the Große [Straße]." in found.stdout, found.stdout + found.stderr


def test_migration_014_folds_an_archive_indexed_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_archive(path, [*FOLDED, TOKYO], before="014")
    conn = sqlite3.connect(path)
    # what blogarchive before migration 014 kept for Japanese text
    conn.execute(
        "INSERT INTO posts_fts(posts_fts, rowid, title, text, author, tags) "
        "SELECT 'delete', id, title, text, author, tags FROM posts WHERE url = ?",
        [TOKYO["url"]],
    )
    row = conn.execute(
        "SELECT id, title, text, author, tags FROM posts WHERE url = ?", [TOKYO["url"]]
    ).fetchone()
    spaced_row = [row[0], *(spaced(value) if value else None for value in row[1:])]
    conn.execute("INSERT INTO posts_fts_segments VALUES (?, ?, ?, ?, ?)", spaced_row)
    conn.execute(
        "INSERT INTO posts_fts(rowid, title, text, author, tags) VALUES (?, ?, ?, ?, ?)",
        spaced_row,
    )
    conn.commit()
    before = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?"
    assert conn.execute(before, ['"αθηνα"']).fetchone() == (0,)  # the defect
    assert conn.execute(before, ['"שלום"']).fetchone() == (0,)
    assert conn.execute(before, ['"東 京"']).fetchone() == (1,)
    texts = conn.execute("SELECT id, title, text, author, tags FROM posts").fetchall()
    conn.close()
    with Archive(path, readonly=True) as archive:  # not migrated: found as written
        assert titles(archive.search("Αθήνα")) == ["Ταξίδι στην Αθήνα"]
        assert archive.search("αθηνα") == []
    with Archive(path) as archive:  # opening it for writing migrates it
        assert ("014_fts_folded_letters",) in archive.conn.execute(
            "SELECT name FROM _migrations"
        ).fetchall()
        for query, title in SPELLINGS.items():
            assert titles(archive.search(query)) == [title], query
        assert titles(archive.search("東京")) == ["東京の暮らし"]
        assert archive.search("αθηνα")[0]["snippet"].startswith("Περπατήσαμε στην [Αθήνα]")
        assert (
            archive.conn.execute("SELECT id, title, text, author, tags FROM posts").fetchall()
            == texts
        )
        # written after the migration: kept current like the rest
        archive.save_post({**GREEK, "url": "https://taxidi.example/2024/08/ksana.html"})
        assert len(archive.search("ΑΘΗΝΑ")) == 2
    fts_sound(path)


def test_a_snippet_of_folded_text_shows_the_stored_spelling() -> None:
    from pipeline.searchtext import folded, unfolded

    stored = "Ταξίδι στην Αθήνα, το καλοκαίρι… كَتَبَ [Straße]"
    assert folded(stored) == "Ταξιδι στην Αθηνα, το καλοκαιρι… كتب [Strasse]"
    cases = {
        "…στην <mark>Αθηνα</mark>, το…": "…στην <mark>Αθήνα</mark>, το…",
        "<mark>Ταξιδι</mark> στην…": "<mark>Ταξίδι</mark> στην…",
        "…καλοκαιρι… <mark>كتب</mark> [Strasse]": "…καλοκαίρι… <mark>كَتَبَ</mark> [Straße]",
        "…[<mark>Strasse</mark>]": "…[<mark>Straße</mark>]",
        "not from this text": "not from this text",  # left as it is
    }
    for marked, shown in cases.items():
        assert unfolded(marked, stored, "<mark>", "</mark>") == shown
    assert unfolded("[cafe]", "cafe", "[", "]") == "[cafe]"  # nothing folded: as it is


def test_no_typed_query_is_an_fts5_syntax_error() -> None:
    import random

    from pipeline.searchtext import COMMENT_COLUMNS, QueryProblem, fts_query, user_query

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(title, text, author, tags)")
    conn.execute("INSERT INTO posts_fts VALUES ('a b', 'quick brown fox', 'x', 'y')")
    conn.execute("CREATE VIRTUAL TABLE comments_fts USING fts5(author, text)")
    pieces = [*'ab "-*():^{}+,.!#@\\/\x00', "OR", "AND", "NOT", "NEAR", "東京", "ά", " "]
    pieces += ["title:", "Tags:", "author:", "note:"]
    chooser = random.Random(14)
    for _ in range(3000):
        typed = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 12)))
        try:
            match = fts_query(user_query(typed)) or '""'
        except QueryProblem:
            continue
        conn.execute("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", [match])
        # comments: a column of the posts' index only (title:, tags:) is no error either
        for_comments = fts_query(user_query(typed, COMMENT_COLUMNS)) or '""'
        conn.execute("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH ?", [for_comments])


# ---------------------------------------------------------------- vowel signs (migration 015)

HINDI = {
    "url": "https://bhasha.example/2024/09/hindi.html",
    "title": "हिन्दी के बारे में",
    "author": "अनु",
    "text": "मुझे हिन्दी भाषा बहुत पसंद है। தமிழ் மொழியும் அழகு.",
}


def test_words_with_vowel_signs_are_whole_words(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(HINDI)
        archive.save_post(RUNNING)
        assert archive.search("हिन्दी")[0]["snippet"] == (
            "मुझे [हिन्दी] भाषा बहुत पसंद है। தமிழ் மொழியும் அழகு."
        )
        assert titles(archive.search("மொழியும்")) == [HINDI["title"]]
        assert archive.search("न") == [] and archive.search("मुझ") == []  # parts of words
        assert titles(archive.search("run")) == ["Running in the park"]
    site = Site(make_datasette(archive_path), "archive")
    try:
        hit = site.json(f"/archive/search.json?_shape=array&q={quote('हिन्दी')}")[0]
        assert hit["title_highlighted"] == "<mark>हिन्दी</mark> के बारे में"
    finally:
        site.close()


def test_migration_015_indexes_words_with_their_marks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_archive(path, [HINDI, RUNNING], before="015")
    conn = sqlite3.connect(path)
    before = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?"
    assert conn.execute(before, ['"न"']).fetchone() == (1,)  # the defect: a part of हिन्दी
    texts = conn.execute("SELECT * FROM posts ORDER BY id").fetchall()
    conn.close()
    with Archive(path) as archive:  # opening it migrates it
        assert archive.search("न") == []
        assert titles(archive.search("हिन्दी")) == [HINDI["title"]]
        assert archive.search("भाषा")[0]["snippet"].startswith("मुझे हिन्दी [भाषा] बहुत")
        assert titles(archive.search("running")) == ["Running in the park"]
        # every column as it was (migration 019 adds published_utc after them, tested apart)
        same = archive.conn.execute("SELECT * FROM posts ORDER BY id").fetchall()
        assert [row[: len(texts[0])] for row in same] == texts
        archive.save_post({**HINDI, "url": "https://bhasha.example/2024/10/again.html"})
        assert len(archive.search("हिन्दी")) == 2
    fts_sound(path)
