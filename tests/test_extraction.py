"""Tests for pipeline.extraction against hand-written fixtures modelled on platform markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cleaning import CLUTTER_LINES, decode_html, is_clutter_line
from pipeline.extraction import Comment, ExtractionError, PostRecord, extract_post, sanitise_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
KEYS = ["url", "title", "author", "published", "updated", "tags", "language", "text", "html"]
KEYS.append("comments")

# Lines that must never be a line of stored text (the brief's list plus sidebar titles).
FORBIDDEN_LINES = {
    "get link", "facebook", "x", "pinterest", "email", "other apps", "share this:",
    "like this:", "like", "loading...", "related", "post a comment", "leave a reply",
    "newer post", "older post", "home", "powered by blogger", "comments", "share", "subscribe",
    "labels:", "popular posts", "blog archive", "labels", "followers", "about me",
    "view my complete profile", "report abuse", "archive",
}  # fmt: skip


def load(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def assert_clean_text(record: PostRecord) -> None:
    assert record.text
    for line in record.text.split("\n"):
        assert line.strip(), "no blank lines"
        assert line.strip().lower() not in FORBIDDEN_LINES, line
        assert not is_clutter_line(line), line
    for comment in record.comments:
        for line in comment.text.splitlines():
            assert line not in record.text, f"comment text leaked into body: {line}"


def assert_safe_html(html: str) -> None:
    lowered = html.lower()
    for bad in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:", "<iframe"):
        assert bad not in lowered, bad


# --------------------------------------------------------------------------------------------
# Blogger, modern theme (Contempo)
# --------------------------------------------------------------------------------------------


def test_blogger_contempo():
    url = "https://tidewaternotes.blogspot.com/2023/04/mending-cedar-rowboat.html"
    record = extract_post(load("blogger_contempo.html"), url)
    assert record.url == url
    assert record.title == "Mending a Cedar Rowboat Before the Spring Tides"
    assert record.author == "Marguerite Olsen"
    assert record.published == "2023-04-05T09:30:00-07:00"
    assert record.updated == "2023-04-07T18:02:11-07:00"
    assert record.tags == ["boat repair", "woodworking", "spring"]
    assert record.language == "en"
    assert record.text.startswith("The little cedar rowboat spent the whole winter upside down")
    assert "a dutchman patch rather than a whole new strake." in record.text
    assert "Measure the bevel twice, glue once" in record.text
    assert "new oarlocks from last autumn finally had a boat worth rowing." in record.text
    assert_clean_text(record)
    for chrome in ("Fitting Bronze Oarlocks", "Theme images", "Small boats, slow water", "Tobias"):
        assert chrome not in record.text
    assert record.title not in record.text.split("\n")

    assert [c.author for c in record.comments] == ["Tobias Wren", "Marguerite Olsen", "Anonymous"]
    first, reply, third = record.comments
    assert first.comment_key == "7788990011223344556"
    assert first.parent is None
    assert first.published == "2023-04-06T17:00:00+00:00"  # from showComment= epoch millis
    assert first.text.startswith("Lovely patch work.")
    assert reply.parent == "7788990011223344556"
    assert reply.comment_key == "9900112233445566778"
    assert third.parent is None
    for comment in record.comments:
        assert "Reply" not in comment.text and "Delete" not in comment.text
    assert '<a href="https://tidewaternotes.blogspot.com/2022/10/oarlocks.html"' in record.html
    assert "<h2>Cutting the patch</h2>" in record.html
    assert_safe_html(record.html)


# --------------------------------------------------------------------------------------------
# Blogger, classic/Simple theme
# --------------------------------------------------------------------------------------------


def test_blogger_classic():
    url = "https://orchardledger.blogspot.com/2017/03/grafting-old-pears.html"
    record = extract_post(load("blogger_classic.html"), url)
    # <title> is "Blog: Post"; the post heading wins, never the blog name.
    assert record.title == "Grafting Old Pear Varieties onto Quince"
    assert record.author == "Anselm Kiriakou"
    assert record.published == "2017-03-12T16:45:00+00:00"
    assert record.updated is None
    assert record.tags == ["grafting", "pears", "rootstock"]
    assert record.language == "en"  # no lang attribute: detected from the text
    lines = record.text.split("\n")
    assert lines[0].startswith("Early March is the narrow window for whip-and-tongue grafts")
    assert any(line.startswith("Tip: wrap the union with grafting tape") for line in lines)
    assert_clean_text(record)
    for chrome in ("Email This", "BlogThis!", "Share to X", "Post Comments (Atom)", "Simple theme"):
        assert chrome not in record.text

    assert len(record.comments) == 2
    assert [c.author for c in record.comments] == ["Rosalind Achterberg", "Anselm Kiriakou"]
    assert [c.comment_key for c in record.comments] == [
        "6000111222333444555",
        "6000111222333444666",
    ]
    assert record.comments[0].published == "2017-03-13T17:30:00+00:00"
    assert record.comments[1].text == (
        "A short piece of Beurré Hardy between the two has worked for me.\n"
        "Give it a try next spring."
    )
    assert "said..." not in record.comments[0].author


# --------------------------------------------------------------------------------------------
# WordPress + Jetpack + Yoast
# --------------------------------------------------------------------------------------------


def test_wordpress_jetpack():
    url = "https://crumbdiaries.example.org/2021/01/sourdough-starter-january/"
    record = extract_post(load("wordpress_jetpack.html"), url)
    assert record.title == "Why My Sourdough Starter Sulks in January"
    assert record.author == "Priya Castellanos"
    assert record.published == "2021-01-18T08:15:00+00:00"
    assert record.updated == "2021-02-02T19:40:00+00:00"
    assert record.tags == ["Bread", "starter", "winter baking"]
    assert record.language == "en"
    assert "Every January my starter goes quiet." in record.text
    assert "which tilts the whole culture toward acid." in record.text
    assert "Keeping the jar in the oven with only the light switched on." in record.text
    assert "| 28 °C | 5 hours |" in record.text  # tables are kept
    assert_clean_text(record)
    for chrome in (
        "A Feeding Schedule That Fits",  # Jetpack related posts
        "drafty terrace house",  # author box
        "Stollen Without the Stress",  # post navigation / sidebar
        "Your email address will not be published",  # comment form
        "Recent Posts",
        "Proudly powered by WordPress",
    ):
        assert chrome not in record.text

    authors = [c.author for c in record.comments]
    assert authors == ["Dmitri Vasquez", "Priya Castellanos", "Hanne Solberg"]
    assert [c.comment_key for c in record.comments] == ["87", "88", "90"]
    assert [c.parent for c in record.comments] == [None, "87", None]
    assert record.comments[0].published == "2021-01-19T07:02:31+00:00"
    assert record.comments[2].text == "Would a heating mat be overkill for a single jar?"
    assert all("says:" not in c.text and "Reply" not in c.text for c in record.comments)
    # relative links are made absolute before sanitising
    assert 'href="https://crumbdiaries.example.org/2020/11/feeding-schedule/"' in record.html
    assert_safe_html(record.html)


def test_hints_take_precedence():
    hints = {
        "title": "Feed title wins",
        "author": "Feed Author",
        "published": "2021-01-17T10:00:00Z",
        "updated": "2021-01-20",
        "tags": ["from-feed", "starter"],
    }
    record = extract_post(load("wordpress_jetpack.html"), "https://x.example/", hints=hints)
    assert record.title == "Feed title wins"
    assert record.author == "Feed Author"
    assert record.published == "2021-01-17T10:00:00+00:00"
    assert record.updated == "2021-01-20"
    assert record.tags == ["from-feed", "starter", "Bread", "winter baking"]


def test_bad_author_hints_are_rejected():
    record = extract_post(
        load("wordpress_jetpack.html"), "https://x.example/", hints={"author": "admin"}
    )
    assert record.author == "Priya Castellanos"


# --------------------------------------------------------------------------------------------
# Generic static site (Hugo)
# --------------------------------------------------------------------------------------------


def test_hugo_generic():
    record = extract_post(load("hugo_generic.html"), "https://feldnotizen.example.de/posts/triest/")
    assert record.title == "Nachtzug nach Triest"
    assert record.author == "Jonas Ebersbach"
    assert record.published == "2022-09-14T21:10:00+02:00"
    assert record.updated == "2022-09-16T08:00:00+02:00"
    assert record.tags == ["Bahn", "Reisen", "Italien"]
    assert record.language == "de"
    assert record.text.startswith("Der Nachtzug verließ München pünktlich")
    assert "Der Kaffee im Bahnhofscafé kostete einen Euro zwanzig" in record.text
    assert "Villach Hbf   01:58" in record.text  # preformatted block keeps its spacing
    assert "4 min read" not in record.text
    assert "Über den Alpenpass" not in record.text
    assert_clean_text(record)
    assert record.comments == []


# --------------------------------------------------------------------------------------------
# Sanitisation
# --------------------------------------------------------------------------------------------


def test_xss_payloads_are_sanitised():
    record = extract_post(load("xss_payloads.html"), "https://quietterminal.example.com/p/")
    assert record.title == "Notes on Sandboxing Untrusted Markup"
    assert record.author == "Odalys Ferreira"
    assert record.published == "2024-02-29"
    assert "An allow-list is the only approach I trust" in record.text
    assert "Finally, strip every style attribute" in record.text
    for payload in ("document.cookie", "alert(", "injected header text", "does not support"):
        assert payload not in record.text
        assert payload not in record.html
    assert_safe_html(record.html)
    assert "harmless looking link" in record.html  # the visible link text survives
    assert "reference worth reading" in record.html
    assert 'rel="nofollow noopener"' in record.html


def test_sanitise_html_allow_list():
    dirty = (
        '<div class="x"><p style="color:red" onclick="x()">Hi <b>there</b> '
        '<a href="javascript:alert(1)">js</a> <a href="mailto:a@b.example">mail</a> '
        '<a href="https://ok.example/" onmouseover="y()">ok</a></p>'
        '<img src="data:image/png;base64,AAAA" alt="data"><img src="https://i.example/p.png" '
        'onerror="z()" alt="pic"><script>evil()</script><iframe src="https://f">frame text</iframe>'
        "<style>p{}</style><table><tr><td>cell</td></tr></table></div>"
    )
    clean = sanitise_html(dirty)
    assert_safe_html(clean)
    assert "style=" not in clean and "class=" not in clean and "<div" not in clean
    assert "evil()" not in clean and "frame text" not in clean
    assert '<a href="mailto:a@b.example" rel="nofollow noopener">mail</a>' in clean
    assert '<a href="https://ok.example/" rel="nofollow noopener">ok</a>' in clean
    assert ">js</a>" in clean and "data:image" not in clean
    assert '<img src="https://i.example/p.png" alt="pic">' in clean
    assert "<td>cell</td>" in clean and "<b>there</b>" in clean


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

CREPES_URL = "https://crepes.example.fr/2009/11/crepes.html"


def test_latin1_page_with_meta_charset():
    raw = load("latin1_meta_charset.html")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is windows-1252
    record = extract_post(raw, CREPES_URL)
    assert record.title == "Crêpes de sarrasin à la façon de ma grand-mère"
    assert record.author == "Hélène Quéméner"
    assert record.published == "2009-11-03T18:20:00+01:00"
    assert record.language == "fr"
    assert "elle refusait toujours d’ajouter des œufs." in record.text
    assert "Coût total : à peine 3 € pour toute la famille." in record.text
    assert "\ufffd" not in record.text


def test_wrong_header_charset_and_missing_meta():
    raw = load("latin1_meta_charset.html")
    # HTTP header claims UTF-8 but the bytes are cp1252: the meta charset takes over.
    assert "œufs" in extract_post(raw, CREPES_URL, encoding="utf-8").text
    # No meta charset at all: detection must still decode it without mojibake.
    stripped = raw.replace(b' charset=windows-1252"', b'"')
    assert b"charset" not in stripped
    text = extract_post(stripped, CREPES_URL).text
    assert "grand-mère préparait la pâte" in text and "\ufffd" not in text
    # A UTF-8 page mislabelled as ISO-8859-1 is still read as UTF-8.
    utf8 = raw.decode("cp1252").replace("windows-1252", "iso-8859-1").encode("utf-8")
    assert "œufs" in extract_post(utf8, CREPES_URL, encoding="iso-8859-1").text


def test_decode_html_bom_and_garbage():
    assert decode_html("\ufeff<p>x</p>".encode("utf-8")) == "<p>x</p>"
    assert decode_html("<p>é</p>".encode("utf-16")) == "<p>é</p>"
    assert decode_html(b"<p>\xff\xfe\x80 broken</p>", encoding="no-such-codec").endswith("</p>")


# --------------------------------------------------------------------------------------------
# Failures and edge cases
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, reason",
    [
        (load("login_form.html"), "no article text"),
        (b"<html><head><title>x</title></head><body></body></html>", "no article text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>", "not HTML"),
        (b"", "empty"),
    ],
)
def test_non_article_pages_raise(page, reason):
    with pytest.raises(ExtractionError, match=reason):
        extract_post(page, "https://members.example.org/wp-login.php")


def test_deeply_nested_page_is_extracted():
    sentence = "Deeply nested paragraphs must still come out of the extractor in one piece. "
    page = "<html><body>" + "<div>" * 600 + f"<p>{sentence * 4}</p>" + "</div>" * 600
    record = extract_post(page + "</body></html>", "https://deep.example/")
    assert sentence.strip() in record.text


def test_to_dict_keys_and_json():
    record = extract_post(load("wordpress_jetpack.html"), "https://x.example/")
    data = record.to_dict()
    assert list(data) == KEYS
    assert set(data["comments"][0]) == {"author", "published", "text", "parent", "comment_key"}
    json.dumps(data)  # JSON-ready


def test_comment_key_hash_is_stable():
    a = Comment(author="Ann", published="2020-01-01", text="Nice.")
    b = Comment(author="Ann", published="2020-01-01", text="Nice.")
    c = Comment(author="Ann", published="2020-01-02", text="Nice.")
    assert a.comment_key == b.comment_key != c.comment_key
    assert len(a.comment_key) == 16


def test_clutter_list_covers_the_brief():
    for line in ("Get link", "  other apps ", "X", "5 min read", "Liked by 12 people", "Like"):
        assert is_clutter_line(line)
    assert "powered by blogger" in CLUTTER_LINES
    for line in ("X marks the spot", "Home is where the bread is", "Email me your recipes"):
        assert not is_clutter_line(line)


def test_fallback_when_trafilatura_finds_nothing(monkeypatch):
    import pipeline.extraction as extraction

    monkeypatch.setattr(extraction, "_trafilatura", lambda tree, url: None)
    record = extract_post(load("blogger_contempo.html"), "https://t.example/")
    assert "a dutchman patch rather than a whole new strake." in record.text
    assert_clean_text(record)
    assert_safe_html(record.html)
