"""The published JSON Schema of ``plan.json`` (``advisor schema --plan``).

Written out next to the code that writes the file (:meth:`advisor.plan.Plan.to_dict`); the
test suite validates every plan it writes against it.
"""

from __future__ import annotations

from typing import Any

from advisor.plan.result import PLAN_SCHEMA_VERSION
from advisor.schema.published import DIALECT

PLAN_ID = "urn:advisor:schema:plan:1"


def _num(description: str, *, minimum: float | None = None, nullable: bool = False) -> dict:
    kind: dict = {"type": "number"}
    if minimum is not None:
        kind["minimum"] = minimum
    if nullable:
        return {"description": description, "anyOf": [kind, {"type": "null"}]}
    return {"description": description, **kind}


def _str(description: str, **extra: Any) -> dict:
    return {"type": "string", "description": description, **extra}


def _int(description: str) -> dict:
    return {"type": "integer", "minimum": 0, "description": description}


def _records(description: str, properties: dict[str, dict], extra: bool = False) -> dict:
    return {
        "type": "array",
        "description": description,
        "items": {
            "type": "object",
            "required": sorted(properties),
            "properties": properties,
            "additionalProperties": extra,
        },
    }


OPTIONAL = frozenset({"cascades"})
"""Top-level keys a plan.json from an older advisor may lack."""

CASCADE = {
    "source": _str("Workload that escalates."),
    "target": _str("Workload that also serves the escalated requests."),
    "fraction": _num("Share of the source's requests escalated.", minimum=0),
    "escalated_rps": _num("Requests per second escalated on this edge.", minimum=0),
    "target_rps": _num("The target's whole (derived) request rate, per second.", minimum=0),
    "target_own_rps": _num("The target's own requests per second (0 if none).", minimum=0),
    "target_tokens_per_request": _int("The target's tokens per request (own or derived)."),
    "inherited_classification": _str("Classification the escalated requests carry."),
    "inherited_residency": _str("Residency they carry, per source (empty: anywhere)."),
    "source_at": _str("Target the source runs on."),
    "target_at": _str("Target the target workload runs on."),
    "request_gb_per_month": _num("Prompt traffic source -> target, GB per month.", minimum=0),
    "answer_gb_per_month": _num("Answer traffic target -> source, GB per month.", minimum=0),
    "flow_usd_per_month": _num("Transfer cost of both directions, USD per month.", minimum=0),
    "traffic_basis": _str("How the traffic was found (estimate or given)."),
}

DEPLOYMENT = {
    "workload": _str("Workload id."),
    "unit": _str("Placement unit."),
    "team": {"description": "Owning team.", "anyOf": [{"type": "string"}, {"type": "null"}]},
    "kind": _str(
        "inference (a service), training or batch (run to completion).",
        enum=["inference", "training", "batch"],
    ),
    "tier": _str("Tier of the target.", enum=["local", "edge", "cloud"]),
    "target": _str("`site:<id>` or `<provider>:<region>`."),
    "site": _str("Site id; empty in the cloud."),
    "provider": _str("Cloud provider; empty on a site."),
    "region": _str("Cloud region; empty on a site."),
    "instance_type": _str("Cloud instance type or hardware SKU."),
    "accelerator": _str("Accelerator id; empty for CPU-only."),
    "accelerators_per_replica": _int("Accelerators one replica holds."),
    "replicas": _int("Replicas of the unit."),
    "pricing": _str("Pricing model (on_demand, spot, reserved_1y, reserved_3y, owned)."),
    "use_spot": {"type": "boolean", "description": "The plan chose spot pricing."},
    "interruptible": {"type": "boolean", "description": "The workload accepts preemption."},
    "ha_group": _int("Replica group k of `ha_groups`."),
    "ha_groups": _int("Replica groups of the workload (on different targets when > 1)."),
    "vcpus_per_replica": _int("CPU request of one replica, vCPUs."),
    "memory_gb_per_replica": _int("Memory request of one replica, GB."),
    "disk_gb": _int("Local disk of one replica, GB (estimate)."),
    "precision": _str("Weights precision."),
    "model_weights_gb": {"type": "number", "minimum": 0, "description": "Model weights, GB."},
    "hours_per_month": {
        "type": "number",
        "minimum": 0,
        "description": "Hours a month the unit runs (a burst part: its step's hours).",
    },
}
INFINITY = {"enum": ["Infinity"], "description": "No limit (JSON has no infinity)."}
USD_M = "USD per month"
ASSIGNMENT = {
    "workload": _str("Workload id."),
    "unit": _str(
        "Placement unit: the workload, `<workload>#<group>` for an HA group, `<workload>~<step>`"
        " for a part of a split workload (`<workload>~<step>#<group>` with HA), or "
        "`<workload>/<shard>` and `<workload>/aggregator` for federated training."
    ),
    "team": _str("Owning team."),
    "tier": _str("Tier of the target.", enum=["local", "edge", "cloud"]),
    "target": _str("`site:<id>` or `<provider>:<region>`."),
    "site": _str("Site id; empty in the cloud."),
    "provider": _str("Cloud provider; empty on a site."),
    "region": _str("Cloud region; empty on a site."),
    "hardware": _str("Instance type or hardware SKU."),
    "accelerator": {
        "description": "Accelerator id; empty or null for CPU-only.",
        "type": ["string", "null"],
    },
    "precision": _str("Precision served (fp16, int8 ...)."),
    "pricing": _str("on_demand, spot, reserved_1y, reserved_3y or owned."),
    "gpus_per_replica": _num("Accelerators per replica.", minimum=0),
    "replicas": _num("Replicas.", minimum=0),
    "units": _num("Instances or replica slots used.", minimum=0),
    "billed_boxes": _num("Boxes billed or blocked (a share of a box counts).", minimum=0),
    "usd_per_hour": _num("Instance price in USD per hour (0 on owned hardware).", minimum=0),
    "compute_usd": _num(f"Compute cost, {USD_M}."),
    "egress_usd": _num(f"Data transfer cost, {USD_M}."),
    "power_usd": _num(f"Electricity cost, {USD_M}."),
    "ops_usd": _num(f"Operations cost, {USD_M}."),
    "opex_usd": _num(f"Operating cost, {USD_M}."),
    "capex_usd": _num(f"Amortised capex share, {USD_M}."),
    "total_usd": _num(f"Opex + amortised capex, {USD_M}."),
    "latency_ms": _num("Estimated latency in ms (round trip + compute).", minimum=0),
    "rtt_ms": _num("Network round trip in ms.", minimum=0),
    "rtt_basis": _str("Where the round trip comes from (measured, estimate, lan ...)."),
    "rtt_path": _str("For an estimate: backbone, public or `via <region>`; else empty."),
    "box_share_usd": _num(
        f"Of opex: the unit's share of its box's idle power and ops (sites), {USD_M}.", minimum=0
    ),
    "slo_ms": {
        "description": "Latency SLO in ms; `Infinity` when the workload has none.",
        "anyOf": [{"type": "number", "minimum": 0}, INFINITY],
    },
    "risk": _num("Privacy risk points.", minimum=0),
    "energy_kwh": _num("Energy in kWh per month.", minimum=0),
    "carbon_kg": _num("Emissions in kg CO2e per month.", minimum=0),
    "classification": _str("Data classification."),
    "price_basis": _str(
        "Where the cloud price comes from: listed, derived, derived_rule (an estimate by rule), "
        "user-catalog, user-override ('' for owned hardware)."
    ),
    "price_as_of": _str("Date (YYYY-MM-DD) of the cloud price ('' for owned hardware)."),
}
PURCHASE = {
    "site": _str("Site id."),
    "sku": _str("Hardware SKU bought."),
    "count": _int("Boxes bought."),
    "unit_price_usd": _num("Price per box in USD.", minimum=0),
    "capex_usd": _num("Price of all boxes in USD.", minimum=0),
    "useful_life_months": _num("Useful life in months.", minimum=0),
    "amortised_usd_per_month": _num(f"Amortised capex (count x price / life), {USD_M}.", minimum=0),
    "purchases_in_horizon": _int("Times each box is bought in the horizon (replacements)."),
    "purchase_months": _str("Months (0-based) of the purchase and each replacement."),
    "horizon_capex_gross_usd": _num("Cash for purchases and replacements, USD.", minimum=0),
    "residual_value_usd": _num("Straight-line value left at the horizon end, USD.", minimum=0),
    "fixed_usd_per_month": _num(f"Idle power and ops of the boxes bought, {USD_M}.", minimum=0),
    "power_kw": _num("Power per box in kW.", minimum=0),
    "rack_units": _num("Rack units per box.", minimum=0),
}
IDLE = {
    "site": _str("Site id."),
    "sku": _str("Hardware SKU."),
    "idle_boxes": _num("Boxes' worth of capacity unused.", minimum=0),
    "power_usd": _num(f"Idle power, {USD_M}.", minimum=0),
    "ops_usd": _num(f"Operations, {USD_M}.", minimum=0),
    "carbon_kg": _num("Idle emissions, kg CO2e per month.", minimum=0),
    "usd": _num(f"Idle power + ops, {USD_M}.", minimum=0),
}
BUDGET = {
    "scope": _str("`all` or `team:<id>`."),
    "kind": _str("opex (USD per month) or capex (USD).", enum=["opex", "capex"]),
    "limit_usd": _num("The budget's limit in USD (per month for opex).", minimum=0),
    "used_usd": _num("What the plan uses, USD (per month for opex)."),
    "utilisation": _num("used / limit (1 = binding)."),
}
SITE_USAGE = {
    "site": _str("Site id."),
    "kind": _str("local or edge."),
}
BASELINE = {
    "baseline": _str("all-cloud, all-on-prem or greedy."),
    "broken": {"type": "array", "items": {"type": "string"}, "description": "Limits it breaks."},
    "capex_usd": _num("Hardware bought, USD."),
    "monthly_usd": _num(f"Opex + amortised capex, {USD_M}."),
    "opex_usd": _num(f"Operating cost, {USD_M}."),
    "saving_usd_per_month": _num(
        f"What the plan saves against it, {USD_M}; null when the baseline is incomplete.",
        nullable=True,
    ),
    "workloads_placed": _int("Workloads the baseline could place."),
}
BURST_PART = {
    "workload": _str("Id of the split workload."),
    "part": _str("Part name: `<workload>~<step>`."),
    "step": _int("Step of the load profile (1 = the base)."),
    "fraction": _num("Fraction of the peak demand the part serves.", minimum=0),
    "hours_per_month": _num("Hours a month the part runs.", minimum=0),
    "units": _str("Its placement units (`<part>#<group>` with HA), comma-separated."),
    "tier": _str("Tier(s) of its targets."),
    "target": _str(
        "Where it runs: `site:<id>` or `<provider>:<region>` (comma-separated with HA)."
    ),
    "hardware": _str("Instance type(s) or SKU(s)."),
    "pricing": _str("Pricing model(s): on_demand, spot, reserved_1y, reserved_3y or owned."),
    "replicas": _num("Replicas over its units.", minimum=0),
    "monthly_usd": _num(f"Opex + amortised capex share of its units, {USD_M}."),
}
BURST_COMPARISON = {
    "workloads": {"type": "array", "items": {"type": "string"}, "description": "Split workloads."},
    "status": _str(
        "Solver status of the comparison solve (infeasible: no single target works), or "
        "`not computed (why)` when it was skipped or found no plan within the time limit."
    ),
    "method": _str("What the comparison is."),
    "plan_objective": _num("The plan's objective value."),
    "plan_monthly_usd": _num(f"The plan's monthly total, {USD_M}."),
    "saving_usd_per_month": _num(
        f"What splitting saves against the single-target placement, {USD_M}.", nullable=True
    ),
    "single_target_objective": _num(
        "Objective with the split workloads kept whole; null when none is feasible.", nullable=True
    ),
    "single_target_monthly_usd": _num(
        f"Monthly total with the split workloads kept whole, {USD_M}.", nullable=True
    ),
    "saving_objective": _num(
        "What splitting saves (single-target objective - plan objective).", nullable=True
    ),
    "single_target_placements": {
        "type": "object",
        "description": "Where each split workload would run whole.",
        "additionalProperties": {"type": "string"},
    },
}
KPIS = {
    "capex_usd": _num("New hardware bought, USD.", minimum=0),
    "carbon_kg_per_month": _num("Emissions in kg CO2e per month.", minimum=0),
    "flows_usd_per_month": _num(f"Transfer cost of data flows between workloads, {USD_M}."),
    "horizon_capex_gross_usd": _num("Cash for purchases and replacements, USD.", minimum=0),
    "residual_value_usd": _num("Value of bought boxes left at the horizon end, USD.", minimum=0),
    "monthly_idle_capacity_usd": _num(
        f"Idle power and ops of installed boxes no workload uses (in opex), {USD_M}.", minimum=0
    ),
    "horizon_months": _int("Planning horizon in months."),
    "horizon_tco_usd": _num("Total cost over the horizon, USD."),
    "monthly_capex_amortised_usd": _num(f"Amortised capex, {USD_M}."),
    "monthly_opex_usd": _num(f"Operating cost, {USD_M}."),
    "monthly_total_usd": _num(f"Opex + amortised capex, {USD_M}."),
    "privacy_risk": _num("Total privacy risk points.", minimum=0),
    "units": _int("Placement units."),
    "workloads": _int("Workloads placed."),
    "workloads_across_tiers": _int(
        "Workloads whose placement units run on more than one tier (split, sharded or HA)."
    ),
    "workloads_per_tier": {
        "type": "object",
        "description": "Workloads with at least one placement unit on each tier (a workload "
        "whose units span tiers counts on each).",
        "properties": {t: _int(f"Workloads on {t}.") for t in ("local", "edge", "cloud")},
        "required": ["local", "edge", "cloud"],
    },
}


def plan_schema() -> dict:
    """JSON Schema (2020-12) of ``plan.json`` (plan_schema_version 1).

    >>> plan_schema()["properties"]["plan_schema_version"]["const"]
    1
    """
    props: dict[str, dict] = {
        "plan_schema_version": {
            "const": PLAN_SCHEMA_VERSION,
            "description": "Version of this file format.",
        },
        "advisor_version": _str("advisor version that wrote the plan."),
        "catalog_version": _str("Catalog version the plan was priced with."),
        "scenario": _str("Scenario name."),
        "objective_kind": _str("tco, monthly_cost or weighted."),
        "horizon_months": _int("Planning horizon in months."),
        "status": _str("Solver status.", enum=["optimal", "feasible", "time_limit"]),
        "proven_optimal": {"type": "boolean", "description": "Optimality proven within the gap."},
        "objective": _num("Objective value (USD per month for tco and monthly_cost)."),
        "best_bound": _num("Best lower bound of the objective.", nullable=True),
        "gap": _num("Relative gap between objective and bound.", nullable=True),
        "solver": _str("Solver used."),
        "kpis": {
            "type": "object",
            "description": "Plan-wide totals.",
            "properties": KPIS,
            "required": sorted(set(KPIS) - {"workloads_across_tiers"}),  # new: older plans lack it
        },
        "assignments": _records(
            "Where each placement unit runs, and its monthly cost.", ASSIGNMENT
        ),
        "purchases": _records("Hardware bought.", PURCHASE),
        "idle_capacity": _records(
            "Installed boxes no workload uses: their idle power, ops and carbon a month.",
            IDLE,
        ),
        "flows_usd_per_month": {
            "type": "object",
            "description": f"Transfer cost per data flow, {USD_M}.",
            "additionalProperties": {"type": "number"},
        },
        "budgets": _records("How much of each budget the plan uses.", BUDGET, extra=True),
        "site_usage": _records(
            "Capacity installed and used per site (accelerators, vCPUs, kW, rack units).",
            SITE_USAGE,
            extra=True,
        ),
        "baselines": _records("Simple plans to compare with.", BASELINE, extra=True),
        "scenario_input": {
            "type": "object",
            "description": "The validated scenario the plan was made from (inventories merged "
            "in, defaults left out); a scenario file in JSON (see `advisor schema`).",
        },
        "sensitivity": {
            "type": "array",
            "description": "Binding limits and what relaxing each would save; `method` is "
            "`not computed (why)` for a limit not re-solved (on demand, or the time limit).",
            "items": {"type": "object"},
        },
        "deployment": _records(
            "What deploying each placement unit takes (read by `advisor export`).", DEPLOYMENT
        ),
        "cascades": _records(
            "Escalation edges (source -> target): fraction, derived demand, inherited data "
            "rules, where both ends landed, traffic and its cost; absent in plans written "
            "before escalation existed.",
            CASCADE,
        ),
        "burst": {
            "type": "object",
            "description": "Split workloads: their parts, and the plan against the best "
            "placement with them kept whole (null when no workload is split).",
            "required": ["parts", "comparison"],
            "additionalProperties": False,
            "properties": {
                "parts": _records("One row per part of a split workload.", BURST_PART),
                "comparison": {
                    "anyOf": [
                        {
                            "type": "object",
                            "required": sorted(BURST_COMPARISON),
                            "properties": BURST_COMPARISON,
                            "additionalProperties": False,
                        },
                        {"type": "null"},
                    ],
                    "description": "Split against single-target placement; null if none split.",
                },
            },
        },
        "federated": {
            "type": "object",
            "description": "Only with a federated training workload: `topology` (per shard: "
            "where it trains, where the aggregator runs, update GB and USD a month each way, "
            "round trip ms and its limit) and `centralised` (the same jobs trained in one "
            "place: offered, reasons when not, winner, why, metrics, targets).",
            "required": ["topology", "centralised"],
            "properties": {
                "topology": {"type": "array", "items": {"type": "object"}},
                "centralised": {
                    "type": "object",
                    "required": ["offered", "reasons"],
                    "properties": {
                        "offered": {"type": "boolean"},
                        "reasons": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Why it is not offered; `not computed (why)` "
                            "when the extra solve was skipped or stopped for time.",
                        },
                    },
                },
            },
        },
    }
    return {
        "$schema": DIALECT,
        "$id": PLAN_ID,
        "title": "advisor plan.json",
        "description": "A placement plan written by `advisor plan`. Floats keep full precision; "
        "an unbounded value is the string `Infinity`.",
        "type": "object",
        "required": sorted(set(props) - {"federated"} - OPTIONAL),
        "properties": props,
        "additionalProperties": False,
    }
