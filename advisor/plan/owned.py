"""Why a unit stays on an owned box that costs more, on paper, than a cloud alternative.

A unit on a site is shown with its share of its box's fixed cost (idle power and operations)
so that teams are charged for what they use. When the plan bought no box of that kind at that
site, the boxes are the inventory: their fixed cost is paid whether this unit runs there or
not, so what running it there adds is only its own variable cost (the busy-power increment
and its traffic, the option's ``opex_usd``). An alternative that is cheaper than the shown
share but dearer than that increment loses for this reason, not because of a limit or the
solver's gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from advisor.plan.binding import money

KEY = ["unit", "target", "hardware", "precision", "pricing"]
CENT = 0.5
"""USD per month below which two costs count as equal (the explanations' rounding)."""


@dataclass(frozen=True)
class SunkBox:
    """A unit on owned boxes whose fixed cost the plan pays anyway."""

    unit: str
    site: str
    sku: str
    shown_usd: float
    """USD a month the plan shows for the unit (its variable cost plus its box share)."""
    added_usd: float
    """USD a month running it there adds: the option's own variable cost."""

    @property
    def share_usd(self) -> float:
        """The unit's share of its boxes' fixed cost (paid with or without it)."""
        return max(self.shown_usd - self.added_usd, 0.0)

    def beats(self, alternative_usd: float) -> bool:
        """True when the alternative costs more than what running here adds."""
        return self.added_usd + CENT < alternative_usd

    def why(self, alternative_usd: float) -> str:
        """Why ``alternative_usd`` was not used, in one sentence."""
        return (
            f"the {self.sku} boxes at {self.site} are owned and already paid for: "
            f"{money(self.share_usd)}/month of the {money(self.shown_usd)} shown is this "
            f"unit's share of their idle power and operations, paid whether it runs there "
            f"or not, so running it there adds only {money(self.added_usd)}/month (busy "
            f"power and traffic), {money(alternative_usd - self.added_usd)}/month less than "
            "this alternative"
        )


def sunk_box(
    options: pd.DataFrame, assignments: pd.DataFrame, purchases: pd.DataFrame, unit: str
) -> SunkBox | None:
    """The :class:`SunkBox` of ``unit``, or ``None`` when it runs in the cloud, on boxes of
    a kind the plan buys at that site, or its option is not in ``options``."""
    rows = assignments[assignments["unit"] == unit]
    if rows.empty:
        return None
    a = rows.iloc[0]
    if a["tier"] == "cloud" or a["pricing"] != "owned" or not str(a["target"]).startswith("site:"):
        return None
    site, sku = str(a["target"])[5:], str(a["hardware"])
    if (
        len(purchases)
        and (
            (purchases["site"] == site) & (purchases["sku"] == sku) & (purchases["count"] > 0)
        ).any()
    ):
        return None
    mine = options.merge(rows[KEY].head(1), on=KEY, how="inner")
    if mine.empty:
        return None
    return SunkBox(
        unit=unit,
        site=site,
        sku=sku,
        shown_usd=float(a["total_usd"]),
        added_usd=float(mine["opex_usd"].iloc[0]),
    )
