"""A real HTTP server on 127.0.0.1 that plays the three price APIs from recorded fixtures.

Faults are scripted per request (429 with Retry-After, 500, a body cut short, a dropped
connection, a refusal), so the client's paging, retries and parsing run for real.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data" / "pricefeed"
AZURE_PATH = "/api/retail/prices"
AZURE_PAGE_SIZE = 4
GCP_PATH = "/v1/services/6F81-5844-456A/skus"
GCP_KEY = "test-key-not-secret"


@dataclass
class Fault:
    """Apply ``kind`` to the next ``times`` requests whose path+query contains ``match``."""

    match: str
    kind: str  # "429", "500", "403", "truncate", "drop"
    times: int = 1
    retry_after: str | None = None


@dataclass
class Seen:
    path: str
    query: dict
    headers: dict
    at: float
    status: int = 200


@dataclass
class FeedServer:
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server._handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_to(self, fragment: str) -> list[Seen]:
        def text(s: Seen) -> str:
            return s.path + "?" + "&".join(f"{k}={v}" for k, v in s.query.items())

        return [s for s in self.seen if fragment in text(s)]

    # --- serving ---------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        seen = Seen(parts.path, query, dict(h.headers), time.monotonic())
        with self._lock:
            self.seen.append(seen)
            fault = next(
                (f for f in self.faults if f.times > 0 and f.match in urllib.parse.unquote(h.path)),
                None,
            )
            if fault:
                fault.times -= 1
        status, headers, body = self._route(parts.path, query, h.headers)
        if fault is not None:
            if fault.kind in ("429", "500", "403"):
                status, body = (
                    int(fault.kind),
                    json.dumps({"error": {"message": "scripted"}}).encode(),
                )
                headers = {"Content-Type": "application/json"}
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
            elif fault.kind == "truncate":
                # Honest Content-Length, but the JSON itself stops half-way.
                body = body[: len(body) // 2]
            elif fault.kind == "drop":
                # Announce the full length, send half, close: a connection cut mid-body.
                seen.status = status
                h.send_response(status)
                for k, v in headers.items():
                    h.send_header(k, v)
                h.send_header("Content-Length", str(len(body)))
                h.end_headers()
                h.wfile.write(body[: len(body) // 2])
                h.wfile.flush()
                h.close_connection = True
                return
        seen.status = status
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _route(self, path: str, query: dict, headers) -> tuple[int, dict, bytes]:
        js = {"Content-Type": "application/json"}
        if path == AZURE_PATH:
            return 200, js, self._azure(query)
        if path == GCP_PATH:
            if query.get("key") != GCP_KEY:
                body = {
                    "error": {
                        "code": 400,
                        "message": "API key not valid.",
                        "status": "INVALID_ARGUMENT",
                    }
                }
                return 400, js, json.dumps(body).encode()
            page = (
                "skus_page2.json" if query.get("pageToken") == "page-2-token" else "skus_page1.json"
            )
            return 200, js, (DATA / "gcp" / page).read_bytes()
        if path == "/offers/v1.0/aws/index.json":
            return 200, js, (DATA / "aws" / "index.json").read_bytes()
        if path == "/offers/v1.0/aws/AmazonEC2/current/region_index.json":
            return 200, js, (DATA / "aws" / "region_index.json").read_bytes()
        if path.startswith("/offers/v1.0/aws/AmazonEC2/") and path.endswith("/index.csv"):
            region = path.split("/")[-2]
            file = DATA / "aws" / f"{region}.csv"
            if not file.exists():
                return 404, {"Content-Type": "text/plain"}, b"NoSuchKey"
            body = file.read_bytes()
            rng = headers.get("Range", "")
            if rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                if start >= len(body):
                    return 416, {"Content-Range": f"bytes */{len(body)}"}, b""
                return (
                    206,
                    {
                        "Content-Type": "text/csv",
                        "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}",
                    },
                    body[start:],
                )
            return 200, {"Content-Type": "text/csv"}, body
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _azure(self, query: dict) -> bytes:
        everything = json.loads((DATA / "azure" / "retail_prices.json").read_text())
        flt = query.get("$filter", "")
        skus = set(_quoted_after(flt, "armSkuName eq "))
        regions = set(_quoted_after(flt, "armRegionName eq "))
        items = [
            i
            for i in everything["Items"]
            if (not skus or i["armSkuName"] in skus)
            and (not regions or i["armRegionName"] in regions)
        ]
        skip = int(query.get("$skip", 0))
        page = items[skip : skip + AZURE_PAGE_SIZE]
        following = None
        if skip + AZURE_PAGE_SIZE < len(items):
            nxt = dict(query, **{"$skip": str(skip + AZURE_PAGE_SIZE)})
            following = f"{self.url}{AZURE_PATH}?{urllib.parse.urlencode(nxt, quote_via=urllib.parse.quote)}"
        body = dict(everything, Items=page, NextPageLink=following, Count=len(page))
        return json.dumps(body).encode()


def _quoted_after(text: str, prefix: str) -> list[str]:
    out, start = [], 0
    while (i := text.find(prefix, start)) >= 0:
        j = text.index("'", i + len(prefix) + 1)
        out.append(text[i + len(prefix) + 1 : j])
        start = j
    return out
