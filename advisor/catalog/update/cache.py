"""Resumable fetch state in the output folder's temp area (``OUT/.advisor-update/``).

Each paged query keeps its pages as numbered JSON files plus a small state file naming
the next page to ask for; a rerun of the same command replays the saved pages and goes on
from there. Files are written atomically, so an interruption never leaves half a page.
The whole area is removed once the catalog has been written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from advisor.safeio.atomic import atomic_write_bytes

TEMP_DIRNAME = ".advisor-update"
MAX_AGE_S = 24 * 3600.0
"""Saved pages older than this are discarded: a resumed run must not mix days of prices."""


class FetchCache:
    """The temp area of one provider's update under ``out_dir``; nothing is created until
    the first response has arrived (an offline run writes nothing)."""

    def __init__(
        self, out_dir: Path, provider: str, fresh: bool = False, max_age_s: float = MAX_AGE_S
    ):
        self.root = out_dir / TEMP_DIRNAME / provider
        self.resumed_pages = 0
        started = self.root / "started"
        stale = started.exists() and time.time() - started.stat().st_mtime > max_age_s
        if (fresh or stale) and self.root.exists():
            shutil.rmtree(self.root)

    def started_at(self) -> str | None:
        """When the saved pages began to arrive (UTC, ISO), or None without saved pages."""
        marker = self.root / "started"
        if not marker.exists():
            return None
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(marker.stat().st_mtime))

    def query_dir(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:16]

    def load_pages(self, key: str) -> tuple[list[dict[str, Any]], str | None, bool]:
        """(saved pages, next cursor, finished) for the query ``key``."""
        state_path = self.query_dir(key) / "state.json"
        if not state_path.exists():
            return [], None, False
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("key") != key:
            return [], None, False
        pages = []
        self.resumed_pages += len(state["pages"])
        for name in state["pages"]:
            pages.append(json.loads((self.query_dir(key) / name).read_text(encoding="utf-8")))
        return pages, state.get("next"), bool(state.get("done"))

    def save_page(
        self, key: str, index: int, page: dict[str, Any], next_cursor: str | None
    ) -> None:
        """Save page ``index`` (0-based), then advance the state to ``next_cursor``."""
        qdir = self.query_dir(key)
        if not (self.root / "started").exists():
            atomic_write_bytes(self.root / "started", b"")
        name = f"page-{index:05d}.json"
        atomic_write_bytes(qdir / name, json.dumps(page).encode("utf-8"))
        names = [f"page-{i:05d}.json" for i in range(index + 1)]
        state = {"key": key, "pages": names, "next": next_cursor, "done": not next_cursor}
        atomic_write_bytes(qdir / "state.json", json.dumps(state).encode("utf-8"))

    def file(self, name: str) -> Path:
        """A file of this provider's temp area (AWS keeps downloads and parsed rows here)."""
        return self.root / name

    def remove(self) -> None:
        """Drop this provider's temp area (and the parent when it is empty)."""
        if self.root.exists():
            shutil.rmtree(self.root)
        parent = self.root.parent
        if parent.exists() and not any(parent.iterdir()):
            parent.rmdir()
