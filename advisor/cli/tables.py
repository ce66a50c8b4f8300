"""Terminal tables that never break or truncate an id a user may copy.

A table is printed when every column fits the console at its natural width (ids on one
line); free-text columns (``wrap``) may wrap. When the ids alone do not fit (a narrow
terminal, 80 columns), each row becomes a short block instead: the first column on a line of
its own, then ``column: value`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

PADDING = 2
"""Spaces between two columns (rich's default padding of 1 each side)."""
WRAP_MIN = 16
"""Narrowest a wrapping column may become before the table gives way to blocks."""


def print_table(
    out: Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    right: Sequence[str] = (),
    wrap: Sequence[str] = (),
    optional: Sequence[str] = (),
) -> None:
    """Print ``rows`` (strings) under ``columns``; see the module docstring. Columns in
    ``optional`` are left out, in order, while the table would not fit otherwise."""
    width = {c: max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)}

    def need(cols: Sequence[str]) -> int:
        return sum(min(width[c], WRAP_MIN) if c in wrap else width[c] for c in cols) + (
            PADDING * len(cols)
        )

    keep = list(columns)
    for c in optional:
        if need(keep) <= out.width:
            break
        keep.remove(c)
    if need(keep) > out.width:
        _blocks(out, columns, rows, title)
        return
    if len(keep) < len(columns):
        dropped = ", ".join(c for c in columns if c not in keep)
        title = f"{title or ''} (not shown at this width: {dropped})".strip()
    idx = [list(columns).index(c) for c in keep]
    t = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for c in keep:
        if c in wrap:
            t.add_column(c, overflow="fold", min_width=min(width[c], WRAP_MIN))
        else:
            if c in right:
                t.add_column(c, justify="right", no_wrap=True, min_width=width[c])
            else:
                t.add_column(c, no_wrap=True, min_width=width[c])
    for r in rows:
        t.add_row(*(r[i] for i in idx))
    out.print(t)


def _blocks(
    out: Console, columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None
) -> None:
    if title:
        out.print(title, markup=False, highlight=False)
    label = max((len(c) for c in columns[1:]), default=0)
    for r in rows:
        out.print(r[0], markup=False, highlight=False, soft_wrap=True)
        for c, v in zip(columns[1:], r[1:], strict=True):
            if v:
                out.print(f"  {c:<{label}}  {v}", markup=False, highlight=False, soft_wrap=True)
