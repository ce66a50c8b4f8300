"""Paths from untrusted text, and the checks every file we read goes through.

* :func:`safe_folder_name` turns a scenario name into one folder name (a slug) that cannot
  climb out of ``reports/`` or point anywhere else.
* :func:`check_input_file` / :func:`read_input_bytes` refuse what is not a regular file
  (devices such as ``/dev/zero``, FIFOs, sockets, directories) and files over a size cap, before
  a single byte is read, so a hostile path can neither hang nor exhaust memory.
* :func:`clip` shortens any user value before it is echoed in a message.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path

MAX_ECHO_CHARS = 200
"""Longest user value echoed in a message; the rest is summarised as a count."""

_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"", ".", ".."}


class UnsafePath(ValueError):
    """A path argument or a path derived from user input that advisor refuses to use."""


def clip(value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """``str(value)`` cut to ``limit`` characters, saying how many were left out.

    >>> clip("x" * 250)[-30:]
    'xxxxxxxxx… (50 more characters)'
    """
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def safe_folder_name(name: str, fallback: str = "scenario") -> str:
    """One path component derived from free text: ASCII letters, digits, ``.``, ``_``, ``-``.

    Separators, ``..``, leading dots and control characters cannot survive, so the result
    always names a folder directly inside its parent (at most 80 characters).

    >>> safe_folder_name("../../escaped-out")
    'escaped-out'
    >>> safe_folder_name("/etc/cron.d")
    'etc-cron.d'
    >>> safe_folder_name("Zürich fleet: Q3")
    'Zurich-fleet-Q3'
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_BAD.sub("-", ascii_text)
    slug = re.sub(r"\.{2,}", ".", slug)
    slug = re.sub(r"-{2,}", "-", slug).strip(".-_")[:80].strip(".-_")
    return fallback if slug in _RESERVED else slug


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path: Path, max_bytes: int | None = None, what: str = "file") -> int:
    """The size of ``path`` if it is a readable regular file within ``max_bytes``; else raise
    :class:`UnsafePath` with a plain-words reason. Symlinks are followed (to a regular file)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnsafePath(f"the {what} does not exist") from None
    except OSError as exc:
        raise UnsafePath(f"cannot read the {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePath(f"this is {_kind(st.st_mode)}, not a regular {what}")
    if max_bytes is not None and st.st_size > max_bytes:
        raise UnsafePath(
            f"the {what} is {st.st_size / 1e6:.1f} MB, more than the "
            f"{max_bytes / 1e6:.0f} MB advisor reads"
        )
    return st.st_size


def read_input_bytes(path: Path, max_bytes: int, what: str = "file") -> bytes:
    """Read a regular file of at most ``max_bytes`` (checked before and while reading)."""
    check_input_file(path, max_bytes, what)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise UnsafePath(f"cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise UnsafePath(f"the {what} is more than the {max_bytes / 1e6:.0f} MB advisor reads")
    return data
