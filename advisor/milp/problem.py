"""The plain problem the solver seam takes, and the plain solution it returns.

Nothing here imports pulp. ``Problem`` is an option table plus coupling data; ``Solution``
is the chosen option rows, purchases and solver facts (status, objective, bound, gap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Budget:
    name: str  # e.g. "opex[all]", "capex[team:claims]"
    kind: str  # "opex" | "capex"
    scope: str  # "all" | "team:<id>"
    limit_usd: float


@dataclass(frozen=True)
class FlowSpec:
    name: str
    from_units: tuple[str, ...]
    to_units: tuple[str, ...]
    gb_per_month: float
    team: str = ""
    max_rtt_ms: float | None = None


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the MILP needs. Options rows are binaries; purchasables are integers.

    options: unit, workload, team, target, site, hardware, tier, provider, units, opex_usd,
             box_share_usd (share of its box's fixed cost, team budgets), risk, carbon_kg,
             obj_usd (objective coefficient)
    purchasables: site, sku, inventory, max_buy, box_units, power_kw, rack_units,
             list_price_usd, fixed_usd_per_month and idle_kg_per_month (per installed box),
             capex_obj_usd (objective coefficient of one purchase: capex + fixed costs)
    sites: site, max_kw, max_rack_units (inf = unlimited)
    flow_rates: target, provider, usd_per_gb_out, usd_per_gb_inter (same provider elsewhere)
    flow_rtt: src, dst, rtt_ms (flows with a max_rtt_ms only)
    """

    options: pd.DataFrame
    purchasables: pd.DataFrame
    sites: pd.DataFrame
    budgets: tuple[Budget, ...] = ()
    ha_groups: tuple[tuple[str, ...], ...] = ()
    colocate: tuple[tuple[str, ...], ...] = ()
    anti_affinity: tuple[tuple[str, ...], ...] = ()
    flows: tuple[FlowSpec, ...] = ()
    flow_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    flow_obj_factor: float = 1.0
    flow_rtt: pd.DataFrame = field(default_factory=pd.DataFrame)
    """RTT from each sender target of a flow with ``max_rtt_ms`` to every target: src,
    dst, rtt_ms (see ``advisor.options.flow_rtt``)."""
    risk_max: float | None = None
    carbon_max_kg: float | None = None
    team_capex: bool = False


@dataclass(frozen=True)
class SolverSettings:
    solver: str = "highs"
    time_limit_s: float = 120.0
    mip_gap: float = 1e-4
    threads: int | None = None
    msg: bool = False
    progress: Callable[[dict], None] | None = field(default=None, compare=False, repr=False)
    """Called during a HiGHS MIP (at most every :data:`advisor.milp.highs.PROGRESS_EVERY_S`)
    with ``elapsed_s``, ``incumbent`` (objective of the best plan so far or None), ``bound``
    and ``gap``; never with solver objects."""


@dataclass(frozen=True)
class SlackRecord:
    """One shortfall of an elastic re-solve: how far a requirement had to be relaxed.

    ``family`` is the constraint family (``capacity``, ``power``, ``budget`` ...), ``subject``
    what it constrains (``fra-dc1/hgx-h100-8``, ``team:claims``), ``amount`` the shortfall in
    ``unit``; ``name`` is the row's index name (``capacity[fra-dc1,hgx-h100-8]``).
    """

    name: str
    family: str
    subject: str
    amount: float
    unit: str = ""


@dataclass(frozen=True, eq=False)
class Solution:
    """What the solver found. ``chosen`` holds positions into ``Problem.options``."""

    status: str  # optimal | feasible | infeasible | limit_no_solution | error
    objective: float | None
    best_bound: float | None
    gap: float | None
    chosen: tuple[int, ...] = ()
    buys: dict[tuple[str, str], int] = field(default_factory=dict)
    flow_usd: dict[str, float] = field(default_factory=dict)
    slacks: tuple[SlackRecord, ...] = ()
    team_new: dict[tuple[str, str, str], float] = field(default_factory=dict)
    duals: dict[str, float] = field(default_factory=dict)
    solver: str = ""
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    n_variables: int = 0
    n_constraints: int = 0
    message: str = ""
    values: object = field(default=None, repr=False)
    """Column values of the solved model (numpy array), for warm-starting a neighbour."""

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")
