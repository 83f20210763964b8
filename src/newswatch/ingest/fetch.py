"""Polite HTTP fetching for pages and feeds.

Every request carries newswatch's User-Agent, has a timeout, follows at most
``Settings.http_max_redirects`` redirects, stops reading past
``Settings.max_input_bytes``, and asks robots.txt first (once per host). A robots.txt
that is missing (4xx) allows everything, as the robots standard says; one that cannot
be fetched (network error, 5xx) is treated as allowing too, so a flaky robots server
never blocks a desk's feed; a robots.txt that disallows the URL for newswatch is obeyed.

Failures raise ``FetchError`` with a reason a person can act on; nothing returns None.
"""

from __future__ import annotations

import urllib.robotparser
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from newswatch.config import Settings
from newswatch.errors import FetchError, InputTooLarge
from newswatch.ingest.base import Input

ROBOTS_AGENT = "newswatch"


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


class Fetcher:
    """A reusable HTTP client; use as a context manager or call ``close()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = httpx.Client(
            timeout=settings.http_timeout,
            follow_redirects=True,
            max_redirects=settings.http_max_redirects,
            headers={"User-Agent": settings.user_agent},
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str) -> Input:
        """GET ``url`` and return its body; raises ``FetchError`` or ``InputTooLarge``."""
        if self.settings.respect_robots and not self._allowed(url):
            host = urlsplit(url).netloc
            raise FetchError(url, f"robots.txt of {host} disallows this URL for newswatch")
        limit = self.settings.max_input_bytes
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code >= 400:
                    raise FetchError(url, _status_text(response.status_code))
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise self._too_large(url, b"", int(declared))
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise self._too_large(url, b"".join(chunks), size)
                return Input(
                    location=url,
                    data=b"".join(chunks),
                    content_type=response.headers.get("content-type"),
                    final_url=str(response.url),
                )
        except httpx.TooManyRedirects as err:
            raise FetchError(
                url, f"redirect loop or more than {self.settings.http_max_redirects} redirects"
            ) from err
        except httpx.TimeoutException as err:
            raise FetchError(url, f"timed out after {self.settings.http_timeout:g} s") from err
        except httpx.HTTPError as err:
            raise FetchError(url, f"unreachable: {err.__class__.__name__}: {err}") from err

    def _too_large(self, url: str, head: bytes, size: int) -> InputTooLarge:
        limit_mb = self.settings.max_input_bytes / 1024 / 1024
        return InputTooLarge(
            url,
            f"response is over the {limit_mb:g} MB limit (NEWSWATCH_MAX_INPUT_BYTES)",
            head[: self.settings.quarantine_raw_cap],
            size,
        )

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The parsed robots.txt of ``origin``, or None when there is none to obey."""
        try:
            response = self._client.get(f"{origin}/robots.txt")
        except httpx.HTTPError:
            return None
        if response.status_code >= 400:
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.text.splitlines())
        return parser
