"""CSV (and spreadsheet) formula-injection neutralisation, applied to every cell we write.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula, so a scenario name such as ``=cmd|' /C calc'!A0`` in ``focus.csv`` could
run a command when someone opens the file. Following OWASP's advice
(https://owasp.org/www-community/attacks/CSV_Injection), every *text* cell (and header) that
starts with one of those characters is prefixed with a single quote ``'``, which spreadsheets
show as text; the CSV writer then quotes cells as usual. Number cells are written as numbers
(a negative cost stays ``-12.5``), since a cell that parses as a number is never a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text that a spreadsheet would run as a formula.

    >>> neutralise_cell("=1+1"), neutralise_cell("-x"), neutralise_cell(-2.5), neutralise_cell("a")
    ("'=1+1", "'-x", -2.5, 'a')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    out.attrs = dict(frame.attrs)
    return out


def csv_text(frame: pd.DataFrame, **to_csv: Any) -> str:
    """``frame`` as neutralised CSV text (``index=False`` and ``\\n`` line ends by default)."""
    to_csv.setdefault("index", False)
    to_csv.setdefault("lineterminator", "\n")
    return neutralise_frame(frame).to_csv(**to_csv)
