"""Lifecycle cost rules of owned hardware, written once.

The objective (``plan/formulate``), the option costs (``options/costing``), the KPIs and
purchases (``plan/assemble``, ``plan/planner``), the capex schedule chart, FOCUS, the budget
accounting, the baselines, the break-even table and Monte Carlo re-costing all call these
functions; the verifier keeps its own independent copy of the formulas on purpose.

Replacement and residual value (a box priced P with useful life L, horizon h months)
    A box is bought in month 0 and replaced at the end of each useful life that starts
    inside the horizon: purchases at months 0, L, 2L, ... < h, i.e. n = ceil(h / L) of them.
    At the horizon end the last box still has (n L - h) of its L months left; its residual
    value is straight-line, P (n L - h) / L. Net capex over the horizon is therefore
        n P - P (n L - h) / L = P h / L,
    and the amortised capex is P / L every month, whatever the horizon. So a 120-month
    horizon with 60-month boxes buys twice (months 0 and 60) and ends with no residual;
    a 36-month horizon buys once and keeps 24/60 of the price as residual value.
Capex budgets
    ``capex_usd_max`` caps the up-front purchase (month 0, n = 1 per box): replacements
    fall in later budget cycles and are reported (``horizon_capex_gross_usd``), not capped.
Power (idle, typical and maximum draw of each SKU)
    An owned or bought box draws ``idle_kw`` every hour it exists, and the busy increment
    ``typical_kw - idle_kw`` for the hours it serves work, in proportion to the share of
    the box in use. Both are multiplied by the site PUE and price. Site power caps use the
    nameplate ``power_kw`` (what the feed must carry), never the typical draw.
Ops
    ``ops_usd_per_month`` (support contract + admin share) is paid per box owned or bought,
    not scaled by use.
Fixed and variable
    Per box per month, ``fixed = idle_kw x PUE x USD/kWh x 730 + ops`` is paid for every box
    installed (inventory and purchases); an option's own (variable) cost is only its busy
    power. For team chargeback (team opex budgets, per-workload cost tables) a box's fixed
    cost is shared by the units placed on it (``box_share``); fixed cost of capacity that no
    workload uses is reported as ``idle capacity``.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.schema.types import HOURS_IN_MONTH


def purchases_in_horizon(life_months, horizon_months: float):
    """n = ceil(h / L): the first purchase and every replacement inside the horizon."""
    life = np.asarray(life_months, dtype=float)
    return np.ceil(float(horizon_months) / life - 1e-9).astype(int)


def purchase_months(life_months: float, horizon_months: float) -> list[int]:
    """Months (0-based) when a box is bought or replaced: 0, L, 2L, ... < h."""
    n = int(purchases_in_horizon(life_months, horizon_months))
    return [round(i * float(life_months)) for i in range(n)]


def residual_value_usd(price_usd, life_months, horizon_months: float):
    """Straight-line value left at the horizon end: P (n L - h) / L."""
    life = np.asarray(life_months, dtype=float)
    n = purchases_in_horizon(life, horizon_months)
    return np.asarray(price_usd, dtype=float) * (n * life - float(horizon_months)) / life


def monthly_capex_usd(price_usd, life_months):
    """Amortised capex a month: P / L (replacements and residual value make it exact)."""
    return np.asarray(price_usd, dtype=float) / np.asarray(life_months, dtype=float)


def horizon_capex_usd(price_usd, life_months, horizon_months: float):
    """Net capex over the horizon: n P - residual = P h / L."""
    return monthly_capex_usd(price_usd, life_months) * float(horizon_months)


def gross_capex_usd(price_usd, life_months, horizon_months: float):
    """Cash paid for purchases over the horizon, replacements included: n P."""
    n = purchases_in_horizon(life_months, horizon_months)
    return np.asarray(price_usd, dtype=float) * n


def idle_power_usd_per_month(idle_kw, pue, usd_per_kwh):
    """Idle draw of one installed box, every hour of the month."""
    return np.asarray(idle_kw, dtype=float) * pue * usd_per_kwh * HOURS_IN_MONTH


def idle_energy_kwh_per_month(idle_kw, pue):
    """Facility energy of one installed box idling all month (for carbon)."""
    return np.asarray(idle_kw, dtype=float) * pue * HOURS_IN_MONTH


def box_fixed_usd_per_month(idle_kw, pue, usd_per_kwh, ops_usd_per_month):
    """What one installed box costs a month whether used or not: idle power + ops."""
    return idle_power_usd_per_month(idle_kw, pue, usd_per_kwh) + np.asarray(
        ops_usd_per_month, dtype=float
    )


def busy_energy_kwh(share, typical_kw, idle_kw, pue, hours):
    """Energy above idle of ``share`` of a box busy for ``hours``: share (typ - idle) PUE h."""
    inc = np.asarray(typical_kw, dtype=float) - np.asarray(idle_kw, dtype=float)
    return np.asarray(share, dtype=float) * inc * pue * hours


def box_cost_usd_per_month(price_usd, life_months, idle_kw, typical_kw, pue, usd_per_kwh, ops, u):
    """One owned box busy a fraction ``u`` of the month: capex + fixed + busy power."""
    busy = busy_energy_kwh(1.0, typical_kw, idle_kw, pue, u * HOURS_IN_MONTH) * usd_per_kwh
    return (
        monthly_capex_usd(price_usd, life_months)
        + box_fixed_usd_per_month(idle_kw, pue, usd_per_kwh, ops)
        + busy
    )


def breakeven_utilisation(
    price_usd: float,
    life_months: float,
    idle_kw: float,
    typical_kw: float,
    pue: float,
    usd_per_kwh: float,
    ops_usd_per_month: float,
    cloud_usd_per_hour: float,
) -> float:
    """Utilisation u* where owning one box costs what renting its cloud twin for u x 730 h
    does: P/L + fixed + u 730 (typ - idle) PUE c = u 730 p, so
    u* = (P/L + fixed) / (730 (p - (typ - idle) PUE c)); inf if the cloud is cheaper than
    the busy power alone."""
    fixed = float(box_fixed_usd_per_month(idle_kw, pue, usd_per_kwh, ops_usd_per_month))
    margin = cloud_usd_per_hour - (typical_kw - idle_kw) * pue * usd_per_kwh
    if margin <= 0:
        return math.inf
    return (price_usd / life_months + fixed) / (HOURS_IN_MONTH * margin)


def payback_months(
    price_usd: float,
    idle_kw: float,
    typical_kw: float,
    pue: float,
    usd_per_kwh: float,
    ops_usd_per_month: float,
    cloud_usd_per_hour: float,
    utilisation: float = 1.0,
) -> float:
    """Months after which the purchase price is recovered when the box is busy a fraction
    ``utilisation`` of the time instead of renting its cloud twin for those hours:
    P / (u 730 p - (fixed + u busy power)); inf if owning never catches up."""
    running = float(box_fixed_usd_per_month(idle_kw, pue, usd_per_kwh, ops_usd_per_month)) + float(
        busy_energy_kwh(utilisation, typical_kw, idle_kw, pue, HOURS_IN_MONTH) * usd_per_kwh
    )
    saving = utilisation * cloud_usd_per_hour * HOURS_IN_MONTH - running
    return price_usd / saving if saving > 0 else math.inf
