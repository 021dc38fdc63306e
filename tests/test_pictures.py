"""The pictures a post shows are kept: fetched once by the crawl, captured as WARC records,
tied to their posts in `post_pictures` (pipeline/pictures.py, PicturePipeline)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LOOPBACK, PictureBlog, check_captures, rows, run_blogarchive, warc_index
from pipeline.pictures import picture_urls, served_type
from pipeline.warc import read_record


def test_picture_urls_are_the_posts_pictures_in_order_each_once() -> None:
    html = (
        "<p>Text</p><figure><img src='https://cdn.example/a.png#top' alt=''></figure>"
        "<p><img src='https://cdn.example/b.jpg?w=800&amp;h=600'>"
        "<img src='data:image/png;base64,AAAA'><img src='https://cdn.example/a.png'>"
        "<img src='javascript:alert(1)'><img alt='no source'></p>"
    )
    assert picture_urls(html) == [
        "https://cdn.example/a.png",
        "https://cdn.example/b.jpg?w=800&h=600",
    ]
    assert picture_urls(html, limit=1) == ["https://cdn.example/a.png"]
    assert picture_urls(html, limit=0) == []
    assert picture_urls("<p>No pictures at all.</p>") == picture_urls(None) == []


def test_only_raster_pictures_are_served_with_their_own_type() -> None:
    assert served_type("image/png") == "image/png"
    assert served_type("IMAGE/JPEG; charset=binary") == "image/jpeg"
    assert served_type("image/svg+xml") is None  # can hold script
    assert served_type("image/x-made-up") is None
    assert served_type("text/html") is None
    assert served_type(None) is None


def crawl(blog: PictureBlog, db: Path, *args: str):
    result = run_blogarchive("crawl", blog.blog.url, "--db", str(db), *LOOPBACK, *args)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result


def tied(db: Path) -> dict[tuple[str, str], int | None]:
    """(post slug, picture name) -> the capture of the picture, None without one."""
    return {
        (r["post"].rstrip("/").rsplit("/", 1)[1], r["url"].rsplit("/", 1)[1]): r["capture_id"]
        for r in rows(
            db,
            "SELECT posts.url AS post, post_pictures.url, capture_id FROM post_pictures "
            "JOIN posts ON posts.id = post_pictures.post_id",
        )
    }


def picture_captures(db: Path, blog: PictureBlog) -> dict[str, int]:
    """How many captures the crawl made of each address on the image host."""
    found = rows(
        db,
        "SELECT url, count(*) AS n FROM captures WHERE url LIKE ? GROUP BY url",
        (blog.pictures.url + "%",),
    )
    return {r["url"].rsplit("/", 1)[1]: r["n"] for r in found}


def picture_failures(db: Path) -> dict[str, str]:
    return {
        r["url"].rsplit("/", 1)[1]: r["error"]
        for r in rows(db, "SELECT url, error FROM failures WHERE stage = 'picture'")
    }


def test_a_crawl_keeps_each_picture_its_posts_show_once(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    result = crawl(picture_blog, archive_path)
    assert ": ok, 3 posts found, 3 new" in result.stdout, result.stdout
    links = tied(archive_path)
    assert set(links) == {
        ("kestrel", "kestrel.png"),
        ("kestrel", "estuary-map.png"),
        ("heron", "estuary-map.png"),
        ("heron", "gone.png"),
        ("heron", "a-page.png"),
        ("wren", "wren-song.svg"),
    }
    # the map both posts show was fetched once, and both posts have that copy
    assert links["kestrel", "estuary-map.png"] == links["heron", "estuary-map.png"] is not None
    # the theme's picture (outside the article) is not the post's
    assert picture_captures(archive_path, picture_blog) == {
        "robots.txt": 1,
        "kestrel.png": 1,
        "estuary-map.png": 1,
        "gone.png": 1,
        "a-page.png": 1,
        "wren-song.svg": 1,
    }
    capture = rows(
        archive_path, "SELECT * FROM captures WHERE id = ?", (links["kestrel", "kestrel.png"],)
    )[0]
    assert (capture["status"], capture["mime"], capture["record_type"]) == (
        200,
        "image/png",
        "response",
    )
    record = read_record(
        archive_path.parent / capture["warc_file"], capture["offset"], capture["length"]
    )
    assert record.payload == picture_blog.kestrel
    # what could not be kept is said, and the post is archived all the same
    assert links["heron", "gone.png"] is None and links["heron", "a-page.png"] is None
    heron = picture_blog.post_url("heron")
    assert picture_failures(archive_path) == {
        "gone.png": f"picture of {heron}: HTTP 404; the post is archived with a link to it",
        "a-page.png": f"picture of {heron}: not a picture (text/html); the post is archived "
        "with a link to it",
    }
    assert rows(archive_path, "SELECT count(*) AS n FROM posts")[0]["n"] == 3
    check_captures(archive_path, sorted((archive_path.parent / "warc").glob("*.warc.gz")))


def test_a_second_crawl_does_not_fetch_an_archived_picture_again(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    crawl(picture_blog, archive_path)
    before = tied(archive_path)
    crawl(picture_blog, archive_path, "--full")  # every post page fetched again
    assert tied(archive_path) == before
    counts = picture_captures(archive_path, picture_blog)
    assert (counts["kestrel.png"], counts["estuary-map.png"]) == (1, 1)
    # a picture that could not be kept is asked for again
    assert (counts["gone.png"], counts["a-page.png"]) == (2, 2)


def test_pictures_can_be_turned_off(picture_blog: PictureBlog, archive_path: Path) -> None:
    crawl(picture_blog, archive_path, "-s", "BLOGARCHIVE_PICTURES_ENABLED=False")
    assert rows(archive_path, "SELECT count(*) AS n FROM posts")[0]["n"] == 3
    assert tied(archive_path) == {}
    assert picture_captures(archive_path, picture_blog) == {}


def test_limits_too_big_and_too_many_pictures(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    # the kestrel is 100 bytes, the map 83
    crawl(
        picture_blog,
        archive_path,
        "-s",
        "BLOGARCHIVE_PICTURE_MAX_SIZE=90",
        "-s",
        "BLOGARCHIVE_PICTURES_PER_POST=1",
    )
    links = tied(archive_path)
    assert set(links) == {
        ("kestrel", "kestrel.png"),
        ("heron", "estuary-map.png"),
        ("wren", "wren-song.svg"),
    }
    assert links["kestrel", "kestrel.png"] is None and links["heron", "estuary-map.png"]
    failures = picture_failures(archive_path)
    assert set(failures) == {"kestrel.png", "wren-song.svg"}  # the drawing is 117 bytes
    assert failures["kestrel.png"] == (
        f"picture of {picture_blog.post_url('kestrel')}: larger than 90 bytes "
        "(BLOGARCHIVE_PICTURE_MAX_SIZE): not fetched; the post is archived with a link to it"
    )
    assert "kestrel.png" not in picture_captures(archive_path, picture_blog)


def test_a_picture_host_robots_txt_and_private_addresses_are_obeyed(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    picture_blog.pictures.pages["/robots.txt"] = (
        200,
        {"Content-Type": "text/plain"},
        b"User-agent: *\nDisallow: /kestrel.png\n",
    )
    # a picture at a loopback host the user did not name (the blog is 127.0.0.1)
    elsewhere = picture_blog.picture_url("estuary-map.png").replace("127.0.0.1", "localhost")
    title, sentence, _ = PictureBlog.POSTS["wren"]
    page = picture_blog.post_page(title, sentence, [])
    picture_blog.blog.pages["/notes/wren/"] = (
        page[0],
        page[1],
        page[2].replace(
            b"</article>", f"<figure><img src='{elsewhere}'></figure></article>".encode()
        ),
    )
    crawl(picture_blog, archive_path)
    failures = picture_failures(archive_path)
    assert "robots.txt" in failures["kestrel.png"]
    assert (
        "loopback" in failures["estuary-map.png"]
        and "localhost"
        in rows(archive_path, "SELECT url FROM failures WHERE error LIKE '%loopback%'")[0]["url"]
    )
    assert "kestrel.png" not in picture_captures(archive_path, picture_blog)
    assert tied(archive_path)["wren", "estuary-map.png"] is None


def test_the_exports_hold_the_pictures(
    picture_blog: PictureBlog, archive_path: Path, tmp_path: Path
) -> None:
    """The WARC export holds each picture's records, and each post of the JSON Lines export
    lists its pictures with the `captures` row holding each (None for one the crawl could
    not keep)."""
    crawl(picture_blog, archive_path)
    lines = run_blogarchive("export", "--format", "jsonl", "--db", str(archive_path))
    assert lines.returncode == 0, lines.stderr
    posts = {json.loads(line)["url"]: json.loads(line) for line in lines.stdout.splitlines()}
    links = tied(archive_path)
    for slug, names in (("kestrel", ["kestrel.png", "estuary-map.png"]),
                        ("heron", ["estuary-map.png", "gone.png", "a-page.png"])):  # fmt: skip
        pictures = posts[picture_blog.post_url(slug)]["post_pictures"]
        assert [(p["url"], p["capture_id"]) for p in pictures] == [
            (picture_blog.picture_url(name), links[slug, name]) for name in names
        ]
    assert links["kestrel", "kestrel.png"] is not None and links["heron", "gone.png"] is None
    exported = tmp_path / "export.warc.gz"
    result = run_blogarchive(
        "export", "--format", "warc", "--db", str(archive_path), "-o", str(exported)
    )
    assert result.returncode == 0, result.stderr
    records = {
        (r["warc-type"], r.get("warc-target-uri"), r.get("http:status"))
        for r in warc_index([exported])
    }
    for name in ("kestrel.png", "estuary-map.png"):
        assert ("response", picture_blog.picture_url(name), "200") in records
        assert ("request", picture_blog.picture_url(name), None) in records


def test_a_post_page_shows_the_archived_copy_of_each_picture(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    from test_datasette import Site

    from pipeline.serving import make_datasette

    crawl(picture_blog, archive_path)
    links = tied(archive_path)
    post_id = {r["url"]: r["id"] for r in rows(archive_path, "SELECT id, url FROM posts")}
    site = Site(make_datasette(archive_path), "archive")
    try:
        page = site.ok(f"/archive/posts/{post_id[picture_blog.post_url('heron')]}").text
        # the archived map from the archive; what could not be kept from where the blog had it
        assert f'src="/-/picture/{links["heron", "estuary-map.png"]}?db=archive"' in page
        assert picture_blog.picture_url("estuary-map.png") not in page
        assert f'src="{picture_blog.picture_url("gone.png")}"' in page

        picture = site.ok(f"/-/picture/{links['kestrel', 'kestrel.png']}?db=archive")
        assert picture.content == picture_blog.kestrel
        assert picture.headers["content-type"] == "image/png"
        assert picture.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in picture.headers["content-security-policy"]
        assert "content-disposition" not in picture.headers

        # its capture's page shows it as a picture, not its bytes as text
        kestrel = links["kestrel", "kestrel.png"]
        details = site.ok(f"/-/capture/{kestrel}?db=archive").text
        assert f"<img src='/-/picture/{kestrel}?db=archive'" in details
        assert "IHDR" not in details

        # a drawing (SVG: it can hold script) is only a download, never an SVG document
        drawing = site.ok(f"/-/picture/{links['wren', 'wren-song.svg']}?db=archive")
        assert drawing.content == PictureBlog.SVG
        assert drawing.headers["content-type"] == "application/octet-stream"
        assert drawing.headers["content-disposition"].startswith("attachment")
        assert drawing.headers["x-content-type-options"] == "nosniff"

        # only a capture a post shows as a picture: not a page's capture, not a missing one
        page_capture = rows(archive_path, "SELECT capture_id FROM post_versions LIMIT 1")[0][
            "capture_id"
        ]
        assert site.get(f"/-/picture/{page_capture}?db=archive").status_code == 404
        assert site.get("/-/picture/999999?db=archive").status_code == 404
    finally:
        site.close()


def test_a_picture_host_that_disallows_everything_gets_no_request(
    picture_blog: PictureBlog, archive_path: Path
) -> None:
    """The pictures of a host are asked for together, before its robots.txt is read: every one
    of them waits for it (Scrapy 2.19 let all but the first through)."""
    picture_blog.pictures.pages["/robots.txt"] = (
        200,
        {"Content-Type": "text/plain"},
        b"User-agent: *\nDisallow: /\n",
    )
    names = [f"tern-{n}.png" for n in range(8)]
    for name in names:
        picture_blog.pictures.pages[f"/{name}"] = (200, {"Content-Type": "image/png"}, b"\x89PNG")
    title, sentence, _ = PictureBlog.POSTS["kestrel"]
    picture_blog.blog.pages["/notes/kestrel/"] = picture_blog.post_page(title, sentence, names)
    crawl(picture_blog, archive_path)
    assert set(picture_captures(archive_path, picture_blog)) == {"robots.txt"}
    assert all("robots.txt" in error for error in picture_failures(archive_path).values())
