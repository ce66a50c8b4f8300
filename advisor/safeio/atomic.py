"""The one atomic-write helper: ``atomic_write_text(path, text)``.

The text goes to a temporary file in the destination's folder, is flushed to disk, and is
renamed over the destination, so a reader sees the old file or the new one, never a part.
Symlinks are written *through*, and only to regular files: a symlink is never replaced by a
file, and devices, FIFOs, sockets and directories are refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from advisor.errors import OutputError


def _os_problem(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def resolve_destination(path: Path) -> Path:
    """The regular file ``path`` writes to (through a symlink), or raise :class:`OutputError`."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise OutputError(str(path), f"cannot write here ({_os_problem(exc)})") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            target_st = os.stat(path)
        except OSError:
            raise OutputError(
                str(path),
                "is a symlink to nothing (dangling); advisor writes through symlinks only to "
                "existing regular files",
                hint="remove the symlink or point it at a regular file",
            ) from None
        if not stat.S_ISREG(target_st.st_mode):
            raise OutputError(
                str(path),
                "is a symlink to something that is not a regular file; refusing to write",
            )
        return Path(os.path.realpath(path))
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a device, FIFO or socket"
        raise OutputError(str(path), f"is {kind}, not a regular file; refusing to write")
    return path


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` (and parents), or raise :class:`OutputError` in plain words."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(
            str(folder), "is a file (or a dangling symlink), not a folder", hint="choose a folder"
        ) from None
    except NotADirectoryError:
        raise OutputError(
            str(folder), "a part of this path is a file, not a folder", hint="choose a folder"
        ) from None
    except OSError as exc:
        raise OutputError(str(folder), f"cannot create this folder ({_os_problem(exc)})") from None
    if not folder.is_dir():
        raise OutputError(str(folder), "is not a folder", hint="choose a folder")


def write_bytes_into(folder: Path, name: str, data: bytes, mode: int = 0o644) -> Path:
    """Write ``data`` to ``folder/name`` via a temporary file and a rename (``folder`` exists)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return folder / name


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``.

    Parent folders are created. Raises :class:`~advisor.errors.OutputError` for a destination
    advisor must not or cannot write (see the module docstring).
    """
    path = Path(path)
    dest = resolve_destination(path)
    ensure_folder(dest.parent)
    try:
        write_bytes_into(dest.parent, dest.name, data)
    except OSError as exc:
        raise OutputError(str(path), f"cannot write this file ({_os_problem(exc)})") from None
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))
