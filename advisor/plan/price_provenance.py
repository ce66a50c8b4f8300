"""Where each chosen cloud price comes from: its basis and date (issue 9 §4, report side).

``price_basis`` is ``listed`` (a published price), ``derived`` (computed from published
numbers, e.g. a zone median), ``derived_rule`` (an estimate by a documented rule, e.g. a
spot or reserved discount), ``user-catalog`` (a row from the user's ``--catalog``
directory, e.g. from ``advisor catalog update``) or ``user-override`` (the scenario's
``overrides.prices``); ``, discounted`` is appended when ``clouds.discounts`` applied.
Empty for owned hardware. ``price_as_of`` is the row's ``as_of``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from advisor.catalog import Catalog

PRICE_KEY = ["provider", "region", "hardware", "pricing"]


def with_price_provenance(assignments: pd.DataFrame, cat: Catalog) -> pd.DataFrame:
    """A new frame with ``price_basis`` and ``price_as_of`` columns for cloud rows."""
    p = cat.instance_prices.rename(columns={"instance_type": "hardware"})
    basis = p["basis"].astype(str)
    if "origin" in p.columns:
        basis = basis.where(p["origin"] != "user", "user-catalog")
    basis = basis.where(basis != "user", "user-override")
    if "overridden" in p.columns:  # a scenario discount on a listed price
        discounted = p["overridden"].astype(bool) & basis.ne("user-override")
        basis = basis.where(~discounted, basis + ", discounted")
    lookup = pd.DataFrame(
        {**{k: p[k] for k in PRICE_KEY}, "price_basis": basis, "price_as_of": p["as_of"]}
    ).drop_duplicates(PRICE_KEY)
    out = assignments.drop(columns=["price_basis", "price_as_of"], errors="ignore")
    out = out.merge(lookup, on=PRICE_KEY, how="left")
    cloud = out["tier"] == "cloud"
    out.loc[~cloud, ["price_basis", "price_as_of"]] = ""
    out[["price_basis", "price_as_of"]] = out[["price_basis", "price_as_of"]].fillna("")
    out.attrs = dict(assignments.attrs)
    return out


def age_text(as_of: str, today: dt.date | None = None) -> str:
    """'4 months old' style age of an ISO date ('' when unknown)."""
    try:
        then = dt.date.fromisoformat(str(as_of))
    except ValueError:
        return ""
    days = ((today or dt.date.today()) - then).days
    if days < 0:
        return "dated in the future"
    if days < 62:
        return f"{days} day old" if days == 1 else f"{days} days old"
    return f"{round(days / 30.4)} months old"


BASIS_WORDS = {
    "listed": "listed",
    "derived": "derived from listed",
    "derived_rule": "estimate by rule",
    "estimate": "estimate",
    "authored": "authored",
    "user-catalog": "user-updated",
    "user-override": "user override",
}


def basis_text(basis: str, as_of: str, today: dt.date | None = None) -> str:
    """'listed, 2026-07-30 (4 months old)'; '' for owned hardware."""
    if not basis:
        return ""
    head, _, tail = str(basis).partition(", ")
    words = BASIS_WORDS.get(head, head) + (f", {tail}" if tail else "")
    age = age_text(as_of, today)
    return f"{words}, {as_of} ({age})" if age else words
