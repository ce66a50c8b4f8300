"""An output set: the files of one run, switched into their folder as a whole.

``advisor plan`` writes plan.json, plan.csv, report.html and focus.csv; a reader must never see
files from two runs side by side, even when a run is killed (``kill -9``) half-way or two runs
write into one folder at once. :func:`write_output_set` therefore

1. takes an exclusive lock (``.<folder>.lock`` beside the folder, ``flock``): a second run into
   the same folder waits for the first (up to ``lock_timeout_s``), then fails clearly;
2. writes every file, plus ``manifest.json`` (run id, and the SHA-256 and size of every file),
   into a fresh sibling folder ``.<folder>.new-<run id>`` and flushes it to disk;
3. hard-links the folder's other files (those of other commands, e.g. ``sweep.csv``) into it;
4. switches it in with one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux (a plain ``rename``
   when the folder is new), then removes the old set.

Where the exchange is unavailable, the old folder is renamed aside and the new one renamed in; a
run killed between those two renames leaves the old set aside, and the next run puts it back
before doing anything. Leftover ``.<folder>.new-*`` / ``.old-*`` folders of killed runs are
removed by the next run into the same folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from advisor.errors import OutputError
from advisor.safeio.atomic import ensure_folder, write_bytes_into
from advisor.safeio.paths import clip

MANIFEST = "manifest.json"
LOCK_TIMEOUT_S = 600.0
"""How long a run waits for another run writing into the same folder."""


@dataclass(frozen=True)
class OutputSet:
    """What :func:`write_output_set` wrote: the folder, the run id and each file's path."""

    folder: Path
    run_id: str
    files: dict[str, Path]


def _problem(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


LEGACY_OUTPUTS = frozenset(
    {
        "plan.json",
        "plan.csv",
        "report.html",
        "focus.csv",
        "sweep.csv",
        "sweep.html",
        "montecarlo.csv",
        "montecarlo.html",
        "compare.html",
    }
)
"""Files advisor wrote into output folders before they had a manifest (still accepted)."""


def check_output_folder(folder: Path) -> Path:
    """The real folder ``folder`` names (a symlink to a folder is followed), or raise.

    The folder is replaced as a whole, so it must be new, empty, or one advisor wrote (it has
    a ``manifest.json``, or only advisor's output files); never the working directory or one
    that contains it.
    """
    if folder.is_symlink() and not folder.exists():
        raise OutputError(
            str(folder), "is a dangling symlink", hint="remove it or choose another --out"
        )
    shown = folder
    folder = Path(os.path.realpath(folder))
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            str(shown), "is a file, not a folder", hint="--out names a folder for the outputs"
        )
    if not folder.is_dir():
        return folder
    cwd = Path(os.path.realpath(os.getcwd()))
    if folder == cwd or folder in cwd.parents:
        raise OutputError(
            str(shown),
            "is the working directory (or contains it); advisor replaces its output folder as "
            "a whole",
            hint="name a folder for the outputs, e.g. --out reports/my-plan",
        )
    entries = list(folder.iterdir())
    if entries and not (folder / MANIFEST).is_file():
        foreign = [e.name for e in entries if e.name not in LEGACY_OUTPUTS or not e.is_file()]
        if foreign:
            raise OutputError(
                str(shown),
                f"holds {len(foreign)} entr{'y' if len(foreign) == 1 else 'ies'} advisor did not "
                f"write (e.g. '{clip(sorted(foreign)[0], 60)}'); advisor replaces its output "
                "folder as a whole, so it writes only into a new or empty folder, or one it "
                "wrote before",
                hint="choose another --out, e.g. --out reports/my-plan",
            )
    return folder


def check_output_target(folder: str | Path) -> Path:
    """Refuse, before any work is done, an output folder that cannot be written: a file, a
    path below a file, a dangling symlink, or a folder without write permission."""
    folder = check_output_folder(Path(folder))
    probe = folder.parent
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():
            raise OutputError(str(probe), "is a dangling symlink", hint="choose another --out")
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(
            str(folder), f"{probe} is a file, not a folder", hint="choose another --out"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(str(folder), f"no permission to write in {probe}")
    return folder


@contextlib.contextmanager
def folder_lock(
    folder: Path, timeout_s: float = LOCK_TIMEOUT_S, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``.<folder>.lock`` (beside ``folder``) exclusively; wait up to ``timeout_s``.

    The lock is an OS lock on the open file (``flock``; ``msvcrt.locking`` on Windows), so it
    is released when its process ends, however it ends: a killed run never blocks the next.
    """
    lock_path = folder.parent / f".{folder.name}.lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise OutputError(
            str(lock_path), f"cannot create the lock file ({_problem(exc)})"
        ) from None
    try:
        deadline = time.monotonic() + timeout_s
        told = False
        while True:
            try:
                _try_lock(fd)
                break
            except (BlockingIOError, PermissionError):
                holder = _holder(fd)
                if time.monotonic() > deadline:
                    raise OutputError(
                        str(folder),
                        f"another advisor run (pid {holder}) is still writing into this folder "
                        f"after {timeout_s:.0f} s",
                        hint="wait for it to finish, or choose another --out",
                    ) from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for another advisor run (pid {holder}) writing into {folder}")
                    told = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # releases the lock (also when the process dies)


def _try_lock(fd: int) -> None:
    """Take the lock without waiting; BlockingIOError (PermissionError on Windows) if held."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # stubs: Windows only
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _holder(fd: int) -> str:
    """The pid the lock holder wrote into the lock file, for the message."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode("ascii", "replace").strip() or "?"
    except OSError:
        return "?"


def _siblings(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.parent.glob(f".{folder.name}.{kind}-*"))


def recover(folder: Path) -> None:
    """Undo what a killed run left (call under the lock): put an old set aside back, remove
    half-written new sets."""
    olds = _siblings(folder, "old")
    if not folder.exists() and olds:
        os.rename(olds[-1], folder)
        olds = olds[:-1]
    for leftover in [*olds, *_siblings(folder, "new")]:
        shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2``). False when unsupported here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else {}


def _carry_over(old: Path, new: Path, skip: set[str]) -> dict[str, dict]:
    """Link the old folder's other entries into ``new``; their manifest entries, if any."""
    if not old.is_dir():
        return {}
    kept: dict[str, dict] = {}
    previous = _read_manifest(old).get("files", {})
    for entry in old.iterdir():
        if entry.name in skip or entry.name == MANIFEST:
            continue
        target = new / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True)
        else:
            try:
                os.link(entry, target)
            except OSError:
                shutil.copy2(entry, target)
        if isinstance(previous.get(entry.name), dict):
            kept[entry.name] = previous[entry.name]
    return kept


def _switch_in(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    if _exchange(staging, folder):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old set
        return
    aside = folder.parent / f".{folder.name}.old-{staging.name.rsplit('-', 1)[-1]}"
    os.rename(folder, aside)
    os.rename(staging, folder)
    shutil.rmtree(aside, ignore_errors=True)


def write_output_set(
    folder: str | Path,
    files: Mapping[str, str | bytes],
    *,
    owns: Iterable[str] = (),
    command: str = "",
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    on_wait: Callable[[str], None] | None = None,
) -> OutputSet:
    """Write ``files`` (name -> text or bytes) into ``folder`` as one whole set.

    ``owns`` names further files this command is responsible for: an old copy of them is
    dropped rather than carried over (an infeasible ``plan`` removes the last plan.json).
    Raises :class:`~advisor.errors.OutputError` for a folder advisor cannot or must not use.
    """
    folder = check_output_folder(Path(folder))
    for name in files:
        if Path(name).name != name or name in ("", ".", "..", MANIFEST):
            raise ValueError(f"output names are plain file names, not {name!r}")
    ensure_folder(folder.parent)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    with folder_lock(folder, lock_timeout_s, on_wait):
        try:
            recover(folder)
            staging = folder.parent / f".{folder.name}.new-{run_id}"
            staging.mkdir()
            manifest_files: dict[str, dict] = {}
            for name, content in files.items():
                data = content.encode("utf-8") if isinstance(content, str) else content
                write_bytes_into(staging, name, data)
                manifest_files[name] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "run_id": run_id,
                    "command": command,
                }
            manifest_files |= _carry_over(folder, staging, set(files) | set(owns))
            manifest = {
                "run_id": run_id,
                "command": command,
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": dict(sorted(manifest_files.items())),
            }
            text = json.dumps(manifest, indent=2) + "\n"
            write_bytes_into(staging, MANIFEST, text.encode("utf-8"))
            _fsync_dir(staging)
            _switch_in(staging, folder)
            _fsync_dir(folder.parent)
        except OSError as exc:
            raise OutputError(str(folder), f"cannot write the outputs ({_problem(exc)})") from None
    return OutputSet(folder, run_id, {name: folder / name for name in files})


def verify_output_set(folder: str | Path) -> list[str]:
    """Problems with the set in ``folder``: files missing, changed or not in the manifest."""
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if not manifest:
        return [f"{folder / MANIFEST}: missing or unreadable"]
    problems = []
    for name, entry in manifest["files"].items():
        path = folder / name
        try:
            data = path.read_bytes()
        except OSError:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: content differs from the manifest")
    return problems
