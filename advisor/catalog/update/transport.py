"""HTTP for the price feeds: standard library only, timeouts, retries with backoff.

Retried: HTTP 429 (honouring ``Retry-After``) and 5xx, connection errors, timeouts, and
bodies that arrive cut short or do not parse. Anything else (400, 401, 403, 404 ...) is a
refusal and ends the run at once. Every failure becomes a :class:`FeedError` (exit code 2)
with one clear sentence; secrets (the GCP API key) never appear in messages or files.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

USER_AGENT = "advisor-catalog-update (+https://github.com/; python-urllib)"
MAX_RETRY_AFTER_S = 300.0
CHUNK_BYTES = 1 << 20


class FeedError(AdvisorError):
    """The price API could not be reached, refused, or answered with something unusable."""

    exit_code = 2

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


MAX_CONNECT_RETRIES = 2
"""A refused connection or failed name lookup rarely heals in seconds: give up sooner."""


class _Retryable(Exception):
    def __init__(self, message: str, wait_s: float | None = None, connect: bool = False):
        super().__init__(message)
        self.wait_s = wait_s
        self.connect = connect


def short(url: str) -> str:
    """``url`` for messages: scheme, host and path only (no query, so no secrets).

    >>> short("https://prices.azure.com/api/retail/prices?$filter=x&key=s")
    'https://prices.azure.com/api/retail/prices'
    """
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(query="", fragment=""))


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> retry_after_s("3")
    3.0
    >>> retry_after_s(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return min(max(0.0, when - (time.time() if now is None else now)), MAX_RETRY_AFTER_S)


@dataclass
class Client:
    """A small polite HTTP client: ``timeout_s`` per request, ``retries`` after the first."""

    timeout_s: float = 60.0
    retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = field(default=0, init=False)

    def get_json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        """GET ``url`` and parse JSON; a cut-short or unparsable body is retried."""

        def parse(body: bytes, _resp: Any) -> Any:
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _Retryable(f"truncated or malformed JSON ({exc})") from None

        return self._with_retries(url, headers or {}, parse)

    def download(self, url: str, dest: Path, progress: Callable[[int], None] | None = None) -> Path:
        """Stream ``url`` into ``dest``; resumes a ``dest.part`` left by an earlier attempt.

        Uses an HTTP Range request when part of the file is already on disk; a server that
        ignores the range (200) restarts the file. The part file becomes ``dest`` only once
        every byte announced by Content-Length has arrived.
        """
        part = dest.with_name(dest.name + ".part")

        def fetch_once() -> Path:
            have = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                resp = self._open(url, headers)
            except FeedError as exc:
                if exc.status != 416:
                    raise
                # The part file is already whole (or longer than the file now is): start over.
                part.unlink(missing_ok=True)
                raise _Retryable(
                    "the saved part does not fit the file; downloading again"
                ) from None
            with resp:
                if have and resp.status != 206:
                    have = 0
                mode = "ab" if have else "wb"
                expected = resp.headers.get("Content-Length")
                got = 0
                with part.open(mode) as fh:
                    while chunk := self._read(resp, CHUNK_BYTES):
                        fh.write(chunk)
                        got += len(chunk)
                        if progress:
                            progress(len(chunk))
            if expected is not None and got < int(expected):
                raise _Retryable(f"download cut short after {have + got} bytes")
            part.replace(dest)
            return dest

        return self._retry_loop(url, fetch_once)

    # --- internals ---------------------------------------------------------------------
    def _with_retries(self, url: str, headers: dict[str, str], parse) -> Any:
        def once() -> Any:
            with self._open(url, headers) as resp:
                body = self._read(resp, None)
                expected = resp.headers.get("Content-Length")
                if expected is not None and len(body) < int(expected):
                    raise _Retryable(f"body cut short ({len(body)} of {expected} bytes)")
                return parse(body, resp)

        return self._retry_loop(url, once)

    def _retry_loop(self, url: str, once: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            try:
                return once()
            except _Retryable as exc:
                attempt += 1
                limit = min(self.retries, MAX_CONNECT_RETRIES) if exc.connect else self.retries
                if attempt > limit:
                    raise FeedError(
                        f"{short(url)}: gave up after {attempt} attempts; last problem: {exc}"
                    ) from None
                wait = exc.wait_s
                if wait is None:
                    wait = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
                self.sleep(wait)

    def _open(self, url: str, headers: dict[str, str]):
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
        )
        self.requests += 1
        try:
            return urllib.request.urlopen(request, timeout=self.timeout_s)
        except urllib.error.HTTPError as exc:
            status = exc.code
            wait = retry_after_s(exc.headers.get("Retry-After")) if exc.headers else None
            detail = _excerpt(exc)
            exc.close()
            if status == 429 or status >= 500:
                raise _Retryable(f"HTTP {status} {detail}".strip(), wait) from None
            raise FeedError(
                f"the price API refused {short(url)}: HTTP {status} {detail}".strip(), status
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Retryable(
                f"cannot reach the server ({reason}); are you offline?", connect=True
            ) from None

    @staticmethod
    def _read(resp, amount: int | None) -> bytes:
        try:
            return resp.read(amount) if amount else resp.read()
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise _Retryable(f"connection dropped while reading ({exc})") from None
        except Exception as exc:  # http.client.IncompleteRead and friends
            raise _Retryable(f"body cut short ({type(exc).__name__})") from None


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(300).decode("utf-8", "replace")
    except Exception:  # the body is only decoration for the message
        return ""
    text = " ".join(body.split())
    return f"({text[:200]})" if text else ""
