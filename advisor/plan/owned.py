"""Why a unit stays on an owned box that costs more, on paper, than a cloud alternative.

A unit on a site is shown with its share of its box's fixed cost (idle power and operations)
so that teams are charged for what they use. When the plan bought no box of that kind at that
site, the boxes are the inventory: their fixed cost is paid whether this unit runs there or
not. When it bought some, they are paid anyway if every box installed (inventory plus bought)
would still be needed without this unit: ``used - own > (installed - 1) x box_units``. Either
way what running the unit there adds is only its own variable cost (the busy-power increment
and its traffic, the option's ``opex_usd``). An alternative that is cheaper than the shown
share but dearer than that increment loses for this reason, not because of a limit or the
solver's gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
    bought: int
    """Boxes of this kind the plan buys at the site (0: they are all inventory)."""
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
        whose = (
            "are owned and already paid for"
            if not self.bought
            else f"(with the {self.bought} this plan buys) would all be needed without it"
        )
        fixed = (
            "purchase, idle power and operations" if self.bought else "idle power and operations"
        )
        return (
            f"the {self.sku} boxes at {self.site} {whose}: "
            f"{money(self.share_usd)}/month of the {money(self.shown_usd)} shown is this "
            f"unit's share of their {fixed}, paid whether it runs there "
            f"or not, so running it there adds only {money(self.added_usd)}/month (busy "
            f"power and traffic), {money(alternative_usd - self.added_usd)}/month less than "
            "this alternative"
        )


def sunk_box(
    options: pd.DataFrame,
    assignments: pd.DataFrame,
    purchases: pd.DataFrame,
    unit: str,
    inventory: dict[tuple[str, str], int] | None = None,
) -> SunkBox | None:
    """The :class:`SunkBox` of ``unit``, or ``None`` when it runs in the cloud, its option
    is not in ``options``, or the plan buys boxes of its kind at its site and (with
    ``inventory``, boxes owned per (site, sku)) one fewer would do without it (without
    ``inventory``: whenever the plan buys such boxes)."""
    return sunk_boxes(options, assignments, purchases, [unit], inventory)[unit]


def sunk_boxes(
    options: pd.DataFrame,
    assignments: pd.DataFrame,
    purchases: pd.DataFrame,
    units: Iterable[str],
    inventory: dict[tuple[str, str], int] | None = None,
) -> dict[str, SunkBox | None]:
    """:func:`sunk_box` of each of ``units``, with the frames indexed once (a report asks
    for thousands of units at 10,000 workloads)."""
    first = assignments.drop_duplicates("unit").set_index("unit")
    units_of = assignments.groupby("unit", sort=False)["units"].sum()
    on_boxes = assignments.groupby(["target", "hardware"], sort=False)["units"].sum()
    mine = options.drop_duplicates(KEY).set_index(KEY)[["box_units", "opex_usd"]]
    bought_at = (
        purchases.groupby(["site", "sku"], sort=False)["count"].sum() if len(purchases) else None
    )
    out: dict[str, SunkBox | None] = {}
    for unit in units:
        out[unit] = None
        if unit not in first.index:
            continue
        a = first.loc[unit]
        target = str(a["target"])
        if a["tier"] == "cloud" or a["pricing"] != "owned" or not target.startswith("site:"):
            continue
        site, sku = target[5:], str(a["hardware"])
        key = (unit, a["target"], a["hardware"], a["precision"], a["pricing"])
        if key not in mine.index:
            continue
        box_units, opex = mine.loc[key]
        bought = int(bought_at.get((site, sku), 0)) if bought_at is not None else 0
        if bought:
            if inventory is None:
                continue
            others = float(on_boxes.get((a["target"], sku), 0.0) - units_of[unit])
            installed = inventory.get((site, sku), 0) + bought
            if others <= (installed - 1) * float(box_units) + 1e-9:
                continue  # without this unit one box fewer would do
        out[unit] = SunkBox(
            unit=unit,
            site=site,
            sku=sku,
            bought=bought,
            shown_usd=float(a["total_usd"]),
            added_usd=float(opex),
        )
    return out


def inventory_of(scenario: Any) -> dict[tuple[str, str], int]:
    """Boxes owned before the plan, per (site, sku)."""
    out: dict[tuple[str, str], int] = {}
    for s in scenario.sites:
        for item in s.inventory:
            out[(s.id, item.sku)] = out.get((s.id, item.sku), 0) + int(item.count)
    return out
