"""``advisor catalog diff OLD NEW``: which instance prices were added, removed or repriced.

``OLD`` and ``NEW`` are ``bundled`` or a user catalog directory; a directory is compared as
a plan sees it (the bundled catalog overlaid with the directory's rows). Results are tidy
frames: one row per changed price, largest absolute move first, and summaries by
provider, family and region.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.catalog.model import Catalog

KEY = ["provider", "region", "instance_type", "pricing"]
BUNDLED = "bundled"


@dataclass(frozen=True)
class CatalogDiff:
    """Changed prices (``changes``) and counts by provider, family and region."""

    old_label: str
    new_label: str
    changes: pd.DataFrame
    unchanged: int

    def summary(self, by: list[str]) -> pd.DataFrame:
        """Counts per change kind and the median/largest % move of repriced rows."""
        c = self.changes
        if c.empty:
            return pd.DataFrame(
                columns=[
                    *by,
                    "added",
                    "removed",
                    "repriced",
                    "median_change_pct",
                    "max_abs_change_pct",
                ]
            )
        counts = c.pivot_table(index=by, columns="change", values="pricing", aggfunc="count")
        counts = counts.reindex(columns=["added", "removed", "repriced"]).fillna(0).astype(int)
        rep = c[c["change"] == "repriced"].groupby(by)["change_pct"]
        out = counts.join(rep.median().rename("median_change_pct")).join(
            rep.apply(lambda s: s.abs().max()).rename("max_abs_change_pct")
        )
        out = out.reset_index()
        return out.sort_values("max_abs_change_pct", ascending=False, na_position="last")

    def to_dict(self, limit: int = 0) -> dict:
        rows = self.changes.head(limit) if limit else self.changes
        records = rows.replace({np.nan: None}).to_dict(orient="records")
        return {
            "old": self.old_label,
            "new": self.new_label,
            "counts": self.counts(),
            "unchanged": self.unchanged,
            "by_provider": _records(self.summary(["provider"])),
            "by_family": _records(self.summary(["provider", "family"])),
            "by_region": _records(self.summary(["provider", "region"])),
            "changes": records,
        }

    def counts(self) -> dict[str, int]:
        vc = self.changes["change"].value_counts()
        return {k: int(vc.get(k, 0)) for k in ("added", "removed", "repriced")}


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.replace({np.nan: None}).to_dict(orient="records")


def load_prices(which: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(instance_prices, instance_types, label) of ``bundled`` or a user catalog folder."""
    if str(which) == BUNDLED:
        cat = Catalog.load(None)
        label = f"bundled {cat.version}"
    else:
        cat = Catalog.load(Path(which))
        label = str(which)
    return cat.instance_prices, cat.instance_types, label


def diff_prices(
    old: pd.DataFrame,
    new: pd.DataFrame,
    types: pd.DataFrame,
    old_label: str = "old",
    new_label: str = "new",
    sort: str = "abs",
) -> CatalogDiff:
    """Rows added, removed and repriced from ``old`` to ``new``, largest moves first.

    ``sort="abs"`` orders by the USD/h move (an added or removed row counts its whole
    price), ``sort="pct"`` by the relative move (added and removed rows last).
    """
    cols = [*KEY, "usd_per_hour", "source", "as_of"]
    merged = old[cols].merge(new[cols], on=KEY, how="outer", suffixes=("_old", "_new"))
    o, n = merged["usd_per_hour_old"], merged["usd_per_hour_new"]
    change = np.select(
        [o.isna(), n.isna(), ~np.isclose(o, n, rtol=0, atol=1e-9)],
        ["added", "removed", "repriced"],
        default="same",
    )
    merged["change"] = change
    unchanged = int((merged["change"] == "same").sum())
    merged = merged[merged["change"] != "same"].copy()
    merged["change_usd_per_hour"] = merged["usd_per_hour_new"] - merged["usd_per_hour_old"]
    merged["change_pct"] = 100.0 * merged["change_usd_per_hour"] / merged["usd_per_hour_old"]
    fam = types[["provider", "instance_type", "family"]].drop_duplicates(
        ["provider", "instance_type"]
    )
    merged = merged.merge(fam, on=["provider", "instance_type"], how="left")
    merged["family"] = merged["family"].fillna("")
    moved = (
        merged["change_usd_per_hour"]
        .abs()
        .fillna(merged["usd_per_hour_new"].fillna(merged["usd_per_hour_old"]))
    )
    merged = merged.assign(_abs=moved, _pct=merged["change_pct"].abs())
    first, second = ("_abs", "_pct") if sort == "abs" else ("_pct", "_abs")
    merged = merged.sort_values(
        [first, second, *KEY],
        ascending=[False, False, True, True, True, True],
        na_position="last",
    )
    order = [
        "provider",
        "family",
        "region",
        "instance_type",
        "pricing",
        "change",
        "usd_per_hour_old",
        "usd_per_hour_new",
        "change_usd_per_hour",
        "change_pct",
        "source_old",
        "source_new",
        "as_of_old",
        "as_of_new",
    ]
    changes = merged[order].reset_index(drop=True)
    changes.attrs["unit"] = "USD per hour; change_pct in %"
    return CatalogDiff(old_label, new_label, changes, unchanged)


def diff_catalogs(old: str | Path, new: str | Path, sort: str = "abs") -> CatalogDiff:
    """Diff of two catalogs (``bundled`` or user catalog folders) as plans see them."""
    old_prices, old_types, old_label = load_prices(old)
    new_prices, new_types, new_label = load_prices(new)
    types = pd.concat([new_types, old_types]).drop_duplicates(["provider", "instance_type"])
    return diff_prices(old_prices, new_prices, types, old_label, new_label, sort)
