"""Reviewer statistics: why each unit went where it did, privacy and residency, provenance.

Vectorised over the rejections audit trail so a 10,000-workload plan explains itself in
seconds; ``Plan.explain`` gives the same facts as prose for one workload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from advisor.plan.owned import KEY, SunkBox, inventory_of, sunk_boxes
from advisor.report.fmt import money, signed_money
from advisor.report.places import endpoints, target_country
from advisor.schema.types import CONTROLS

if TYPE_CHECKING:
    from advisor.options import OptionSet
    from advisor.plan import Plan

SITE_PRICING = "owned"


def rejection_tiers(opts: OptionSet, keep: pd.Series | None = None) -> pd.DataFrame:
    """The rejections (those where ``keep`` is true, all by default) with the tier each one
    closed (a ``*`` target may close several)."""
    r = opts.rejections if keep is None else opts.rejections[keep.to_numpy()]
    tiers = opts.targets.set_index("target")["tier"]
    present = [t for t in ("local", "edge", "cloud") if t in set(tiers)]
    cloud_hw = set(opts.catalog.instance_types["instance_type"])
    tier = r["target"].map(tiers)
    star = r["target"].eq("*")
    is_cloud = star & (r["hardware"].isin(cloud_hw) | ~r["pricing"].isin(["*", SITE_PRICING]))
    is_site = star & ~is_cloud & r["pricing"].eq(SITE_PRICING)
    site_tiers = [t for t in present if t != "cloud"]
    tier_list = pd.Series([present] * len(r), index=r.index, dtype=object)
    tier_list[is_cloud] = pd.Series([["cloud"]] * int(is_cloud.sum()), index=r.index[is_cloud])
    tier_list[is_site] = pd.Series([site_tiers] * int(is_site.sum()), index=r.index[is_site])
    named = tier[~star].fillna("cloud")
    tier_list[~star] = named.map({t: [t] for t in pd.unique(named)})
    out = r[["unit", "workload", "target", "hardware", "rule", "detail"]].assign(tier=tier_list)
    return out.explode("tier").dropna(subset=["tier"]).reset_index(drop=True)


def rule_summary(opts: OptionSet) -> pd.DataFrame:
    """Per unit and rule: how many combinations it rejected and the first example."""
    r = opts.rejections
    cols = ["unit", "rule", "count", "example"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    g = r.groupby(["unit", "rule"], sort=True)
    out = g.size().rename("count").reset_index()
    out["example"] = g["detail"].first().to_numpy()
    return out[cols]


def closed_tiers(opts: OptionSet) -> pd.DataFrame:
    """Per unit and tier with no feasible option: the rules that closed it."""
    pool = pd.concat(
        [opts.options[["unit", "tier"]], opts.dominated.reindex(columns=["unit", "tier"])]
    )
    pairs = pool[["unit", "tier"]].drop_duplicates()
    open_pairs = pd.MultiIndex.from_frame(pairs)
    # only units with a tier not open can have one closed: the audit trail of the others
    # (most of its millions of rows at 10,000 workloads) is not expanded by tier
    present = {t for t in ("local", "edge", "cloud") if t in set(opts.targets["tier"])}
    n_open = pairs["tier"].isin(present).groupby(pairs["unit"]).sum()
    whole = set(n_open.index[n_open >= len(present)])
    rt = rejection_tiers(opts, keep=~opts.rejections["unit"].isin(whole))
    rt = rt[~pd.MultiIndex.from_frame(rt[["unit", "tier"]]).isin(open_pairs)]
    g = rt.groupby(["unit", "tier"])["rule"].agg(lambda s: ", ".join(decisive_rules(set(s))))
    return g.rename("rules").reset_index()


GENERIC_RULES = {"hardware", "cpu", "pricing"}
"""Rules that reject some combinations of every workload (an instance without the right
accelerator, spot for a non-interruptible job); they explain a closed tier only alone."""


def decisive_rules(rules: set[str]) -> list[str]:
    """The rules that explain why a tier closed, generic ones dropped when others exist."""
    specific = rules - GENERIC_RULES
    return sorted(specific or rules)


def _by_unit(frame: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in frame.to_dict(orient="records"):
        out.setdefault(r["unit"], []).append(r)
    return out


def placement_reasons(plan: Plan) -> pd.DataFrame:
    """Per unit: a one-line reason and the detail lines (alternatives, closed tiers, rules)."""
    a = plan.assignments
    alts = plan.alternatives
    others = alts[alts["tier"] != alts["chosen_tier"]].sort_values(["unit", "delta_usd", "tier"])
    present = [t for t in ("local", "edge", "cloud") if t in set(plan.options.targets["tier"])]
    alt = _by_unit(others)
    closed = _by_unit(closed_tiers(plan.options))
    rules = _by_unit(rule_summary(plan.options))
    owned = inventory_of(plan.scenario)
    # the chosen options only, indexed once for every unit that needs a sunk box
    chosen = plan.options.options.merge(a[KEY].drop_duplicates(), on=KEY, how="inner")
    dearer = [u for u in a["unit"] if alt.get(u) and alt[u][0]["delta_usd"] < 0]
    sunk = sunk_boxes(chosen, a, plan.purchases, dearer, owned)  # only these can it explain
    rows = []
    for unit, tier in zip(a["unit"], a["tier"], strict=True):
        shut = [r for r in closed.get(unit, []) if r["tier"] != tier]
        mine = alt.get(unit, [])
        reason, details = _reason(tier, mine, shut, present, sunk.get(unit))
        details += [
            f"rule {r['rule']}: rejected {r['count']:,} combination(s), e.g. {r['example']}"
            for r in rules.get(unit, [])
        ]
        rows.append({"unit": unit, "reason": reason, "details": details})
    frame = pd.DataFrame(rows, columns=["unit", "reason", "details"])
    frame.attrs["unit"] = "text"
    return frame


def _reason(tier: str, alt: list[dict], shut: list[dict], present: list[str], sunk: SunkBox | None):
    parts, details = [], []
    for r in alt:
        where = r["target"].removeprefix("site:")
        details.append(
            f"best {r['tier']} alternative: {where} {r['hardware']} ({r['pricing']}) "
            f"{signed_money(r['delta_usd'])}/month"
        )
    if alt:
        best = alt[0]
        word = "cheapest" if best["delta_usd"] >= 0 else "fits shared limits"
        if best["delta_usd"] < 0 and sunk is not None and sunk.beats(best["monthly_usd"]):
            paid = "bought boxes needed anyway" if sunk.bought else "owned box already paid for"
            word = f"{paid} (adds {money(sunk.added_usd)}/month)"
        parts.append(f"{word}; next best {best['tier']} {signed_money(best['delta_usd'])}/month")
    for r in shut:
        parts.append(f"no {r['tier']}: {r['rules']}")
        details.append(f"no {r['tier']} option: rejected by {r['rules']}")
    missing = set(present) - {tier} - {r["tier"] for r in alt} - {r["tier"] for r in shut}
    for t in sorted(missing):
        details.append(f"no {t} option")
    if not parts:
        parts.append(f"only {tier} options were feasible")
    return "; ".join(parts), details


def chosen_controls(plan: Plan) -> pd.DataFrame:
    """The controls offered by each unit's chosen option (all False on own sites)."""
    keys = ["unit", "target", "hardware", "precision", "pricing"]
    opts = plan.problem.options[keys + list(CONTROLS)].drop_duplicates(keys)
    m = plan.assignments[keys].merge(opts, on=keys, how="left")
    for c in CONTROLS:
        m[c] = m[c].fillna(False).astype(bool)
    return m


def privacy(plan: Plan) -> pd.DataFrame:
    """Per unit, for a privacy officer: the data, where it goes, the rule and what satisfied it."""
    scn = plan.scenario
    a = plan.assignments
    ctl = chosen_controls(plan).set_index("unit")[list(CONTROLS)]
    offered_by = {
        u: [c for c, on in zip(CONTROLS, row, strict=True) if on]
        for u, row in zip(ctl.index, ctl.to_numpy(), strict=True)
    }
    country = target_country(plan).to_dict()
    jur = plan.options.targets.set_index("target")["jurisdictions"].to_dict()
    place = endpoints(plan).set_index("id")["country"].to_dict()
    work = {w.id: w for w in scn.workloads}
    rows = []
    for r in a.to_dict(orient="records"):
        w = work[r["workload"]]
        pol = scn.policy(w.data.classification)
        offered = offered_by.get(r["unit"], [])
        src = w.data.source or ""
        src_country = str(place.get(src, "")) if src else ""
        tgt_country = str(country.get(r["target"], ""))
        residency = list(w.data.residency)
        rows.append(
            {
                "workload": r["workload"],
                "unit": r["unit"],
                "name": w.name,
                "classification": w.data.classification,
                "residency": ", ".join(residency) if residency else "anywhere",
                "source": src or "not stated",
                "source_country": src_country,
                "tier": r["tier"],
                "target": r["target"],
                "target_country": tgt_country,
                "jurisdictions": ", ".join(sorted(jur.get(r["target"], frozenset()))),
                "cross_border": bool(src_country and tgt_country and src_country != tgt_country),
                "allowed_tiers": ", ".join(pol.allowed_tiers),
                "required_controls": ", ".join(pol.cloud_requires) if r["tier"] == "cloud" else "",
                "controls_offered": ", ".join(offered),
                "egress_gb": w.data.egress_gb_per_month,
                "ingress_gb": w.data.ingress_gb_per_month,
                "risk": r["risk"],
                "justification": _justify(r, w, pol, offered, tgt_country, residency),
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["unit"] = "GB per month (data volumes); risk points"
    return frame


def _justify(r: dict, w, pol, offered: Sequence[str], country: str, residency: list[str]) -> str:
    cls = w.data.classification
    text = f"{cls} data may run on {', '.join(pol.allowed_tiers)}"
    if r["tier"] == "cloud":
        need = list(pol.cloud_requires)
        text += (
            f"; cloud requires {', '.join(need)}, all offered by {r['target']}"
            if need
            else "; cloud requires no specific control"
        )
    else:
        text += f"; kept on own {r['tier']} site {r['site']} (no third-party operator)"
    if residency:
        text += f"; processed in {country}, within the allowed {', '.join(residency)}"
    return text


def privacy_matrix(plan: Plan) -> pd.DataFrame:
    """Workloads per classification and tier."""
    a = plan.assignments.drop_duplicates(["workload", "tier"])
    m = pd.crosstab(a["classification"], a["tier"])
    m = m.reindex(columns=[t for t in ("local", "edge", "cloud")], fill_value=0)
    m.attrs["unit"] = "workloads"
    return m


def overridden_prices(plan: Plan) -> pd.DataFrame:
    """Chosen cloud options whose price is not the catalog's list price (discount/override)."""
    a = plan.assignments[plan.assignments["tier"] == "cloud"]
    p = plan.options.catalog.instance_prices
    p = p[p["overridden"]].rename(columns={"instance_type": "hardware"})
    cols = ["provider", "region", "hardware", "pricing"]
    m = a[["unit", *cols]].merge(p[[*cols, "usd_per_hour", "listed_usd_per_hour", "note"]], on=cols)
    m.attrs["unit"] = "USD per hour"
    return m.sort_values("unit").reset_index(drop=True)


def estimates_used(plan: Plan) -> pd.DataFrame:
    """What the plan rests on that is an estimate: RTTs and hardware rows, with counts."""
    a = plan.assignments
    hw = plan.options.catalog.hardware.set_index("sku")
    rows = []
    n_rtt = int((a["rtt_basis"] == "estimate").sum())
    if n_rtt:
        rows.append(
            {
                "what": "network RTT",
                "basis": "estimate",
                "detail": f"{n_rtt} of {len(a)} units use the distance-based RTT estimate",
            }
        )
    skus = sorted(set(a.loc[a["tier"] != "cloud", "hardware"]) | set(plan.purchases["sku"]))
    for sku in skus:
        if sku in hw.index and hw.at[sku, "basis"] in ("estimate", "user"):
            rows.append(
                {
                    "what": f"hardware {sku}",
                    "basis": str(hw.at[sku, "basis"]),
                    "detail": str(hw.at[sku, "note"]),
                }
            )
    frame = pd.DataFrame(rows, columns=["what", "basis", "detail"])
    frame.attrs["unit"] = "text"
    return frame
