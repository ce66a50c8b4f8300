"""Cross-reference checks that need the whole scenario and the catalog.

Unknown sites, SKUs, regions, accelerators, teams and workloads are reported with
"did you mean ..." suggestions; duplicate ids are reported at their second occurrence.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from advisor.errors import Issue
from advisor.schema.scenario import Scenario
from advisor.schema.sourcemap import Loc, SourceMap, format_loc

if TYPE_CHECKING:
    from advisor.catalog import Catalog


def check_references(scn: Scenario, catalog: Catalog, smap: SourceMap) -> list[Issue]:
    """Every reference-level problem of a structurally valid scenario."""
    issues: list[Issue] = []

    def add(loc: Loc, message: str, choices: Iterable[str] = (), expected: str = "") -> None:
        file, line = smap.locate(loc)
        hint = did_you_mean(str(_value_at(scn, loc)), choices)
        issues.append(Issue(file, line, format_loc(loc), message, expected, hint))

    _duplicates(scn, add)
    skus = set(catalog.skus)
    regions = set(catalog.region_codes)
    bare = _bare_regions(regions)
    accels = set(catalog.accelerator_ids)
    places = {s.id for s in scn.sites} | {loc.id for loc in scn.locations}
    for i, site in enumerate(scn.sites):
        for j, item in enumerate(site.inventory):
            if item.sku not in skus:
                add(("sites", i, "inventory", j, "sku"), f"unknown hardware SKU '{item.sku}'", skus)
        for j, sku in enumerate(site.can_buy):
            if sku not in skus:
                add(("sites", i, "can_buy", j), f"unknown hardware SKU '{sku}'", skus)
    for field in ("allow_regions", "deny_regions"):
        for j, code in enumerate(getattr(scn.clouds, field)):
            if code not in regions and code not in bare:
                add(("clouds", field, j), f"unknown cloud region '{code}'", regions | set(bare))
            elif code in bare and len(bare[code]) > 1:
                add(
                    ("clouds", field, j),
                    f"region '{code}' exists at several providers",
                    expected="provider:region, e.g. " + sorted(bare[code])[0],
                )
    ids = {w.id for w in scn.workloads}
    teams = {w.team for w in scn.workloads}
    endpoints = places | regions
    for i, w in enumerate(scn.workloads):
        for field, value in (("data", w.data.source), ("requests_from", w.requests_from)):
            if value is not None and value not in endpoints and value not in bare:
                loc = ("workloads", i, "data", "source") if field == "data" else ("workloads", i, field)
                add(loc, f"unknown place '{value}'", endpoints, "a site id, a location id or provider:region")
        if w.accelerators is not None:
            for j, acc in enumerate(w.accelerators.types):
                if acc not in accels:
                    add(("workloads", i, "accelerators", "types", j), f"unknown accelerator '{acc}'", accels)
        ref = w.demand.reference_accelerator
        if w.demand.gpu_hours_per_month is not None and ref not in accels:
            add(("workloads", i, "demand", "reference_accelerator"), f"unknown accelerator '{ref}'", accels)
    for i, b in enumerate(scn.budgets):
        if b.scope.startswith("team:") and b.scope[5:] not in teams:
            add(("budgets", i, "scope"), f"no workload belongs to team '{b.scope[5:]}'", [f"team:{t}" for t in teams])
    ha = {w.id for w in scn.workloads if w.ha}
    for i, w in enumerate(scn.workloads):
        if w.latency_slo_ms is not None and not (w.requests_from or w.data.source):
            add(("workloads", i, "latency_slo_ms"), "a latency SLO needs to know where requests come from",
                expected="requests_from or data.source (a site, location or provider:region)")
    for i, rule in enumerate(scn.placement_rules):
        for j, wid in enumerate(rule.workloads):
            if wid not in ids:
                add(("placement_rules", i, "workloads", j), f"unknown workload '{wid}'", ids)
            elif rule.kind == "colocate" and wid in ha:
                add(("placement_rules", i, "workloads", j),
                    f"'{wid}' has ha groups, which are spread by definition; it cannot be co-located")
    for i, flow in enumerate(scn.flows):
        for field in ("from_workload", "to_workload"):
            if getattr(flow, field) not in ids:
                add(("flows", i, field), f"unknown workload '{getattr(flow, field)}'", ids)
            elif getattr(flow, field) in ha:
                add(("flows", i, field), "flows to or from an ha workload are not supported",
                    expected="a workload without ha groups")
    for i, ov in enumerate(scn.overrides.prices):
        if ov.region is not None and f"{ov.provider}:{ov.region}" not in regions:
            add(("overrides", "prices", i, "region"), f"unknown {ov.provider} region '{ov.region}'",
                [r.split(":", 1)[1] for r in regions if r.startswith(ov.provider + ":")])
        if ov.instance_type is not None and ov.instance_type not in set(catalog.instance_type_names):
            add(("overrides", "prices", i, "instance_type"), f"unknown instance type '{ov.instance_type}'",
                catalog.instance_type_names)
    for i, hw in enumerate(scn.overrides.hardware):
        if hw.accelerator and hw.accelerator not in accels:
            add(("overrides", "hardware", i, "accelerator"), f"unknown accelerator '{hw.accelerator}'", accels)
    return issues


def _duplicates(scn: Scenario, add) -> None:
    seen: dict[str, str] = {}
    for section in ("sites", "locations", "workloads"):
        for i, item in enumerate(getattr(scn, section)):
            kind = "place" if section != "workloads" else "workload"
            key = f"{kind}:{item.id}"
            if key in seen:
                add((section, i, "id"), f"duplicate id '{item.id}' (first used in {seen[key]})")
            else:
                seen[key] = f"{section}"
    teams_and_budgets: set[str] = set()
    for i, b in enumerate(scn.budgets):
        if b.scope in teams_and_budgets:
            add(("budgets", i, "scope"), f"a budget for '{b.scope}' is already defined")
        teams_and_budgets.add(b.scope)


def _bare_regions(regions: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for code in regions:
        out.setdefault(code.split(":", 1)[1], set()).add(code)
    return out


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'eu-central-1'?"`` for the closest choice, or ``""``.

    >>> did_you_mean("eu-centrl-1", ["eu-central-1", "us-east-1"])
    "did you mean 'eu-central-1'?"
    """
    pool = sorted(set(choices))
    close = difflib.get_close_matches(value, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[value.lower()]] if value.lower() in lowered else []
    return f"did you mean '{close[0]}'?" if close else ""


def _value_at(scn: Scenario, loc: Loc):
    node = scn
    for part in loc:
        node = node[part] if isinstance(part, int) else getattr(node, part, node)
    return node
