"""Tests for pipeline.extraction against hand-written fixtures modelled on platform markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from churn_blog import CHURN, OTHER_POSTS, PARAGRAPHS, ChurnPost, post_page

from pipeline.cleaning import CLUTTER_LINES, decode_html, is_clutter_line, is_volatile_line
from pipeline.extraction import Comment, ExtractionError, PostRecord, extract_post, sanitise_html

PAGES = Path(__file__).parent / "fixtures" / "pages"
KEYS = ["url", "title", "author", "published", "updated", "tags", "language", "text", "html"]
KEYS.append("comments")
NEW_KEYS = ["published_source", "updated_source", "date_flags", "encoding", "encoding_source"]
NEW_KEYS.append("canonical_url")
NEW_KEYS.append("wall_signs")

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


def assert_clean_text(record: PostRecord, keep: tuple[str, ...] = ()) -> None:
    """No blank line and no clutter line in the text (``keep``: the author's own lines that
    happen to be a menu word, standing alone between two paragraphs)."""
    assert record.text
    for line in record.text.split("\n"):
        assert line.strip(), "no blank lines"
        if line in keep:
            continue
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
        (load("login_form.html"), "^login wall: the page shows a password field"),
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
    assert list(data)[: len(KEYS)] == KEYS  # the original keys first, in their order
    assert list(data) == KEYS + NEW_KEYS
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


# --------------------------------------------------------------------------------------------
# More platforms: Blogger Simple and Dynamic Views, WordPress.com, Substack, Ghost, Medium
# --------------------------------------------------------------------------------------------

PLATFORM_CHROME = (
    "Email This", "BlogThis!", "Share to X", "Followers", "View my complete profile", "Loading",
    "Liked by 14 people", "Medlar Jelly", "Leave a Reply", "Join 312 other subscribers",
    "Published by Isolde", "Thanks for reading", "Subscribe", "reader-supported", "42 Likes",
    "Ready for more?", "This post is for subscribers only", "Get the next post by email",
    "Sign up for more", "min read", "Member-only story", "Follow", "1.2K", "Written by",
    "Published with Ghost", "©", "As an Amazon Associate", "Hollis", "Perpetua",
)  # fmt: skip


def assert_no_platform_chrome(record: PostRecord) -> None:
    assert_clean_text(record)
    for chrome in PLATFORM_CHROME:
        assert chrome not in record.text, chrome
    assert record.title not in record.text.split("\n")
    assert_safe_html(record.html)


def test_blogger_simple_theme():
    url = "https://kilnandcrock.blogspot.com/2019/10/salt-glaze-firing.html"
    record = extract_post(load("blogger_simple.html"), url)
    assert record.title == "A Salt Glaze Firing in the Rain"  # not "Kiln and Crock: ..."
    assert record.author == "Ottilie Brandt"
    assert (record.published, record.published_source) == ("2019-10-19T21:14:00+02:00", "markup")
    assert record.tags == ["firing", "salt glaze"]
    assert record.text.startswith("We lit the old catenary kiln at six in the morning")
    assert record.text.endswith("a drip of ash glaze running down its handle.")
    assert_no_platform_chrome(record)
    assert [(c.author, c.parent) for c in record.comments] == [
        ("Hollis Ferrant", None),
        ("Ottilie Brandt", "5512"),
    ]
    assert record.canonical_url == url
    assert (record.encoding, record.encoding_source) == ("utf-8", "meta")


def test_blogger_dynamic_views_noscript_fallback():
    url = "https://moorlandlichens.blogspot.com/2016/07/reading-crust.html"
    record = extract_post(load("blogger_dynamic_views.html"), url)
    assert record.title == "Reading the Crust on a Gritstone Wall"
    assert record.author == "Ferdinand Ashworth"
    # the date header's visible text is the most precise date on the page
    assert (record.published, record.published_source) == ("2016-07-24", "text")
    assert record.tags == ["walls", "Xanthoria"]
    assert record.language == "en"
    assert record.text.startswith("A dry-stone wall on the moor edge is a slow library.")
    assert "enough to compare photographs." in record.text
    for chrome in ("Loading...", "_WidgetManager", "Labels:", "Moorland Lichens"):
        assert chrome not in record.text
    assert_no_platform_chrome(record)


def test_blogger_url_date_when_the_page_has_no_other():
    page = load("blogger_dynamic_views.html").replace(b"Sunday, 24 July 2016", b"")
    url = "https://moorlandlichens.blogspot.com/2016/07/reading-crust.html"
    record = extract_post(page, url)
    assert (record.published, record.published_source) == ("2016-07", "url")


def test_wordpress_com_jetpack_and_author_box():
    url = "https://larderalmanac.wordpress.com/2021/11/03/quince-paste/"
    record = extract_post(load("wordpress_com.html"), url)
    assert record.title == "Pressing Quince Paste the Slow Way"
    assert record.author == "Isolde Whitcombe"  # the meta says "admin"
    assert record.published == "2021-11-03T08:15:42+00:00"
    assert record.updated == "2021-11-05T10:01:00+00:00"
    assert (record.published_source, record.updated_source) == ("meta", "meta")
    assert record.tags == ["Preserves", "quince", "autumn"]  # category, then tags
    assert record.text.startswith("The quinces from the neighbour's tree arrived")
    assert record.text.endswith("slices cleanly for the cheese board by the weekend.")
    assert_no_platform_chrome(record)
    assert [c.author for c in record.comments] == ["Perpetua Lowe"]
    assert record.canonical_url == url


def test_substack_prompts_are_not_body_text():
    url = "https://estuaryletters.substack.com/p/tide-tables"
    record = extract_post(load("substack.html"), url)
    assert record.title == "Why Every Tide Table Is a Little Wrong"  # not "... - by ... - ..."
    assert record.author == "Saoirse Pell"
    assert (record.published, record.published_source) == ("2024-03-02T14:05:11+00:00", "json-ld")
    assert record.tags == ["tides", "estuaries"]
    lines = record.text.split("\n")
    assert lines[0].startswith("Tide tables are predictions built")
    assert lines[-1].startswith("So read the table as a forecast")
    assert len(lines) == 4
    assert "Share" not in lines and "Subscribe now" not in record.text
    assert_no_platform_chrome(record)
    assert record.canonical_url == url  # og:url on the same host


def test_ghost_cards_kept_members_cta_dropped():
    url = "https://plotandpath.ghost.io/cold-frame-windows/"
    record = extract_post(load("ghost.html"), url)
    assert record.title == "Building a Cold Frame from Salvaged Windows"
    assert record.author == "Ines Halloran"
    assert record.tags == ["Gardening", "Salvage"]
    assert record.published == "2024-02-11T09:00:00+00:00"
    assert record.updated == "2024-02-12T17:40:00+00:00"
    assert record.text.startswith("Two sash windows came out of a neighbour's renovation")
    assert "Old paint on salvaged sashes may contain lead" in record.text  # kg-callout-card
    assert "a sunny March day can cook seedlings in an hour." in record.text
    assert_no_platform_chrome(record)


def test_medium_claps_follow_and_member_banner_dropped():
    url = "https://medium.com/@teodorvasquez/the-quiet-economics-of-repair-cafes-5c1d2e"
    record = extract_post(load("medium.html"), url)
    assert record.title == "The Quiet Economics of Repair Cafés"
    assert record.author == "Teodor Vasquez"
    assert record.published.startswith("2024-01-09T07:12:33")
    assert record.tags == ["Repair", "Circular Economy"]
    lines = record.text.split("\n")
    assert lines[0].startswith("Once a month the church hall fills")
    assert "What the volunteers really trade" in lines
    assert lines[-1].endswith("rarely appears in anyone's budget.")
    for chrome in ("Listen", "Share", "14", "3.1K Followers", "Teodor Vasquez"):
        assert chrome not in lines
    assert_no_platform_chrome(record)


@pytest.mark.parametrize(
    "line",
    [
        "5 min read",
        "— 4 min read",
        "Reading time: 3 minutes",
        "© 2024 Hedgerow Notes",
        "Copyright (c) 2019 Foo. All rights reserved.",
        "© Hedgerow Notes 2024",
        "Copyright © 2024 Anna Berg",
        "copyright Inexhibit 2019 - ISSN: 2283-5474",
        "© Reuters",
        "© Hedgerow Notes. All rights reserved.",
        "As an Amazon Associate I earn from qualifying purchases.",
        "This post contains affiliate links, which means I may earn a small commission.",
        "Thanks for reading Estuary Letters! Subscribe for free to receive new posts.",
        "Subscribe to my newsletter for weekly notes.",
        "Member-only story",
    ],
)
def test_prompt_notice_and_copyright_lines_are_clutter(line):
    assert is_clutter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe to the idea that less is more, she said.",
        "I read it in 5 minutes and then again the next morning.",
        "Copyright law is complicated, and in 2019 the court ruled that the photographer kept "
        "all her rights even though the magazine had paid for the prints and argued otherwise.",
        "Copyright law changed in 2019, and with it how I quote other blogs.",
        "Copyright is the one topic my readers never tire of.",
        "(c) every photo here is mine unless the caption says otherwise.",
    ],
)
def test_body_sentences_are_not_clutter(line):
    assert not is_clutter_line(line)


def test_short_paragraph_starting_with_copyright_is_kept():
    first = "Copyright is the one topic my readers never tire of."
    rest = "<p>Every month someone asks whether they may quote a recipe, and I answer the same way.</p>"
    page = f"<html><body><article><h1>Quoting</h1><p>{first}</p>{rest * 2}</article></body></html>"
    record = extract_post(page, "https://rights.example/2024/01/quoting.html")
    assert record.text.split("\n")[0] == first
    assert f"<p>{first}</p>" in record.html


def test_titles_never_carry_the_blog_name_or_a_widget_heading():
    page = (
        "<html><head><title>Rust on the Rails | Branchline Diaries</title>"
        "<meta property='og:site_name' content='Branchline Diaries'></head><body>"
        "<div class='widget Followers'><h2 class='title'>Followers</h2></div>"
        "<article><p>"
        + "The old branch line rusted quietly in the cutting for years. " * 6
        + "</p></article></body></html>"
    )
    record = extract_post(page, "https://branchline.example/2020/01/rust/")
    assert record.title == "Rust on the Rails"
    # no site name given: a side spelling the host name is still dropped
    page2 = page.replace("<meta property='og:site_name' content='Branchline Diaries'>", "")
    page2 = page2.replace("Branchline Diaries", "branchline")
    assert extract_post(page2, "https://branchline.example/x/").title == "Rust on the Rails"


@pytest.mark.parametrize(
    "name", ["Unknown", "admin", "View my complete profile", "noreply@blogger.com"]
)
def test_placeholder_authors_are_empty(name):
    page = (
        f"<html><head><meta name='author' content='{name}'></head><body><article>"
        "<h1 class='entry-title'>Stones</h1><p>"
        + "Field stones heave up every winter. " * 8
        + "</p></article></body></html>"
    )
    assert extract_post(page, "https://stones.example/p").author == ""


# --------------------------------------------------------------------------------------------
# Dates: provenance and plausibility
# --------------------------------------------------------------------------------------------


def _dated_page(jsonld: str = "", meta: str = "", body_extra: str = "") -> str:
    script = f"<script type='application/ld+json'>{jsonld}</script>" if jsonld else ""
    return (
        f"<html><head>{script}{meta}</head><body><article><h1 class='entry-title'>Hedges</h1>"
        f"{body_extra}<p>"
        + "Laid hedges thicken at the base and keep the sheep in. " * 8
        + "</p></article></body></html>"
    )


def test_feed_hints_win_and_are_recorded_as_feed():
    page = _dated_page('{"@type":"BlogPosting","datePublished":"2020-05-01"}')
    record = extract_post(
        page, "https://h.example/p", hints={"published": "2020-04-30T10:00:00Z", "source": "feed"}
    )
    assert (record.published, record.published_source) == ("2020-04-30T10:00:00+00:00", "feed")
    record = extract_post(page, "https://h.example/p")
    assert (record.published, record.published_source) == ("2020-05-01", "json-ld")


@pytest.mark.parametrize(
    "feed, page, expected",
    [
        # WordPress RSS writes pubDate in GMT; the page, the blog's zone: the same instant
        ("2020-01-01T04:30:00+00:00", "2019-12-31T23:30:00-05:00", "2019-12-31T23:30:00-05:00"),
        # a feed without a zone: the page's same clock time, with its offset
        ("2019-12-31T23:30:00", "2019-12-31T23:30:00-05:00", "2019-12-31T23:30:00-05:00"),
        # feed and page disagree: the feed wins
        ("2019-03-01T10:00:00+00:00", "2019-03-20T09:00:00+01:00", "2019-03-01T10:00:00+00:00"),
        # the feed in the blog's zone already
        ("2019-12-31T23:30:00-05:00", "2020-01-01T04:30:00+00:00", "2019-12-31T23:30:00-05:00"),
    ],
)
def test_a_feed_date_in_utc_is_written_in_the_zone_the_page_gives(feed, page, expected):
    """A feed that writes dates in UTC (WordPress RSS: `+0000`) won over the page's `<time>`
    for the same instant in the blog's zone: a post of 23:30 on 31 December in New York was
    stored in 2020. The page's writing is kept when it is the feed's instant."""
    body = _dated_page(
        meta=f"<meta property='article:published_time' content='{page}'>"
        f"<meta property='article:modified_time' content='{page}'>"
    )
    hints = {"published": feed, "updated": feed, "source": "feed"}
    record = extract_post(body, "https://h.example/p", hints=hints)
    assert (record.published, record.updated) == (expected, expected)


def test_a_page_that_dates_the_post_otherwise_than_its_feed_is_flagged():
    """The feed's date wins; when the page's own markup says another day, nothing said so:
    a reader citing the archive's date could not know the page showed another one."""
    hints = {"published": "2019-03-01T10:00:00+00:00", "source": "feed"}
    page = "<time class='entry-date published' datetime='2019-03-20T09:00:00+01:00'>20 March</time>"
    record = extract_post(_dated_page(body_extra=page), "https://h.example/p", hints=hints)
    assert (record.published, record.published_source) == ("2019-03-01T10:00:00+00:00", "feed")
    assert record.date_flags == ["published_page_differs:markup:2019-03-20T09:00:00+01:00"]
    # the same day (in another zone, or without its time) is no disagreement
    for same in ("2019-03-01", "2019-03-01T23:30:00-05:00", "2019-03-02T09:00:00+09:00"):
        page = f"<time class='entry-date published' datetime='{same}'>1 March</time>"
        record = extract_post(_dated_page(body_extra=page), "https://h.example/p", hints=hints)
        assert record.date_flags == [], same


def test_future_and_ancient_dates_are_flagged_not_stored():
    page = _dated_page('{"@type":"BlogPosting","datePublished":"2999-01-01T00:00:00Z"}')
    record = extract_post(page, "https://h.example/p")
    assert record.published is None and record.published_source is None
    assert record.date_flags == ["published_in_future:2999-01-01T00:00:00Z"]

    page = _dated_page(
        meta="<meta property='article:published_time' content='1970-01-01T00:00:00Z'>"
    )
    record = extract_post(page, "https://h.example/2018/06/hedges.html")
    assert record.date_flags == ["published_before_1995:1970-01-01T00:00:00Z"]
    # the next plausible source is used: the URL's month
    assert (record.published, record.published_source) == ("2018-06", "url")


def test_update_before_publication_is_flagged():
    page = _dated_page(
        '{"@type":"BlogPosting","datePublished":"2021-03-04T10:00:00Z",'
        '"dateModified":"2019-01-01T00:00:00Z"}'
    )
    record = extract_post(page, "https://h.example/p")
    assert record.published == "2021-03-04T10:00:00+00:00"
    assert record.updated is None and record.updated_source is None
    assert record.date_flags == ["updated_before_published:2019-01-01T00:00:00+00:00"]


def test_canonical_on_another_host_is_ignored():
    page = _dated_page(meta="<link rel='canonical' href='https://syndicator.example/copy/'>")
    assert extract_post(page, "https://h.example/p").canonical_url is None
    page = _dated_page(meta="<link rel='canonical' href='/2020/hedges/'>")
    assert extract_post(page, "https://h.example/p?m=1").canonical_url == (
        "https://h.example/2020/hedges/"
    )


# --------------------------------------------------------------------------------------------
# Hard pages: charsets, nothing to extract
# --------------------------------------------------------------------------------------------

RUSSIAN = (
    "Весной мы посадили у забора три яблони и две груши. Земля была тяжёлая, глинистая, "
    "поэтому в каждую яму добавили песок и перегной. Осенью деревья дали первые листья, "
    "а через год одна яблоня уже зацвела. Соседи приходили смотреть и спрашивали совета."
)


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}<title>Сад</title></head><body><article><h1>Сад</h1>{body}</article></body></html>"


def test_cp1251_without_any_charset_is_detected():
    raw = _page("".join(f"<p>{RUSSIAN}</p>" for _ in range(3))).encode("cp1251")
    record = extract_post(raw, "https://sad.example/p")
    assert RUSSIAN[:60] in record.text
    assert record.encoding == "cp1251" and record.encoding_source == "detected"


def test_utf16_with_bom():
    raw = _page(f"<p>{RUSSIAN}</p>").encode("utf-16")
    record = extract_post(raw, "https://sad.example/p")
    assert RUSSIAN[:60] in record.text
    assert (record.encoding, record.encoding_source) == ("utf-16-le", "bom")


def test_meta_charset_that_lies_is_overruled_by_the_bytes():
    # declares windows-1251 but the bytes are UTF-8
    raw = _page(f"<p>{RUSSIAN}</p>", "<meta charset='windows-1251'>").encode("utf-8")
    record = extract_post(raw, "https://sad.example/p")
    assert RUSSIAN[:60] in record.text
    assert (record.encoding, record.encoding_source) == ("utf-8", "utf-8")
    # declares UTF-8 but the bytes are windows-1251
    raw = _page("".join(f"<p>{RUSSIAN}</p>" for _ in range(3)), "<meta charset='utf-8'>")
    record = extract_post(raw.encode("cp1251"), "https://sad.example/p")
    assert RUSSIAN[:60] in record.text
    assert record.encoding_source == "detected"


def test_utf8_with_stray_latin1_bytes_is_decoded_per_region():
    good = "Crème brûlée and café au lait are on the menu every Sunday morning. " * 3
    stray = "Se\xf1or Mu\xf1oz brought the pi\xf1ata.".encode("latin-1")
    raw = (
        f"<html><head><meta charset='utf-8'></head><body><article><p>{good}</p><p>".encode()
        + stray
        + b"</p></article></body></html>"
    )
    record = extract_post(raw, "https://cafe.example/p")
    assert "Crème brûlée and café au lait" in record.text  # no whole-page mojibake
    assert "Señor Muñoz brought the piñata." in record.text
    assert "Ã" not in record.text
    assert (record.encoding, record.encoding_source) == ("utf-8+cp1252", "detected")


def test_page_with_nothing_to_extract_raises_even_after_fallbacks(monkeypatch):
    import pipeline.extraction as extraction

    monkeypatch.setattr(extraction, "_trafilatura", lambda tree, url: None)
    with pytest.raises(ExtractionError, match="fallbacks found none"):
        extract_post(
            "<html><body><div class='post-body'><p>Hi.</p></div></body></html>",
            "https://e.example/",
        )


# --------------------------------------------------------------------------------------------
# The article's structure survives: links, ordered lists, code
# --------------------------------------------------------------------------------------------

STATIC_POST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Reading INI files by hand | Odd Bytes</title>
<meta property="og:site_name" content="Odd Bytes"></head>
<body><main><article class="post h-entry">
<h1 class="post-title">Reading INI files by hand</h1>
<div class="post-content e-content">
<p>I needed to read a small config file without adding a dependency, so I wrote the parser
below in an afternoon and have used it in three projects since.<sup><a href="#fn:1">1</a></sup></p>
<div class="highlight"><pre class="highlight"><code><span class="k">def</span> parse(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("["):
            out[line[1:-1]] = {}
    return out
</code></pre></div>
<p>The steps, in the order the parser takes them:</p>
<ol><li>split the text into lines</li><li>open a section at each bracket</li>
<li>store each key under the current section</li></ol>
<p>Python's <code>configparser</code> does all of this and more; see the
<a href="../07/configparser-notes.html">notes from July</a> and the
<a href="/about/">about page</a>.</p>
<div class="footnotes"><ol><li id="fn:1"><p>Four, counting this blog.
<a href="#fnref:1">back</a></p></li></ol></div>
</div></article></main></body></html>"""


def test_links_resolve_against_the_post_and_structure_is_kept():
    url = "https://oddbytes.example/2023/08/ini-parser.html"
    record = extract_post(STATIC_POST, url)
    html = record.html
    # relative links point where they point on the page (not at the site's root)
    assert 'href="https://oddbytes.example/2023/08/ini-parser.html#fn:1"' in html
    assert 'href="https://oddbytes.example/2023/07/configparser-notes.html"' in html
    assert 'href="https://oddbytes.example/about/"' in html
    # an ordered list stays ordered, inline code stays inline
    assert "<ol><li>split the text into lines</li>" in html
    assert "Python's <code>configparser</code> does all of this" in html
    # a code block keeps its exact text, indentation included, in the HTML and the text
    code = (
        "def parse(text):\n    out = {}\n    for line in text.splitlines():\n"
        '        if line.startswith("["):\n            out[line[1:-1]] = {}\n    return out\n'
    )
    assert f"<pre>{code}</pre>" in html
    assert code.rstrip("\n") in record.text
    # prose lines are still stripped
    assert all(line == line.strip() for line in record.text.split("\n") if "    " not in line)
    assert_safe_html(html)


WRITEFREELY_POST = """<!DOCTYPE HTML><html><head><meta charset="utf-8">
<title>On keeping a commonplace book &mdash; marginalia</title>
<meta property="og:site_name" content="marginalia">
<meta property="article:published_time" content="2022-02-27T19:20:00Z"></head>
<body id="post"><nav><h1><a href="/marginalia/">marginalia</a></h1></nav>
<article id="post-body" class="norm h-entry">
<h2 id="title" class="p-name">On keeping a commonplace book</h2>
<time class="dt-published" datetime="2022-02-27T19:20:00Z">February 27, 2022</time>
<div class="e-content">
<p>I started one in 2019, after reading about people who kept them for decades.</p>
<p>The rules are simple: copy by hand, note the source, never more than a page.</p>
<p><a href="/marginalia/tag:notebooks" class="hashtag"><span>#</span><span class="p-category">notebooks</span></a>
<a href="/marginalia/tag:reading" class="hashtag"><span>#</span><span class="p-category">reading</span></a></p>
</div></article></body></html>"""


def test_short_post_keeps_its_paragraphs_without_title_or_date():
    # Under 250 characters trafilatura swapped its result for the whole <article> as one line:
    # "On keeping a commonplace book February 27, 2022 I started one ... #notebooks #reading".
    record = extract_post(WRITEFREELY_POST, "https://write.example/marginalia/commonplace")
    assert record.title == "On keeping a commonplace book"
    assert record.text.split("\n") == [
        "I started one in 2019, after reading about people who kept them for decades.",
        "The rules are simple: copy by hand, note the source, never more than a page.",
    ]
    assert record.html.count("<p>") == 2
    assert record.tags == ["notebooks", "reading"]  # microformats' p-category
    assert record.published == "2022-02-27T19:20:00+00:00"


# WordPress block themes (Twenty Twenty-Two to Twenty Twenty-Five) print no byline, time or
# comment markup of the classic themes and often no JSON-LD or article:published_time.
BLOCK_THEME_POST = """<!DOCTYPE html><html lang="fr-FR"><head><meta charset="UTF-8">
<title>Le pain du dimanche &#8211; Carnet de Mireille</title></head>
<body class="post-template-default single single-post postid-77 single-format-standard">
<div class="wp-site-blocks"><main class="wp-block-group is-layout-flow">
<h1 class="wp-block-post-title">Le pain du dimanche</h1>
<div class="wp-block-group is-layout-flex">
<div class="wp-block-post-date"><time datetime="2024-02-18T09:15:00+01:00">
<a href="/le-pain-du-dimanche/">18 février 2024</a></time></div>
<div class="wp-block-post-date__modified-date wp-block-post-date">
<time datetime="2024-02-20T17:40:00+01:00">20 février 2024</time></div>
<div class="wp-block-post-author-name"><a href="/author/mireille/"
 class="wp-block-post-author-name__link">Mireille Fabre</a></div></div>
<div class="entry-content wp-block-post-content">
<p>Chaque dimanche, je fais le même pain, et chaque dimanche il est un peu différent.</p>
<p>La pâte repose toute la nuit au frais ; le matin, je la façonne et je la laisse lever
deux heures près du poêle avant de l'enfourner.</p></div>
<div class="wp-block-comments">
<h2 class="wp-block-comments-title">2 réponses à « Le pain du dimanche »</h2>
<ol class="wp-block-comment-template">
<li id="comment-5" class="comment even thread-even depth-1">
<div class="wp-block-comment-author-name">Lucien</div>
<div class="wp-block-comment-date"><time datetime="2024-02-18T12:01:00+01:00">
<a href="#comment-5">18 février 2024 à 12 h 01 min</a></time></div>
<div class="wp-block-comment-content"><p>J'essaierai avec de la farine de seigle.</p></div>
<div class="wp-block-comment-reply-link"><a class="comment-reply-link" href="#">Répondre</a></div>
<ol><li id="comment-6" class="comment byuser bypostauthor odd alt depth-2">
<div class="wp-block-comment-author-name"><a href="/">Mireille Fabre</a></div>
<div class="wp-block-comment-date"><time datetime="2024-02-18T13:30:00+01:00">
<a href="#comment-6">18 février 2024</a></time></div>
<div class="wp-block-comment-content"><p>Moitié-moitié, c'est parfait.</p></div>
</li></ol></li></ol></div>
</main></div></body></html>"""


def test_wordpress_block_theme_byline_dates_and_comments():
    record = extract_post(BLOCK_THEME_POST, "https://carnet.example/le-pain-du-dimanche/")
    assert record.title == "Le pain du dimanche"
    assert record.author == "Mireille Fabre"
    assert (record.published, record.published_source) == ("2024-02-18T09:15:00+01:00", "markup")
    assert (record.updated, record.updated_source) == ("2024-02-20T17:40:00+01:00", "markup")
    assert [(c.author, c.published, c.text, c.parent) for c in record.comments] == [
        ("Lucien", "2024-02-18T12:01:00+01:00", "J'essaierai avec de la farine de seigle.", None),
        ("Mireille Fabre", "2024-02-18T13:30:00+01:00", "Moitié-moitié, c'est parfait.", "5"),
    ]
    assert record.text.startswith("Chaque dimanche")
    assert "seigle" not in record.text and "Répondre" not in record.text
    assert_clean_text(record)


def test_heading_permalink_anchors_are_not_text():
    body = "".join(
        f"<h2 id='s{i}'>{name}<a class='anchor' aria-hidden='true' href='#s{i}'>{mark}</a></h2>"
        f"<p>{'We rode along the river from the old town to the lock and back. ' * 3}</p>"
        for i, (name, mark) in enumerate(
            [("The route", "#"), ("Where we ate", "¶"), ("Getting back", "<svg></svg>")]
        )
    )
    body += "<h2><a href='#notes'>Notes on the bikes</a></h2><p>Both needed new chains.</p>"
    page = f"<html><body><article><h1 class='post-title'>Along the river</h1>{body}</article></body></html>"
    record = extract_post(page, "https://rides.example/posts/river/")
    lines = record.text.split("\n")
    for heading in ("The route", "Where we ate", "Getting back", "Notes on the bikes"):
        assert heading in lines
    assert "<h2>The route</h2>" in record.html
    assert "#" not in record.text and "¶" not in record.text


def test_author_that_is_the_blog_itself_yields_to_a_named_person():
    ld = (
        '<script type="application/ld+json">{"@context":"http://schema.org","@type":"Article",'
        '"headline":"Glazing tests, batch nine","author":"Fenwick Pottery",'
        '"datePublished":"2024-10-08T14:31:00+0100"}</script>'
    )
    head = f'<meta property="og:site_name" content="Fenwick Pottery">{ld}'
    body = "<p>Nine test tiles came out of the kiln this morning; two are worth repeating.</p>" * 3
    byline = '<div class="author-name">Hana Fenwick</div>'
    url = "https://pottery.example/journal/glazing-tests-batch-nine"
    for shown, author in ((byline, "Hana Fenwick"), ("", "Fenwick Pottery")):
        # without a byline the blog's name is better than nothing
        page = (
            f"<html><head>{head}</head><body><article class='hentry'><h1 class='entry-title'>"
            f"Glazing tests, batch nine</h1>{shown}<div class='entry-content'>{body}</div>"
            "</article></body></html>"
        )
        assert extract_post(page, url).author == author


def test_photo_post_keeps_its_caption_without_the_blog_name():
    page = """<html lang="en"><head><title>small green things — Hart's tongue fern</title>
<meta property="og:site_name" content="small green things"></head><body>
<header id="header"><h1 class="blog-title"><a href="/">small green things</a></h1></header>
<section id="posts"><article class="post photo" id="post-7409999999"><div class="post-content">
<div class="photo-wrapper"><a href="/image/1"><img src="/fern.jpg" alt="A fern frond"></a></div>
<div class="caption"><p>Hart’s tongue fern after the rain.</p></div></div>
<footer class="post-footer"><a class="post-date" href="#">Jul 18th, 2024</a>
<a class="post-notes" href="#notes">3 notes</a></footer></article></section></body></html>"""
    record = extract_post(page, "https://smallgreen.example/post/7409999999/harts-tongue")
    assert record.text == "Hart’s tongue fern after the rain."


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("Sonntag, 14. Januar 2024", "de"),
        ("dimanche 14 janvier 2024", "fr"),
        ("domingo, 14 de enero de 2024", "es"),
        ("zondag 14 januari 2024", "nl"),
    ],
)
def test_blogger_date_header_in_the_blogs_language_gives_the_day(header, lang):
    # A Blogger template that shows the post's time only as text: the URL gives the month,
    # the date header (in the blog's language) the day.
    page = (
        f"<html lang='{lang}'><body><div class='blog-posts hfeed'><div class='date-outer'>"
        f"<h2 class='date-header'><span>{header}</span></h2><div class='post-outer'>"
        "<div class='post hentry'><h3 class='post-title entry-title'>Ein Hocker</h3>"
        "<div class='post-body entry-content'>"
        + "Den ganzen Dezember lag das Brett in der Werkstatt und wartete.<br />"
        * 4
        + "</div><div class='post-footer'><span class='post-timestamp'>um 16:20</span></div>"
        "</div></div></div></div></body></html>"
    )
    record = extract_post(page, "https://werkbank.blogspot.com/2024/01/hocker.html")
    assert (record.published, record.published_source) == ("2024-01-14", "text")


def test_list_item_that_names_a_site_stays_in_html_as_in_text():
    para = "<p>" + "I keep this blog, but the photos go elsewhere, and people ask me where. " * 3
    page = (
        f"<html><body><article><h1>Where I post</h1>{para}</p><p>These days I post on:</p>"
        "<ul><li>Tumblr</li><li>Telegram</li><li>a paper zine, once a month</li></ul>"
        f"{para}</p></article></body></html>"
    )
    record = extract_post(page, "https://x.example/2024/01/where.html")
    assert "- Tumblr\n- Telegram\n" in record.text
    assert "<li>Tumblr</li><li>Telegram</li>" in record.html


def test_pictures_and_captions_are_kept_in_the_html_where_they_stood():
    prose = "We left before dawn and walked the old drove road to the ridge, slowly"
    page = f"""<html><body><article class="post hentry"><h1 class="entry-title">Ridge walk</h1>
<div class="entry-content"><p>First. {prose}, with a flask of tea and a map.</p>
<figure class="wp-block-image"><img src="/img/ridge.jpg" alt="The ridge at dawn">
<figcaption class="wp-element-caption">The ridge, twenty minutes after sunrise.</figcaption></figure>
<p>Second. {prose}, and at the top the cloud lifted.</p>
<div class="separator"><a href="/img/cairn-big.jpg"><img src="/img/cairn.jpg" width="320"></a></div>
<img class="emoji" src="https://s.w.org/images/core/emoji/smile.png" width="16" alt="🙂">
<div class="wp-caption"><img src="cairn2.jpg" width="300"><p class="wp-caption-text">Cairn no. 2.</p></div>
<p>Third. {prose}, and came down by the quarry in the rain.</p></div></article></body></html>"""
    record = extract_post(page, "https://hills.example/2024/03/ridge-walk/")
    html = record.html
    ridge = '<figure><img src="https://hills.example/img/ridge.jpg" alt="The ridge at dawn">'
    ridge += "<figcaption>The ridge, twenty minutes after sunrise.</figcaption></figure>"
    assert ridge in html
    cairn = '<figure><img src="https://hills.example/img/cairn.jpg"></figure>'
    cairn += '<figure><img src="https://hills.example/2024/03/ridge-walk/cairn2.jpg">'
    cairn += "<figcaption>Cairn no. 2.</figcaption></figure>"
    assert cairn in html
    assert html.index("First.") < html.index(ridge) < html.index("Second.") < html.index(cairn)
    assert html.index(cairn) < html.index("Third.")
    assert "emoji" not in html
    # the plain text is the prose, as before (captions are not searched as body text)
    assert [line.split(".")[0] for line in record.text.split("\n")] == ["First", "Second", "Third"]
    assert_safe_html(html)


def embeds_shown(html: str) -> list[str]:
    """The HTML rendition's "Embedded ...: URL" lines, as a reader sees them."""
    import lxml.html

    node = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    lines = [" ".join(p.text_content().split()) for p in node.iter("p")]
    return [line for line in lines if line.startswith("Embedded ")]


def test_what_a_wordpress_post_embeds_is_named_and_linked_where_it_stood():
    """A block-editor post with a YouTube video, a tweet, a Spotify playlist, an uploaded
    video and a Google map, all dropped with no trace before (trafilatura drops frames and
    <figure>s), and an address behind Cloudflare's e-mail protection ("[email protected]")."""
    record = extract_post(
        load("wordpress_embeds.html"), "https://lockkeeper.example/2024/06/towpath/"
    )
    html = record.html
    map_url = html.split("Embedded map: ")[1].split('"')[1]
    assert embeds_shown(html) == [
        "Embedded video “Working a broad lock single-handed”: "
        "https://www.youtube.com/watch?v=Qx7bT2mKpLw",
        "Embedded tweet: https://twitter.com/towpathtallies/status/1797000000000000001",
        "Embedded audio “Spotify Embed: Songs of the Cut”: "
        "https://open.spotify.com/playlist/5aB9cD3eF1gH7iJ2kL4mN6",
        "Embedded video: https://lockkeeper.example/wp-content/uploads/2024/06/top-lock.mp4",
        f"Embedded map: {map_url}",
    ]
    assert map_url.startswith("https://www.google.com/maps/embed?pb=!1m18")
    assert '<a href="https://www.youtube.com/watch?v=Qx7bT2mKpLw" rel="nofollow noopener">' in html
    # each where it stood: after the paragraph it followed, before the next one
    order = [
        "counting the herons",
        "Embedded video",
        "wound.",
        "has been working these gates",
        "Eleven herons between the basin",
        "— Towpath Tallies (@towpathtallies) June 1, 2024",
        "Embedded tweet",
        "A local group",
        "Embedded audio",
        "We listened",
        "Embedded video:",
        "The top lock filling.",
        "The last clip",
        "Directions",
        "Embedded map",
        "Parking",
    ]
    positions = [html.index(mark) for mark in order]
    assert positions == sorted(positions)
    assert "<figcaption>A volunteer shows how the paddles are wound.</figcaption>" in html
    assert "<blockquote><p>Eleven herons between the basin and the top lock" in html
    # the address the page showed, as text and as a mailto: link
    assert "Questions about the walk go to lockkeeper@lockkeeper.example and" in record.text
    assert '<a href="mailto:lockkeeper@lockkeeper.example" rel="nofollow noopener">' in html
    assert "protected" not in html and "cdn-cgi" not in html
    # the plain text (searched, hashed) is the author's prose, as before: no embed lines
    assert "Embedded" not in record.text and "youtube" not in record.text
    assert len(record.text.split("\n")) == 8
    assert_safe_html(html)
    for active in ("<video", "<audio", "<embed", "<source", "<object"):
        assert active not in html


def _post(container: str, body: str) -> str:
    paragraphs = (
        "<p>First paragraph. The ferry was late again this morning, so we watched the gulls "
        "squabble over a dropped pasty on the slipway for most of an hour.</p>"
    )
    after = (
        "<p>Last paragraph. When the boat finally came in, the skipper apologised to every "
        "one of us in turn, which nobody had expected and everybody enjoyed.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Ferry day</title></head><body>"
        f"<article><h1>Ferry day</h1>{container.format(paragraphs + body + after)}"
        "</article></body></html>"
    )


TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">The morning ferry is running forty '
    'minutes behind, bring a flask <a href="https://t.co/Zz9yXw">https://t.co/Zz9yXw</a></p>'
    "&mdash; Harbour Office (@harbouroffice) "
    '<a href="https://twitter.com/harbouroffice/status/1790000000000000002?ref_src=twsrc%5Etfw">'
    "May 14, 2024</a></blockquote>"
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
)
PLATFORM_EMBEDS = {
    "blogger video": (
        "<div class='post-body entry-content' id='post-body-1'>{}</div>",
        '<div class="separator" style="clear: both; text-align: center;"><iframe allowfullscreen '
        'class="BLOG_video_class" height="266" src="https://www.youtube.com/embed/k3Jd8sPq0Vw" '
        'width="320" youtube-src-id="k3Jd8sPq0Vw"></iframe></div>',
        ["Embedded video: https://www.youtube.com/watch?v=k3Jd8sPq0Vw"],
    ),
    "blogger gist": (
        "<div class='post-body entry-content' id='post-body-1'>{}</div>",
        '<script src="https://gist.github.com/ferryfan/4f1e2d3c4b5a69788796a5b4c3d2e1f0.js">'
        "</script>",
        ["Embedded GitHub gist: https://gist.github.com/ferryfan/4f1e2d3c4b5a69788796a5b4c3d2e1f0"],
    ),
    "blogger instagram": (
        "<div class='post-body entry-content' id='post-body-1'>{}</div>",
        '<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink='
        '"https://www.instagram.com/p/C6xYz12AbCd/?utm_source=ig_embed&amp;utm_campaign=loading" '
        'data-instgrm-version="14"><div style="padding:16px;"><a href="https://www.instagram.com/'
        'p/C6xYz12AbCd/?utm_source=ig_embed&amp;utm_campaign=loading" target="_blank"><div>'
        'View this post on Instagram</div></a><p><a href="https://www.instagram.com/p/C6xYz12AbCd/'
        '?utm_source=ig_embed&amp;utm_campaign=loading" target="_blank">A post shared by Slipway '
        "Snaps (@slipwaysnaps)</a></p></div></blockquote>"
        '<script async src="//www.instagram.com/embed.js"></script>',
        ["Embedded Instagram post: https://www.instagram.com/p/C6xYz12AbCd/"],
    ),
    "wordpress classic video and audio shortcodes": (
        "<div class='entry-content'>{}</div>",
        '<div style="width: 640px;" class="wp-video"><video class="wp-video-shortcode" '
        'id="video-9-1" width="640" height="360" preload="metadata" controls="controls"><source '
        'type="video/mp4" src="/wp-content/uploads/2024/05/slipway.mp4?_=1" /><a href="/wp-content'
        '/uploads/2024/05/slipway.mp4">/wp-content/uploads/2024/05/slipway.mp4</a></video></div>'
        "<p>Middle paragraph. The gulls, for the record, won the pasty, and nobody was surprised "
        "by it in the least.</p>"
        '<audio class="wp-audio-shortcode" id="audio-9-1" preload="none" style="width: 100%;" '
        'controls="controls"><source type="audio/mpeg" src="https://ferry.example/wp-content/'
        'uploads/2024/05/horn.mp3?_=1" /><a href="https://ferry.example/wp-content/uploads/2024/'
        '05/horn.mp3">https://ferry.example/wp-content/uploads/2024/05/horn.mp3</a></audio>',
        [
            "Embedded video: https://ferry.example/wp-content/uploads/2024/05/slipway.mp4?_=1",
            "Embedded audio: https://ferry.example/wp-content/uploads/2024/05/horn.mp3?_=1",
        ],
    ),
    "wordpress.com youtube and soundcloud": (
        "<div class='entry-content'>{}</div>",
        '<span class="embed-youtube" style="text-align:center; display: block;"><iframe '
        'class="youtube-player" width="640" height="360" src="https://www.youtube.com/embed/'
        'Hh4Tt8Ll2Mm?version=3&amp;rel=1&amp;showsearch=0&amp;showinfo=1&amp;iv_load_policy=1" '
        'allowfullscreen="true" style="border:0;"></iframe></span>'
        '<iframe width="100%" height="166" scrolling="no" frameborder="no" allow="autoplay" '
        'src="https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/'
        '1234567890&amp;color=%23ff5500&amp;auto_play=false"></iframe>',
        [
            "Embedded video: https://www.youtube.com/watch?v=Hh4Tt8Ll2Mm",
            "Embedded audio: https://api.soundcloud.com/tracks/1234567890",
        ],
    ),
    "substack youtube": (
        "<div class='available-content'><div class='body markup' dir='auto'>{}</div></div>",
        '<div id="youtube2-Pp5Qq6Rr7Ss" class="youtube-wrap" data-attrs="{&quot;videoId&quot;:'
        '&quot;Pp5Qq6Rr7Ss&quot;}" data-component-name="Youtube2ToDOM"><div class="youtube-inner">'
        '<iframe src="https://www.youtube-nocookie.com/embed/Pp5Qq6Rr7Ss?rel=0&amp;autoplay=0" '
        'frameborder="0" loading="lazy" gesture="media" allow="autoplay; fullscreen" '
        'allowfullscreen="true" width="728" height="409"></iframe></div></div>',
        ["Embedded video: https://www.youtube.com/watch?v=Pp5Qq6Rr7Ss"],
    ),
    "ghost vimeo, tweet and audio cards": (
        "<section class='gh-content gh-canvas'>{}</section>",
        '<figure class="kg-card kg-embed-card"><iframe src="https://player.vimeo.com/video/'
        '908070605?app_id=122963" width="426" height="240" frameborder="0" allow="autoplay; '
        'fullscreen" title="Crossing in a swell"></iframe></figure>'
        f'<figure class="kg-card kg-embed-card">{TWEET}</figure>'
        '<div class="kg-card kg-audio-card"><div class="kg-audio-player-container"><audio '
        'src="https://ferry.example/content/media/2024/05/engine.mp3" preload="metadata"></audio>'
        '<div class="kg-audio-title">Engine room</div></div></div>',
        [
            "Embedded video “Crossing in a swell”: https://vimeo.com/908070605",
            "Embedded tweet: https://twitter.com/harbouroffice/status/1790000000000000002",
            "Embedded audio: https://ferry.example/content/media/2024/05/engine.mp3",
        ],
    ),
    "medium embedly frame": (
        "<section><div><div>{}</div></div></section>",
        '<figure class="pw-post-body-paragraph"><div><iframe src="https://cdn.embedly.com/widgets/'
        "media.html?src=https%3A%2F%2Fwww.youtube.com%2Fembed%2FWw1Xx2Yy3Zz%3Ffeature%3Doembed&amp;"
        "display_name=YouTube&amp;url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DWw1Xx2Yy3Zz&amp;"
        'type=text%2Fhtml&amp;schema=youtube" allowfullscreen="" frameborder="0" height="480" '
        'width="854" title="Loading the car deck" scrolling="no"></iframe></div></figure>',
        ["Embedded video “Loading the car deck”: https://www.youtube.com/watch?v=Ww1Xx2Yy3Zz"],
    ),
    "a tweet as a browser rendered it": (
        "<div class='entry-content'>{}</div>",
        '<div class="twitter-tweet twitter-tweet-rendered"><iframe id="twitter-widget-0" '
        'scrolling="no" frameborder="0" allowtransparency="true" allowfullscreen="true" '
        'title="X Post" src="https://platform.twitter.com/embed/Tweet.html?dnt=true&amp;'
        'frame=false&amp;id=1790000000000000002&amp;lang=en&amp;theme=light"></iframe></div>',
        ["Embedded tweet “X Post”: https://twitter.com/i/status/1790000000000000002"],
    ),
    "tiktok": (
        "<div class='entry-content'>{}</div>",
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@deckhand/video/'
        '7368000000000000001" data-video-id="7368000000000000001" style="max-width: 605px;"> '
        '<section> <a target="_blank" title="@deckhand" href="https://www.tiktok.com/@deckhand?'
        'refer=embed">@deckhand</a> Mooring lines in one throw '
        '<a title="ferry" target="_blank" href="https://www.tiktok.com/tag/ferry?refer=embed">'
        "#ferry</a> </section> </blockquote>"
        '<script async src="https://www.tiktok.com/embed.js"></script>',
        ["Embedded TikTok video: https://www.tiktok.com/@deckhand/video/7368000000000000001"],
    ),
}


@pytest.mark.parametrize("platform", PLATFORM_EMBEDS)
def test_each_platforms_embeds_are_named_and_linked_in_the_html(platform: str):
    container, body, expected = PLATFORM_EMBEDS[platform]
    record = extract_post(_post(container, body), "https://ferry.example/2024/05/ferry-day/")
    assert embeds_shown(record.html) == expected
    html = record.html
    assert html.index("First paragraph.") < html.index("Embedded ") < html.index("Last paragraph.")
    assert "Embedded" not in record.text
    assert_safe_html(html)
    for active in ("<video", "<audio", "<source", "<embed"):
        assert active not in html


def test_a_tweet_quoted_in_the_post_is_shown_once_with_its_link_after_it():
    """A tweet's blockquote standing alone in a Blogger post is kept by trafilatura (text and
    HTML, as before): the rendition does not repeat it, and names it after the quotation."""
    page = _post("<div class='post-body entry-content'>{}</div>", TWEET)
    record = extract_post(page, "https://ferry.example/2024/05/ferry-day.html")
    assert record.html.count("forty minutes behind") == 1
    assert "forty minutes behind" in record.text  # as before
    quote, link = record.html.index("forty minutes behind"), record.html.index("Embedded tweet")
    assert quote < link < record.html.index("Last paragraph.")


def test_frames_that_are_page_machinery_are_not_embeds():
    """A like button, an ad, a tracking frame, Facebook's SDK frame and a frame with a script
    address inside the post are not something the author embedded; none is shown."""
    body = (
        '<iframe src="https://www.facebook.com/plugins/like.php?href=https%3A%2F%2Fferry.example"'
        ' width="450" height="35"></iframe>'
        '<iframe src="https://googleads.g.doubleclick.net/pagead/ads?client=ca-pub-1" width="300"'
        ' height="250"></iframe>'
        '<iframe src="https://pixel.example/t?id=1" width="1" height="1"></iframe>'
        '<iframe src="javascript:alert(1)"></iframe><iframe src="about:blank"></iframe>'
        '<iframe src="https://staticxx.facebook.com/connect/xd_arbiter.php?version=44"></iframe>'
        '<iframe title="Embedded Frame" src="https://player.podhost.example/e/42"></iframe>'
    )
    record = extract_post(
        _post("<div class='entry-content'>{}</div>", body), "https://ferry.example/p/"
    )
    # a frame of some other site is shown for what it is (its generic title left out)
    assert embeds_shown(record.html) == ["Embedded content: https://player.podhost.example/e/42"]
    assert_safe_html(record.html)


def test_text_behind_a_show_button_is_kept_and_other_hidden_text_is_not():
    """Blogger's spoiler snippet (a "Show" button whose script sets `display` on a hidden
    `<div style="display: none;">`) and a spoiler plugin's hidden block hold the author's
    text, which a reader sees with one click: before, it was dropped (trafilatura drops what
    is hidden). A hidden block with no such button stays out (hidden keyword lists)."""
    blogger = (
        "<div style='margin: 5px 20px 20px;'><div class='smallfont' style='margin-bottom: 2px;'>"
        '<b>Spoiler</b>: <input onclick="if (this.parentNode.parentNode.getElementsByTagName('
        "'div')[1].getElementsByTagName('div')[0].style.display != '') { this.parentNode."
        "parentNode.getElementsByTagName('div')[1].getElementsByTagName('div')[0].style.display "
        "= ''; this.innerText = ''; this.value = 'Hide'; }\" type='button' value='Show' "
        "style='width: 60px;' /></div><div class='alt2' style='border: 1px inset; padding: 6px;'>"
        "<div style='display: none;'>The harbour master had the spare keys in his coat all "
        "along, which he admitted only after the second ferry had gone.</div></div></div>"
    )
    plugin = (
        "<div class='spoiler'><a class='spoiler-toggle' href='#'>Click to show</a>"
        "<div class='spoiler-body' style='display:none'><p>And the coat was hanging in the "
        "ticket office the whole time, on the hook marked lost property.</p></div></div>"
    )
    hidden = "<div style='display:none'>cheap ferry tickets best ferry deals ferry ferry</div>"
    record = extract_post(
        _post("<div class='post-body entry-content'>{}</div>", blogger + plugin + hidden),
        "https://ferry.example/2024/05/keys.html",
    )
    assert "spare keys in his coat all along" in record.text
    assert "hanging in the ticket office the whole time" in record.text
    assert "spare keys in his coat" in record.html and "ticket office the whole" in record.html
    assert "cheap ferry tickets" not in record.text + record.html


def test_cloudflare_protected_addresses_are_decoded_the_same_whatever_the_key():
    """Cloudflare replaces each address in a page with "[email protected]" and a key-XORed
    hex copy (`data-cfemail`, `/cdn-cgi/l/email-protection#HEX`) that its script decodes for
    the reader, with a new key on every response. Before, the archive kept the placeholder."""
    from churn_blog import cloudflare_hex

    from pipeline.cleaning import cloudflare_address

    def page(key: int) -> str:
        first = cloudflare_hex("skipper@ferry.example", key)
        second = cloudflare_hex("tickets+late@ferry.example", key + 1)
        body = (
            f"<p>Write to the skipper at <a href='/cdn-cgi/l/email-protection' "
            f"class='__cf_email__' data-cfemail='{first}'>[email&#160;protected]</a> about "
            "lost property left on the car deck or in the lounge.</p>"
            f"<p>Refunds for the late sailing: <a href='/cdn-cgi/l/email-protection#{second}'>"
            "the ticket office</a>, who answer within the week, they say.</p>"
            "<p>A broken one stays as it was: <span data-cfemail='zz12'>[email&#160;protected]"
            "</span> (not hex).</p>"
        )
        return _post("<div class='entry-content'>{}</div>", body)

    first, second = (extract_post(page(k), "https://ferry.example/p/") for k in (0x21, 0xC4))
    assert (first.text, first.html) == (second.text, second.html)
    assert "Write to the skipper at skipper@ferry.example about lost" in first.text
    assert (
        '<a href="mailto:skipper@ferry.example" rel="nofollow noopener">skipper@ferry.example</a>'
        in first.html
    )
    assert (
        '<a href="mailto:tickets+late@ferry.example" rel="nofollow noopener">the ticket office</a>'
        in first.html
    )
    assert "A broken one stays as it was: [email protected] (not hex)." in " ".join(
        first.text.split()
    )
    utf8 = "5a" + "".join(f"{b ^ 0x5A:02x}" for b in "ünï@ferry.example".encode())  # as CF does
    assert cloudflare_address(utf8) == "ünï@ferry.example"
    for bad in ("", "5a", "5a3", "zz12", cloudflare_hex("a\x01b", 0x10)):
        assert cloudflare_address(bad) is None, bad


def test_a_menu_word_alone_between_paragraphs_is_the_authors_line():
    verse = "The kettle sings its one low note while the rain walks up the valley road"
    page = f"""<html><body><article class="post hentry"><h1 class="entry-title">Evening</h1>
<div class="entry-content"><p>{verse}, and the lamps come on along the quay.</p>
<p>Home</p>
<p>{verse}, and a dog barks twice beyond the bridge.</p>
<p>More</p>
<p>{verse}, and I ask for nothing else tonight.</p>
<p>Listen</p>
<p>{verse}, and the tide turns in the dark.</p>
<p><a href="/">Home</a></p>
<div class="sharing"><p>Share</p><p>Facebook</p><p>X</p></div>
<p>Like</p></div></article></body></html>"""
    record = extract_post(page, "https://verse.example/2024/05/evening.html")
    lines = record.text.split("\n")
    assert [line for line in lines if len(line.split()) == 1] == ["Home", "More", "Listen"]
    assert lines[1] == "Home" and lines[3] == "More" and lines[5] == "Listen"
    assert len(lines) == 7  # no share bar, no trailing "Like", no "Home" link
    for word in ("Home", "More", "Listen"):
        assert record.html.count(f"<p>{word}</p>") == 1, word
    assert "Facebook" not in record.html and "<p>Like</p>" not in record.html
    assert 'href="https://verse.example/"' not in record.html


def test_menu_words_are_clutter_beside_clutter_or_at_the_edges():
    from pipeline.cleaning import clean_text

    body = "A first paragraph of the post.\nA second one."
    assert clean_text(f"Home\n{body}\nLike") == body
    assert clean_text(f"{body}\nShare\nFacebook\nX\nA last line.") == f"{body}\nA last line."
    assert clean_text(f"{body}\nGet link\nA last line.") == f"{body}\nA last line."
    assert clean_text("First.\nX\nLast.") == "First.\nX\nLast."


# --------------------------------------------------------------------------------------------
# Blogs that are not in English: Japanese, Korean, Chinese, Russian, Arabic platforms
# --------------------------------------------------------------------------------------------

# Share bars, reactions, follow buttons, comment prompts and related-post headings of these
# platforms, in their languages: never a line of the stored text.
INTL_CLUTTER = (
    "コメント", "コメントを書く", "この記事をシェアする", "読者になる", "読者です", "関連記事",
    "いいね！", "リブログ", "フォロー", "シェアする", "次の記事", "前の記事", "スキ",
    "공감", "댓글", "공유하기", "이웃추가", "구독하기", "답글", "등록",
    "分享", "点赞", "收藏", "评论", "回复", "添加新评论", "提交评论",
    "Поделиться:", "Ответить", "Добавить комментарий",
    "إرسال تعليق", "رسالة أحدث", "رسالة أقدم", "الصفحة الرئيسية",
)  # fmt: skip


def assert_no_intl_clutter(record: PostRecord, keep: tuple[str, ...] = ()) -> None:
    """No platform clutter in the text or HTML rendition (``keep``: the author's own lines
    that happen to be such a word, standing alone between two paragraphs)."""
    assert_clean_text(record, keep)
    for line in record.text.split("\n"):
        assert line in keep or line not in INTL_CLUTTER, line
    for word in INTL_CLUTTER:
        if word not in keep:
            assert f">{word}<" not in record.html, word


def test_hatena_blog_comments_are_comments_and_the_footer_is_not_text():
    url = "https://kawabe-nikki.hatenablog.com/entry/2024/05/17/140312"
    record = extract_post(load("hatena_blog.html"), url)
    assert record.title == "川辺の石垣を直した週末"
    assert record.author == "kawabe_taro"
    assert record.published == "2024-05-17T05:03:12+00:00"
    assert record.tags == ["庭仕事", "石垣"]
    assert record.language == "ja"
    lines = record.text.split("\n")
    assert lines[0].startswith("先週の大雨で") and lines[-1].endswith("竹筒を差し込む予定だ。")
    # the author's one-word line between two paragraphs stays (see clutter_flags)
    assert lines[3] == "コメント"
    assert_no_intl_clutter(record, keep=("コメント",))
    assert "去年の秋" not in record.text  # the related-entries module
    assert [(c.author, c.published, c.comment_key) for c in record.comments] == [
        ("yamada_h", "2024-05-18T01:20:00+00:00", "8454420450000000001")
    ]
    assert record.comments[0].text.startswith("石は寝かせて積め")


def test_ameblo_short_japanese_post_is_its_paragraphs_not_the_whole_page():
    # three short paragraphs (about 200 characters, under trafilatura's 250-character minimum)
    url = "https://ameblo.jp/honobono-daidokoro/entry-12850000001.html"
    record = extract_post(load("ameblo.html"), url)
    assert record.title == "梅干しを漬けた日"
    assert record.published == "2024-06-08"
    assert record.tags == ["保存食"]
    lines = record.text.split("\n")
    assert len(lines) == 3
    assert lines[0].startswith("今年も梅の季節が来た") and lines[2].endswith("今から楽しみだ。")
    assert "十八パーセントだとしっかり" not in record.text  # a reader's comment
    assert "2024-06-08" not in record.text and "テーマ" not in record.text
    assert record.html.count("<p>") == 3
    assert_no_intl_clutter(record)


def test_tistory_comments_dates_and_reaction_bar():
    record = extract_post(load("tistory.html"), "https://mokgong.tistory.com/52")
    assert record.title == "주말에 만든 나무 책장"
    assert record.published == "2024-05-17T14:03:12+09:00"
    assert record.tags == ["책장", "목공"]
    assert record.language == "ko"
    assert record.text.split("\n")[-1].endswith("딱 맞게 들어갔다.")
    assert "카테고리의 다른 글" not in record.text and "원목 도마" not in record.text
    assert_no_intl_clutter(record)
    assert [(c.author, c.published, c.comment_key) for c in record.comments] == [
        ("참나무", "2024-05-18T09:12:00", "16000001")
    ]


def test_naver_blog_date_author_and_tags_from_its_markup():
    url = "https://blog.naver.com/greengarden/223450000001"
    record = extract_post(load("naver_blog.html"), url)
    assert record.title == "봄 텃밭에 상추 심기"
    assert record.author == "텃밭지기"
    # "2024. 4. 21. 15:30" is the only date the page gives
    assert (record.published, record.published_source) == ("2024-04-21T15:30:00", "text")
    assert record.tags == ["텃밭", "상추"]
    lines = record.text.split("\n")
    assert len(lines) == 4 and lines[2] == "공감"  # the author's line between two paragraphs
    assert_no_intl_clutter(record, keep=("공감",))
    assert "간격 한 뼘 반, 저도" not in record.text


def test_note_com_and_livedoor_tags_and_clean_text():
    note = extract_post(load("note_com.html"), "https://note.com/midori_photo/n/n1a2b3c4d5e6f")
    assert note.title == "古いフィルムカメラを修理に出した話"
    assert note.author == "みどり写真店"
    assert note.published == "2024-03-02T18:40:00+09:00"
    assert note.tags == ["フィルムカメラ", "修理"]
    assert len(note.text.split("\n")) == 4
    assert "サポート" not in note.text and "町の小さな写真店" not in note.text
    assert_no_intl_clutter(note)
    url = "http://honbana.livedoor.blog/archives/24051701.html"
    livedoor = extract_post(load("livedoor_blog.html"), url)
    assert livedoor.title == "駅前の古本市に行ってきた"
    assert livedoor.published == "2024-05-17T19:30:00+09:00"
    assert livedoor.tags == ["古本", "古本市"]
    assert len(livedoor.text.split("\n")) == 3
    assert_no_intl_clutter(livedoor)


def test_typecho_comments_language_and_no_blog_tagline():
    record = extract_post(load("typecho.html"), "https://xiaoyuan.example/archives/42/")
    assert record.title == "在阳台上种番茄"
    assert record.author == "林小满"
    assert record.published == "2024-05-17T14:03:00+08:00"
    assert record.tags == ["番茄", "阳台"]
    assert record.language == "zh"  # the page declares none
    lines = record.text.split("\n")
    assert len(lines) == 3 and lines[-1].endswith("味道浓很多。")
    assert "种花种菜的日常" not in record.text  # the blog's tagline in its header
    assert_no_intl_clutter(record)
    assert [(c.author, c.published) for c in record.comments] == [
        ("老周", "2024-05-18T09:15:00+08:00")
    ]


def test_csdn_title_author_date_and_tags():
    url = "https://blog.csdn.net/linxiaoman/article/details/138000001"
    record = extract_post(load("csdn.html"), url)
    assert record.title == "用 SQLite 做全文检索的几点经验"  # not "..._linxiaoman的博客-CSDN博客"
    assert record.author == "林小满"
    assert (record.published, record.published_source) == ("2024-05-17T14:03:12", "text")
    assert record.tags == ["数据库", "sqlite", "fts5"]
    assert "CREATE VIRTUAL TABLE docs USING fts5(title, body);" in record.text
    assert "版权声明" not in record.text and "插空格的方法" not in record.text
    assert_no_intl_clutter(record)


def test_russian_wordpress_share_label_and_dates_in_russian():
    record = extract_post(load("wordpress_russian.html"), "https://dacha-zapiski.example/pech/")
    assert record.title == "Как мы перекладывали печь на даче"
    assert record.author == "Ольга Смирнова"
    assert (record.published, record.published_source) == ("2024-05-17", "text")
    assert record.language == "ru"
    assert (
        record.text.split("\n")[-1]
        == "Первая протопка прошла без дыма. Теперь печь держит тепло до самого утра."
    )
    assert "Поделиться" not in record.text and "ВКонтакте" not in record.text
    assert_no_intl_clutter(record)
    assert [(c.author, c.published) for c in record.comments] == [("Сергей", "2024-05-18T09:15:00")]


def test_arabic_blogger_date_header_gives_the_day():
    url = "https://hadiqat-albait.blogspot.com/2024/05/blog-post_17.html"
    record = extract_post(load("blogger_arabic_rtl.html"), url)
    assert record.title == "زراعة النعناع في الشرفة"
    assert record.author == "سلمى الحداد"
    # "الجمعة، ١٧ مايو ٢٠٢٤" (Arabic-Indic digits) is more precise than the URL's month
    assert (record.published, record.published_source) == ("2024-05-17", "text")
    assert record.tags == ["أعشاب"]
    assert len(record.text.split("\n")) == 3
    assert_no_intl_clutter(record)


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2024年5月17日", "2024-05-17"),
        ("2024年05月17日(金) 14:03", "2024-05-17T14:03:00"),
        ("2024. 5. 17.", "2024-05-17"),
        ("2024. 5. 17. 오후 2:03", "2024-05-17T14:03:00"),
        ("2024년 5월 17일 금요일", "2024-05-17"),
        ("于 2024-05-17 14:03:12 发布", "2024-05-17T14:03:12"),
        ("2024-05-17 14:03", "2024-05-17T14:03:00"),
        ("2024-05-17T05:03:12Z", "2024-05-17T05:03:12+00:00"),
        ("2024-05-17T05:03:12.000-05:00", "2024-05-17T05:03:12-05:00"),  # its offset kept
        ("2024/05/17", "2024-05-17"),
        ("17.05.2024 в 14:03", "2024-05-17T14:03:00"),
        ("17 мая 2024", "2024-05-17"),
        ("18 мая 2024 в 09:15", "2024-05-18T09:15:00"),
        ("17 травня 2024", "2024-05-17"),
        ("الجمعة، ١٧ مايو ٢٠٢٤", "2024-05-17"),
        ("١٧ أيار ٢٠٢٤", "2024-05-17"),
        ("1 كانون الأول 2023", "2023-12-01"),
        ("יום שישי, 17 במאי 2024", "2024-05-17"),
        ("Sunday, March 12, 2017", "2017-03-12"),
        ("Sonntag, 14. Januar 2024", "2024-01-14"),
        ("version 3.2.2024.5", None),
    ],
)
def test_dates_written_in_other_languages(written, expected):
    from pipeline.dates import date_from_text

    assert date_from_text(written) == expected


@pytest.mark.parametrize(
    "title, site, expected",
    [
        ("古いフィルムカメラを修理に出した話｜みどり写真店", "みどり写真店", "古いフィルムカメラを修理に出した話"),
        ("주말에 만든 나무 책장 :: 목공 일지", "목공 일지", "주말에 만든 나무 책장"),
        ("봄 텃밭에 상추 심기 : 네이버 블로그", "네이버 블로그 | 초록 텃밭 일기", "봄 텃밭에 상추 심기"),
        ("駅前の古本市に行ってきた : 本棚のすきま", "本棚のすきま", "駅前の古本市に行ってきた"),
        ("Kiln and Crock: A Salt Glaze Firing", "Kiln and Crock", "A Salt Glaze Firing"),
    ],
)  # fmt: skip
def test_blog_name_is_taken_off_titles_in_every_layout(title, site, expected):
    from pipeline.extraction import strip_site_name

    assert strip_site_name(title, site) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Link abrufen", "Kommentar veröffentlichen", "Obtenir le lien", "Publier un commentaire",
        "Publicar un comentario", "Obtener enlace", "この記事をシェアする", "読者になる",
        "はてなブックマークに追加", "Поделиться:", "Добавить комментарий", "إرسال تعليق",
        "פרסום תגובה", "发表评论",
        "版权声明：本文为博主原创文章，遵循 CC 4.0 BY-SA 版权协议，转载请附上原文出处链接和本声明。",
        "© 2024 Дачные записки. Все права защищены.", "2024 Hof Lindner. Alle Rechte vorbehalten.",
    ],
)  # fmt: skip
def test_share_bar_and_comment_form_phrases_in_other_languages_are_clutter(line):
    assert is_clutter_line(line)


def test_menu_words_in_other_languages_stay_between_paragraphs():
    from pipeline.cleaning import clean_text

    body = "最初の段落です。\nコメント\n二つ目の段落です。"
    assert clean_text(body) == body  # a one-word line of the author's
    assert clean_text(f"{body}\nシェア\nツイート") == body  # the share bar at the end
    assert clean_text(f"{body}\n読者になる\n最後の段落です。") == f"{body}\n最後の段落です。"
    assert (
        clean_text("Erster Absatz.\nTeilen\nZweiter Absatz.")
        == "Erster Absatz.\nTeilen\nZweiter Absatz."
    )


def test_comment_dates_written_as_text_keep_their_time_in_every_language():
    comment = (
        '<li id="comment-{n}" class="comment"><article class="comment-body">'
        '<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">{who}</b>'
        '</div><div class="comment-metadata"><a href="#comment-{n}">{when}</a></div></footer>'
        '<div class="comment-content"><p>{what}</p></div></article></li>'
    )
    comments = "".join(
        comment.format(n=n, who=who, when=when, what=what)
        for n, (who, when, what) in enumerate(
            [
                ("Ann", "May 18, 2024 at 9:15 am", "Lovely hedge."),
                ("Сергей", "18 мая 2024 в 09:15", "Какую глину брали?"),
            ],
            start=1,
        )
    )
    page = (
        '<html><body class="single postid-1"><article id="post-1" class="post-1 post hentry">'
        '<h1 class="entry-title">Laying a hedge</h1><div class="entry-content">'
        + "<p>We laid the hedge along the lane over two cold weekends in March.</p>"
        * 4
        + f'</div></article><div id="comments"><ol class="comment-list">{comments}</ol></div>'
        "</body></html>"
    )
    record = extract_post(page, "https://hedgerow.example/2024/05/laying/")
    assert [(c.author, c.published) for c in record.comments] == [
        ("Ann", "2024-05-18T09:15:00"),
        ("Сергей", "2024-05-18T09:15:00"),
    ]


# what the author wrote beside the paragraphs, in the churn blog's posts
AUTHORS_LINES = {
    # the address the page's script shows, whatever key Cloudflare picked for the response
    "Cloudflare e-mail": ["Write to me at mara@plot14.example to book a lesson."],
    "Amazon affiliate box": ["Rain water butt, 210 litres"],
    "wp-embed secret": ["Why the pond froze"],
}


@pytest.mark.parametrize("kind", CHURN)
def test_what_changes_on_every_fetch_is_not_post_text(kind: str) -> None:
    """Relative dates, counters, rotating widgets and ads, footers' timings, nonces: a
    blog's page changes on every fetch, the post does not. Its text, title and tags must come
    out the same from two fetches (else every cron crawl stores a new version), and keep every
    paragraph the author wrote."""
    post = ChurnPost("water-butts", churn=kind)
    url = "https://plot14.example/2024/05/water-butts/"
    first, second = (extract_post(post_page(post, fetch), url) for fetch in (1, 2))
    assert (first.title, first.text, first.tags) == (second.title, second.text, second.tags)
    lines = first.text.split("\n")
    assert [line for line in lines if line in PARAGRAPHS] == PARAGRAPHS
    assert [line for line in lines if line not in PARAGRAPHS] == AUTHORS_LINES.get(kind, [])
    assert (first.published, first.author) == (second.published, second.author)


def test_sentences_and_lists_that_look_like_churn_are_the_authors() -> None:
    """The author's own words about a thread "posted 3 hours ago" with "1,234 views", and a
    post that is a list of links, stay whole: only whole lines of page furniture go."""
    quoting = [
        "The thread about the water butts was posted 3 hours ago and already has 1,234 views.",
        "Views: 1,234",
        "Someone replied that their own butt, bought 2 years ago, had split the same way.",
        "Posted 3 hours ago",
        "That is the line the forum prints under every thread, and it is wrong half the time.",
    ]
    url = "https://plot14.example/2024/05/"
    record = extract_post(post_page(ChurnPost("forum", paragraphs=quoting), 1), url + "forum/")
    assert record.text.split("\n") == quoting
    links = [
        f"<li><a href='https://elsewhere.example/{n}/'>{title}</a>: worth it for the photos.</li>"
        for n, title in enumerate(OTHER_POSTS)
    ]
    roundup = ChurnPost(
        "links", "Links", body_html=f"<p>Read this week:</p><ul>{''.join(links)}</ul>"
    )
    record = extract_post(post_page(roundup, 1), url + "links/")
    assert record.text.split("\n") == [
        "Read this week:",
        *(f"- {title}: worth it for the photos." for title in OTHER_POSTS),
    ]


def test_a_list_of_bare_links_between_paragraphs_is_kept() -> None:
    """A link round-up whose list items are only links: trafilatura's link-density test
    dropped the whole list, text and HTML, as if it were a menu."""
    links = "".join(
        f"<li><a href='https://elsewhere.example/{t}/'>{t}</a></li>" for t in OTHER_POSTS
    )
    body = (
        "<p>What I read this week, while the rain kept us off the plot for most of the days.</p>"
        f"<ul>{links}</ul><p>More next week, if the weather lets me out of the house.</p>"
    )
    post = ChurnPost("links", "Links", body_html=body)
    record = extract_post(post_page(post, 1), "https://plot14.example/2024/05/links/")
    assert record.text.split("\n") == [
        "What I read this week, while the rain kept us off the plot for most of the days.",
        *(f"- {title}" for title in OTHER_POSTS),
        "More next week, if the weather lets me out of the house.",
    ]
    assert record.html.count('<li><a href="https://elsewhere.example/') == len(OTHER_POSTS)


def test_a_comments_like_count_is_not_its_text() -> None:
    """Jetpack's comment likes ("Like", "Liked by 3 people") sit inside the comment's content:
    before, each new like made the comment read as edited, and every crawl stored it again
    beside its first text (`KEY#edit-...`)."""

    def page(likes: int) -> str:
        comment = (
            "<ol class='comment-list'><li id='comment-5' class='comment'><article "
            "class='comment-body'><footer class='comment-meta'><div class='comment-author "
            "vcard'><b class='fn'>Ivor</b></div><div class='comment-metadata'><a "
            "href='#comment-5'><time datetime='2024-05-13T10:00:00+00:00'>13 May 2024</time>"
            "</a></div></footer><div class='comment-content'><p>I still have some patches.</p>"
            "<p id='comment-like-5' class='comment-likes comment-not-liked'><a "
            "class='comment-like-link' href='#'>Like</a><span class='comment-like-feedback'>"
            f"Liked by {likes} people</span></p></div></article></li></ol>"
        )
        return post_page(ChurnPost("liked"), likes).replace('<div id="respond"', comment + "<div")

    url = "https://plot14.example/2024/05/liked/"
    texts = {tuple(c.text for c in extract_post(page(n), url).comments) for n in (1, 2)}
    assert texts == {("I still have some patches.",)}


def test_a_lazy_loaded_picture_is_kept_whether_or_not_the_page_served_its_placeholder() -> None:
    """Lazy-load plugins serve a placeholder (`data:` image) in `src` and the picture in
    `data-lazy-src` (WP Rocket) or `data-original` (jQuery lazyload), and not always: before,
    a fetch that got the placeholder stored the post's HTML without the picture."""
    url = "https://plot14.example/2024/05/water-butts/"
    post = ChurnPost("water-butts", churn="lazy-load placeholder")
    renditions = {extract_post(post_page(post, fetch), url).html for fetch in (1, 2)}
    assert len(renditions) == 1
    assert '<img src="https://plot14.example/wp-content/uploads/butts.jpg"' in renditions.pop()
    jquery = post_page(post, 1).replace("data-lazy-src", "data-original")
    assert "uploads/butts.jpg" in extract_post(jquery, url).html


@pytest.mark.parametrize(
    ("line", "volatile"),
    [
        ("Posted 3 hours ago by Mara", True),
        ("Updated about an hour ago", True),
        ("This post has been viewed 1,234 times.", True),
        ("4 min read · 813 words · 1.2k views", True),
        ("👁 1,234 · 💬 12", True),
        ("vor 3 Stunden", True),
        ("il y a 2 jours", True),
        ("3 часа назад", True),
        ("3時間前", True),
        ("조회수 1,234", True),
        ("One year ago", False),  # a poem's last line, say
        ("The thread was posted 3 hours ago and has 1,234 views.", False),
        ("1,234", False),
        ("Read 3 times before breakfast", False),
    ],
)
def test_lines_of_counters_and_relative_dates_are_told_from_prose(
    line: str, volatile: bool
) -> None:
    assert is_volatile_line(line) is volatile


def test_a_post_laid_out_by_a_page_builder_keeps_its_widgets_text() -> None:
    """WordPress widgets (`.widget.widget_*`) are sidebar furniture wherever a theme puts them,
    but SiteOrigin's page builder lays a post's own text out as widgets: those are kept."""
    panels = "".join(
        f"<div class='so-panel widget widget_sow-editor'><div class='so-widget-sow-editor'>"
        f"<div class='siteorigin-widget-tinymce textwidget'><p>{paragraph}</p></div></div></div>"
        for paragraph in PARAGRAPHS
    )
    body = f"<div id='pl-77' class='panel-layout'><div class='panel-grid'>{panels}</div></div>"
    post = ChurnPost("built", body_html=body, churn="quote of the day widget")
    record = extract_post(post_page(post, 1), "https://plot14.example/2024/05/built/")
    assert record.text.split("\n") == PARAGRAPHS


ZONED_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Night tram</title>
<meta property="article:published_time" content="Sun, 31 Mar 2019 23:30:00 EST">
<meta property="article:modified_time" content="Tue, 02 Apr 2019 20:00:00 JST">
</head><body><article><h1>Night tram</h1>
<p>The last tram of the night rattles past the shuttered bakery and the dark clock tower.</p>
<p>Its driver rings the bell at every empty stop, out of habit more than for anyone there.</p>
</article></body></html>"""


@pytest.mark.parametrize("machine_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_a_date_with_a_named_zone_is_that_zones_time_on_every_machine(
    tmp_path: Path, machine_zone: str
) -> None:
    """Pages and feeds write RFC 822 dates with a zone's name ("EST", "JST"). The name was
    dropped (the time stored without an offset, hours off the instant), or, on a machine
    whose own zone has that name, read as the machine's zone at that date: EST became EDT
    (-04:00) on a crawler in New York in March, JST +09:00 only on one in Tokyo."""
    import os

    from conftest import run_blogarchive

    page = tmp_path / "tram.html"
    page.write_text(ZONED_PAGE, encoding="utf-8")
    result = run_blogarchive(
        "extract", str(page), "--url", "https://tram.example/night-tram/",
        env={**os.environ, "TZ": machine_zone},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(result.stdout)
    assert (record["published"], record["updated"]) == (
        "2019-03-31T23:30:00-05:00",
        "2019-04-02T20:00:00+09:00",
    )


_ARTICLE = (
    "<article class='post'><div class='entry-content'><p>Notes on the winter allotment: the "
    "broad beans went in late, the shed roof leaks again and the compost is finally warm."
    "</p><p>Next week the trellis comes down and the raspberry canes get cut back.</p></div>"
    "</article>"
)


def test_classic_wordpress_comments_keep_only_what_the_reader_wrote() -> None:
    """WordPress's classic comment markup (the `comment()` walker of themes without html5
    comment lists: no `comment-content`, the text is the body's paragraphs beside the author
    and date blocks): before, the author's name, the date and "Your comment is awaiting
    moderation." were lines of each comment's text. Pingbacks and trackbacks are no reader's
    comment and are not stored."""
    page = (
        "<html><head><meta name='generator' content='WordPress 6.5'><title>Beans</title>"
        f"</head><body>{_ARTICLE}<div id='comments'><ol class='commentlist'>"
        "<li class='comment even thread-even depth-1' id='comment-12'>"
        "<div id='div-comment-12' class='comment-body'><div class='comment-author vcard'>"
        "<img alt='Avatar of Jo Marsh' src='a.png' class='avatar avatar-32 photo'/>"
        "<cite class='fn'>Jo Marsh</cite> <span class='says'>says:</span></div>"
        "<em class='comment-awaiting-moderation'>Your comment is awaiting moderation.</em><br/>"
        "<div class='comment-meta commentmetadata'><a href='/2024/05/01/beans/#comment-12'>"
        "May 1, 2024 at 3:02 pm</a>&nbsp;&nbsp;<a class='comment-edit-link' href='#'>(Edit)</a>"
        "</div><p>Mine came up <a href='http://example.org/'>in April</a>.</p><p>Try fleece."
        "</p><div class='reply'><a class='comment-reply-link' href='#'>Reply</a></div></div>"
        "<ul class='children'><li class='comment bypostauthor odd alt depth-2' id='comment-13'>"
        "<div id='div-comment-13' class='comment-body'><div class='comment-author vcard'>"
        "<cite class='fn'><a href='http://example.org' class='url'>Ann Gale</a></cite> "
        "<span class='says'>says:</span></div><div class='comment-meta commentmetadata'>"
        "<a href='#comment-13'>May 2, 2024 at 9:15 am</a></div><p>Thanks, I will.</p>"
        "</div></li></ul></li>"
        "<li class='pingback odd alt thread-odd depth-1' id='comment-14'><div "
        "id='div-comment-14' class='comment-body'>Pingback: <a href='http://other.example/p' "
        "class='url'>Another blog &raquo; Beans</a> <span class='edit-link'><a "
        "class='comment-edit-link' href='#'>(Edit)</a></span></div></li>"
        "<li class='trackback even depth-1' id='comment-15'><div class='comment-body'>"
        "Trackback: <a href='http://other2.example/' class='url'>Some site</a></div></li>"
        "</ol></div></body></html>"
    )
    record = extract_post(page, "http://blog.example/2024/05/01/beans/")
    assert [(c.comment_key, c.author, c.parent, c.text) for c in record.comments] == [
        ("12", "Jo Marsh", None, "Mine came up in April.\nTry fleece."),
        ("13", "Ann Gale", "12", "Thanks, I will."),
    ]
    assert record.comments[0].published == "2024-05-01T15:02:00"


def test_a_removed_blogger_comment_is_no_comment() -> None:
    """Blogger leaves "This comment has been removed by the author." (or "by a blog
    administrator.") where a deleted comment was: no reader wrote it, so it is not stored as
    a comment (before, it was, and on a re-crawl it became an "edit" of the archived text).
    Its replies keep their parent's id; Anonymous and Unknown authors are kept as shown."""
    url = "http://blog.example/2024/05/beans.html"

    def item(key: str, author: str, content: str, replies: str = "") -> str:
        return (
            f"<li class='comment' id='c{key}'><div class='avatar-image-container'><img "
            f"src='a.png' alt='Avatar of {author}'/></div><div class='comment-block'><div "
            f"class='comment-header'><cite class='user'>{author}</cite><span class='datetime "
            f"secondary-text'><a href='{url}?showComment=17150{key}000#c{key}'>May 6</a></span>"
            f"</div><p class='comment-content'>{content}</p><span class='comment-actions "
            f"secondary-text'><a class='comment-reply' data-comment-id='{key}'>Reply</a></span>"
            f"</div>{replies}</li>"
        )

    reply = item("112", "Tom Pike", "Agreed.<br>Fleece works.")
    thread = (
        item(
            "111",
            "Unknown",
            "<span class='deleted-comment'>This comment has been removed by the author.</span>",
            f"<div class='comment-replies'><div class='comment-thread inline-thread'><ol>"
            f"<div>{reply}</div></ol></div></div>",
        )
        + item("113", "Anonymous", "This comment has been removed by a blog administrator.")
        + item("114", "Anonymous", "Nice one")
    )
    page = (
        "<html><head><meta name='generator' content='blogger'><title>Beans</title></head><body>"
        f"<div class='post-body entry-content'>{_ARTICLE}</div><section class='comments "
        f"threaded' id='comments'><div class='comment-thread toplevel-thread'><ol id='top-ra'>"
        f"{thread}</ol></div></section></body></html>"
    )
    record = extract_post(page, url)
    assert [(c.comment_key, c.author, c.parent, c.text) for c in record.comments] == [
        ("112", "Tom Pike", "111", "Agreed.\nFleece works."),
        ("114", "Anonymous", None, "Nice one"),
    ]


def test_a_protected_address_in_a_comment_reads_the_same_on_every_comment_page() -> None:
    """A reader's comment giving an address behind Cloudflare's protection, on the post page
    and on a later comment page (fetched on its own): the address, as the page showed it."""
    from churn_blog import cloudflare_hex

    from pipeline.extraction import read_comment_page

    def page(key: int) -> str:
        hidden = cloudflare_hex("plotholder@allot.example", key)
        comment = (
            "<ol class='comment-list'><li id='comment-31' class='comment even thread-even'>"
            "<article class='comment-body'><footer class='comment-meta'><div class='comment-"
            "author vcard'><b class='fn'>Wyn</b> <span class='says'>says:</span></div>"
            "<div class='comment-metadata'><time datetime='2024-05-19T08:00:00+00:00'>May 19"
            "</time></div></footer><div class='comment-content'><p>Ask the secretary at "
            "<a href='/cdn-cgi/l/email-protection' class='__cf_email__' "
            f"data-cfemail='{hidden}'>[email&#160;protected]</a> for a key.</p></div>"
            "</article></li></ol>"
        )
        return _post(
            "<div class='entry-content'>{}</div><div id='comments' class='comments-area'>"
            + comment.replace("{", "{{").replace("}", "}}")
            + "</div>",
            "",
        )

    expected = "Ask the secretary at plotholder@allot.example for a key."
    post = extract_post(page(0x33), "https://allot.example/2024/05/keys/")
    assert [c.text for c in post.comments] == [expected]
    later = read_comment_page(page(0x71), "https://allot.example/2024/05/keys/comment-page-2/")
    assert [c.text for c in later.comments] == [expected]


def test_more_comment_pages_of_blogger_and_wordpress_pages() -> None:
    """Where the comments a post page does not show are: Blogger's comment feed when the page
    shows fewer than it has (its count, or, in layouts without one, a full page of 200 and a
    "Load more..."), WordPress's other comment pages of the same post, nothing otherwise."""
    from pipeline.extraction import more_comment_pages

    url = "http://blog.example/2024/05/beans.html"

    def blogger(shown: int, count: str) -> str:
        items = "".join(
            f"<li class='comment' id='c{n}'><div class='comment-block'><p class='comment-content'>"
            f"Remark {n}</p></div></li>"
            for n in range(shown)
        )
        return (
            f"<html><body><div class='comments' id='comments' {count}><ol>{items}</ol>"
            "<div class='loadmore hidden' data-post-id='4242'><a>Load more...</a></div></div>"
            "</body></html>"
        )

    feed = "http://blog.example/feeds/4242/comments/default?start-index=1&max-results=200"
    assert more_comment_pages(blogger(3, "data-num-comments='250'"), url) == [feed]
    assert more_comment_pages(blogger(200, ""), url) == [feed]
    assert more_comment_pages(blogger(3, "data-num-comments='3'"), url) == []
    assert more_comment_pages(blogger(3, ""), url) == []
    wordpress = (
        "<html><body><div id='comments'><a href='/2024/05/01/beans/comment-page-2/#comments'>"
        "Older comments</a><a href='/2024/05/01/other/comment-page-2/'>elsewhere</a>"
        "<a href='/2024/05/01/beans/?replytocom=4#respond'>Reply</a></div></body></html>"
    )
    assert more_comment_pages(wordpress, "http://blog.example/2024/05/01/beans/") == [
        "http://blog.example/2024/05/01/beans/comment-page-2/"
    ]
