"""Pages and feeds over real HTTP (pytest-httpserver on 127.0.0.1), and their failures."""

from __future__ import annotations

import socket

import pytest
from werkzeug import Response

from newswatch.config import Settings
from newswatch.errors import FetchError, InputTooLarge
from newswatch.ingest.core import ingest
from newswatch.ingest.fetch import Fetcher

PARAGRAPHS = [
    "The port of Gwadar handled more ships this year than in any year before, the port "
    "authority said on Monday, crediting new cranes financed under the corridor programme.",
    "Officials in Islamabad said the expansion would add two berths by next spring and "
    "that a desalination plant funded by a Chinese grant was already supplying the town.",
    "Local fishermen, however, complained that new security zones had closed traditional "
    "landing sites, and asked the provincial government for compensation and new jetties.",
]


def page(title: str = "Gwadar port handles record traffic", body: list[str] = PARAGRAPHS) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body)
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title} | Dawn</title>
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="Dawn">
<meta property="article:published_time" content="2021-03-04T10:00:00+05:00">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright Dawn Media Group</footer></body></html>"""


def rss(items: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Corridor Watch</title><link>http://example.org/</link>
<language>en</language>{items}</channel></rss>"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_page_is_fetched_with_our_user_agent_and_extracted(store, settings, httpserver):
    httpserver.expect_request("/story").respond_with_data(page(), content_type="text/html")
    report = ingest(store, [httpserver.url_for("/story")], settings)
    assert report.counts["new"] == 1
    article = next(store.iter_articles())
    assert article.title == "Gwadar port handles record traffic"
    assert article.outlet == "Dawn" and article.authors == ("Jane Doe",)
    assert (article.published.value, article.published.source) == ("2021-03-04", "html")
    assert article.text.startswith("The port of Gwadar handled more ships")
    assert article.text.count("\n\n") == 2 and "Home" not in article.text
    request, _ = httpserver.log[-1]
    assert request.headers["User-Agent"].startswith("newswatch/")


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404 Not Found"),
                                                (500, "HTTP 500 Internal Server Error")])  # fmt: skip
def test_http_errors_are_quarantined_with_the_status(store, settings, httpserver, status, reason):
    httpserver.expect_request("/gone").respond_with_data("no", status=status)
    httpserver.expect_request("/story").respond_with_data(page(), content_type="text/html")
    report = ingest(store, [httpserver.url_for("/gone"), httpserver.url_for("/story")], settings)
    assert report.counts["new"] == 1 and report.counts["quarantined"] == 1
    entry = store.quarantined()[0]
    assert entry.source == httpserver.url_for("/gone") and entry.reason == reason


def test_redirect_loop_is_reported(httpserver):
    httpserver.expect_request("/a").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/b")})
    )
    httpserver.expect_request("/b").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/a")}))  # fmt: skip
    with Fetcher(Settings()) as fetcher, pytest.raises(FetchError, match="redirect loop"):
        fetcher.fetch(httpserver.url_for("/a"))


def test_unreachable_host_is_reported():
    url = f"http://127.0.0.1:{closed_port()}/story"
    with Fetcher(Settings()) as fetcher, pytest.raises(FetchError, match="unreachable"):
        fetcher.fetch(url)


def test_robots_txt_is_obeyed(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: newswatch\nDisallow: /private/\n"
    )
    httpserver.expect_request("/private/story").respond_with_data(page())
    httpserver.expect_request("/public/story").respond_with_data(page())  # fmt: skip
    with Fetcher(Settings()) as fetcher:
        with pytest.raises(FetchError, match=r"robots\.txt"):
            fetcher.fetch(httpserver.url_for("/private/story"))
        assert fetcher.fetch(httpserver.url_for("/public/story")).data


def test_response_over_the_size_limit_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    with Fetcher(Settings(max_input_bytes=1000)) as fetcher, pytest.raises(InputTooLarge):
        fetcher.fetch(httpserver.url_for("/big"))


def test_malformed_html_still_yields_its_text(store, settings, tmp_path):
    broken = page().replace("</p>", "").replace("</article>", "").replace("</html>", "<div><span")
    (tmp_path / "broken.html").write_text(broken)
    (tmp_path / "empty.html").write_text("<html><body><nav>Home</nav></body></html>")
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["new"] == 1
    assert "desalination plant" in next(store.iter_articles()).text
    assert store.quarantined()[0].reason == "no main text found in HTML page"


def test_cp1252_page_is_decoded(store, settings, tmp_path):
    html = page(body=[p + " Café owners agreed." for p in PARAGRAPHS])
    html = html.replace("<head>", '<head><meta charset="windows-1252">')
    (tmp_path / "latin.html").write_bytes(html.encode("cp1252"))
    ingest(store, [str(tmp_path)], settings)
    assert "Café owners agreed." in next(store.iter_articles()).text


def test_feed_with_full_text_items_needs_no_fetch(store, settings, tmp_path):
    content = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    items = (f"<item><title>Port traffic</title><link>http://127.0.0.1:9/a</link>"
             f"<pubDate>Thu, 04 Mar 2021 10:00:00 GMT</pubDate><author>a@b.c (Jane Doe)</author>"
             f"<content:encoded><![CDATA[{content}]]></content:encoded></item>")  # fmt: skip
    (tmp_path / "feed.xml").write_text(rss(items))
    report = ingest(store, [str(tmp_path / "feed.xml")], settings)
    assert report.counts["new"] == 1
    article = next(store.iter_articles())
    assert article.outlet == "Corridor Watch" and article.title == "Port traffic"
    assert article.published.value == "2021-03-04T10:00:00"
    assert article.text.count("\n\n") == 2


def test_feed_items_with_links_are_fetched_and_a_404_item_is_quarantined(
    store, settings, httpserver
):
    httpserver.expect_request("/one").respond_with_data(page("One"), content_type="text/html")
    httpserver.expect_request("/two").respond_with_data("gone", status=404)
    other = [
        "Cotton prices in Multan fell for a third week as heavy rain damaged the crop and "
        "ginners cut their purchases, according to the local traders' association.",
        "The association asked the federal government to delay the new sales tax on yarn "
        "until the harvest recovers, warning that small mills could close before winter.",
    ]
    httpserver.expect_request("/three").respond_with_data(
        page("Three", list(reversed(other))), content_type="text/html")  # fmt: skip
    items = "".join(
        f"<item><title>{t}</title><link>{httpserver.url_for(path)}</link>"
        "<pubDate>Fri, 05 Mar 2021 08:00:00 GMT</pubDate><description>Short.</description></item>"
        for t, path in (("One", "/one"), ("Two", "/two"), ("Three", "/three"))
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(items), content_type="application/rss+xml")  # fmt: skip
    report = ingest(store, [httpserver.url_for("/feed.xml")], settings)
    assert report.counts["new"] == 2 and report.counts["quarantined"] == 1
    assert {a.title for a in store.iter_articles()} == {"One", "Three"}
    assert all(a.published.source == "feed" for a in store.iter_articles())
    reason = store.quarantined()[0].reason
    assert "page fetch failed: HTTP 404 Not Found" in reason and "/two" in reason


def test_broken_feed_xml_is_quarantined(store, settings, tmp_path):
    (tmp_path / "broken.rss").write_text('<?xml version="1.0"?><rss><channel><title>x</ti')
    report = ingest(store, [str(tmp_path)], settings)
    assert report.counts["quarantined"] == 1
    assert store.quarantined()[0].reason.startswith("broken feed XML")
