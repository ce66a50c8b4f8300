"""Explanations: why each workload landed where it did, and what else it could have done.

All vectorised over the option table: per unit, the chosen option; the cheapest feasible
alternative in each other tier with its monthly cost delta; and the rules that rejected the
options it never had (counted per rule, with the most relevant examples).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from advisor.options import OptionSet
from advisor.options.costing import standalone_monthly_usd
from advisor.plan.owned import SunkBox, sunk_box


def alternatives(opts: OptionSet, assignments: pd.DataFrame) -> pd.DataFrame:
    """Cheapest other feasible option per (unit, tier), dominated ones included, vs the
    chosen one (``delta_usd`` = alternative minus chosen, USD per month)."""
    pool = pd.concat([opts.options, opts.dominated], ignore_index=True)
    cols = [
        "unit",
        "tier",
        "target",
        "hardware",
        "precision",
        "pricing",
        "opex_usd",
        "box_share_usd",
        "capex_equiv_usd",
        "latency_ms",
    ]
    pool = pool[cols].copy()
    pool["monthly_usd"] = standalone_monthly_usd(pool)
    # the chosen option is not its own alternative (its capex-equivalent price differs from
    # what the plan pays when it runs on owned boxes)
    key = ["unit", "target", "hardware", "precision", "pricing"]
    mine = pool[key].merge(assignments[key].drop_duplicates(), how="left", indicator=True)
    pool = pool[(mine["_merge"] == "left_only").to_numpy()]
    best = pool.sort_values(
        ["unit", "tier", "monthly_usd", "target"], kind="mergesort"
    ).drop_duplicates(["unit", "tier"])
    chosen = assignments.set_index("unit")[["tier", "target", "total_usd"]]
    best = best.merge(
        chosen.rename(
            columns={"tier": "chosen_tier", "target": "chosen_target", "total_usd": "chosen_usd"}
        ),
        left_on="unit",
        right_index=True,
        how="inner",
    )
    best["delta_usd"] = best["monthly_usd"] - best["chosen_usd"]
    best.attrs["unit"] = "USD per month"
    return best.reset_index(drop=True)


def rejection_summary(opts: OptionSet, unit: str | None = None, top: int = 3) -> pd.DataFrame:
    """Per unit and rule: how many combinations it rejected and up to ``top`` example details."""
    r = opts.rejections
    if unit is not None:
        r = r[r["unit"] == unit]
    if r.empty:
        return pd.DataFrame(columns=["unit", "rule", "count", "examples"])
    g = r.groupby(["unit", "rule"], sort=True)
    out = g.size().rename("count").reset_index()
    ex = g["detail"].agg(lambda s: list(dict.fromkeys(s))[:top]).rename("examples").reset_index()
    return out.merge(ex, on=["unit", "rule"])


def rejection_tiers(opts: OptionSet, r: pd.DataFrame) -> list[list[str]]:
    """For each rejection row of ``r``, the tiers it closes (``*`` targets span tiers)."""
    tiers = opts.targets.set_index("target")["tier"]
    present = set(tiers)
    cloud_types = _cloud_types(opts)
    out = []
    for rec in r.itertuples(index=False):
        if rec.target == "*":
            keys = ["local", "edge"] if rec.pricing == "owned" else ["local", "edge", "cloud"]
            if rec.pricing not in ("*", "owned") or (
                rec.hardware != "*" and rec.hardware in cloud_types
            ):
                keys = ["cloud"]
            keys = [k for k in keys if k in present]
        else:
            keys = [tiers.get(rec.target, "cloud")]
        out.append(keys)
    return out


def tier_rejections(opts: OptionSet, unit: str) -> dict[str, list[str]]:
    """Per tier, the distinct rules that rejected the unit's options there (pipeline order)."""
    r = opts.rejections[opts.rejections["unit"] == unit]
    out: dict[str, list[str]] = {}
    for rule, keys in zip(r["rule"], rejection_tiers(opts, r), strict=True):
        for k in keys:
            out.setdefault(k, [])
            if rule not in out[k]:
                out[k].append(rule)
    return out


def rtt_source(basis: str, path: str, target: str = "") -> str:
    """How an RTT to ``target`` was obtained, for readers: measured, LAN, or which estimate.

    >>> rtt_source("estimate", "via aws:us-east-1")
    'estimated: public internet to aws:us-east-1, then its measured RTT'
    >>> rtt_source("lan", "", "aws:eu-west-3")
    'same region (LAN, authored)'
    """
    if basis == "measured":
        return "measured"
    if basis == "lan":
        cloud = ":" in target and not target.startswith("site:")
        return f"same {'region' if cloud else 'site'} (LAN, authored)"
    if basis == "none":
        return "no network hop"
    if str(path).startswith("via "):
        return f"estimated: public internet to {path[4:]}, then its measured RTT"
    kind = {"backbone": "provider backbone", "public": "public internet"}.get(path, path)
    return f"estimated from distance ({kind} curve)"


def explain_text(
    opts: OptionSet,
    assignments: pd.DataFrame,
    alts: pd.DataFrame,
    workload: str,
    reasons: Callable[[str, str, str, str], list[str]] | None = None,
    purchases: pd.DataFrame | None = None,
    inventory: dict[tuple[str, str], int] | None = None,
) -> str:
    """A reviewer-readable paragraph for one workload. ``reasons(unit, target, hardware,
    team)`` names the limits that bind against an option (:mod:`advisor.plan.binding`);
    with ``purchases`` (and ``inventory``, boxes owned per (site, sku)), a unit on boxes that
    are paid for anyway says so (:mod:`advisor.plan.owned`) when that is why a
    cheaper-looking alternative lost."""
    rows = assignments[assignments["workload"] == workload]
    if rows.empty:
        raise KeyError(f"no workload '{workload}' in the plan")
    lines = []
    for a in rows.itertuples(index=False):
        sunk = (
            sunk_box(opts.options, assignments, purchases, a.unit, inventory)
            if purchases is not None
            else None
        )

        where = a.target.removeprefix("site:")
        lines.append(
            f"{a.unit}: {a.tier} at {where} on {a.hardware} ({a.precision}, {a.pricing}), "
            f"${a.total_usd:,.0f}/month; latency {a.latency_ms:.0f} ms"
            + (f" vs SLO {a.slo_ms:.0f} ms" if a.slo_ms != float("inf") else "")
            + f" (RTT {a.rtt_ms:.0f} ms, {rtt_source(a.rtt_basis, a.rtt_path, a.target)})"
            + f"; risk {a.risk:.2f}; {a.carbon_kg:,.0f} kgCO2e/month."
        )
        others = alts[(alts["unit"] == a.unit) & (alts["tier"] != a.tier)]
        for o in others.itertuples(index=False):
            line = (
                f"  best {o.tier} alternative: {o.target.removeprefix('site:')} {o.hardware} "
                f"({o.pricing}) ${o.monthly_usd:,.0f}/month ({o.delta_usd:+,.0f})"
            )
            if o.delta_usd < -0.5:  # cheaper, yet not chosen: name what binds
                line += "; not used: " + _why(reasons, sunk, a, o.target, o.hardware, o.monthly_usd)
            lines.append(line)
        same = alts[(alts["unit"] == a.unit) & (alts["tier"] == a.tier)]
        if len(same):
            o = same.iloc[0]
            place = f"{o['target'].removeprefix('site:')} on {o['hardware']} ({o['pricing']})"
            if o["delta_usd"] < -0.5:  # cheaper on its own, yet not chosen: name what binds
                lines.append(
                    f"  the cheapest {a.tier} option alone, {place} at "
                    f"${o['monthly_usd']:,.0f}/month, was not used: "
                    + _why(reasons, sunk, a, o["target"], o["hardware"], float(o["monthly_usd"]))
                )
            elif o["target"] != a.target:
                lines.append(
                    f"  next best {a.tier} option: {place} ${o['monthly_usd']:,.0f}/month "
                    f"({o['delta_usd']:+,.0f})"
                )
        missing = {"local", "edge", "cloud"} - set(others["tier"]) - {a.tier}
        by_tier = tier_rejections(opts, a.unit)
        present = set(opts.targets["tier"])
        for t in sorted(missing):
            rules = by_tier.get(t, [])
            if t not in present:
                lines.append(f"  no {t} option: the scenario has no {t} target")
            elif rules:
                lines.append(f"  no {t} option: rejected by {', '.join(rules)}")
        summary = rejection_summary(opts, a.unit, top=1)
        for s in summary.itertuples(index=False):
            lines.append(
                f"  rule {s.rule}: rejected {s.count} combination(s), e.g. {s.examples[0]}"
            )
    return "\n".join(lines)


def _why(reasons, sunk: SunkBox | None, a, target: str, sku: str, alternative_usd: float) -> str:
    """Why the cheaper option (``target``, ``sku``) was not used for the chosen row ``a``: the
    limits that bind against it, else the owned boxes being paid for anyway, else a tie."""
    found = reasons(a.unit, target, sku, a.team) if reasons else []
    if found:
        return "; ".join(found)
    if sunk is not None and sunk.beats(alternative_usd):
        return sunk.why(alternative_usd)
    return "no limit binds against it; the plans tie within the solver's optimality gap"


def _cloud_types(opts: OptionSet) -> set[str]:
    return set(opts.catalog.instance_types["instance_type"])
