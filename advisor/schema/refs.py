"""Cross-reference checks that need the whole scenario and the catalog.

Unknown sites, SKUs, regions, accelerators, teams and workloads are reported with
"did you mean ..." suggestions; duplicate ids are reported at their second occurrence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from advisor.errors import Issue
from advisor.schema.escalation import check_escalations
from advisor.schema.federated_refs import check_federated
from advisor.schema.presets import preset_names
from advisor.schema.scenario import Scenario
from advisor.schema.sourcemap import Loc, SourceMap, format_loc

if TYPE_CHECKING:
    from advisor.catalog import Catalog

_SKU_EXPECTED = "a hardware SKU from the catalog (hardware.csv) or from overrides.hardware"
_ACCEL_EXPECTED = (
    "an accelerator id from the catalog (accelerators.csv), e.g. H100, L40S, A100-80GB"
)


def check_references(scn: Scenario, catalog: Catalog, smap: SourceMap) -> list[Issue]:
    """Every reference-level problem of a structurally valid scenario."""
    issues: list[Issue] = []

    def add(
        loc: Loc, message: str, choices: Iterable[str] = (), expected: str = "", hint: str = ""
    ) -> None:
        file, line = smap.locate(loc)
        hint = did_you_mean(str(_value_at(scn, loc)), choices) or hint
        issues.append(Issue(file, line, smap.path_for(loc, file), message, expected, hint))

    def where(loc: Loc) -> str:
        file, line = smap.locate(loc)
        at = format_loc(loc) if file == smap.default_file else file
        return at if line is None else f"{at} (line {line})"

    _duplicates(scn, add, where)
    skus = set(catalog.skus) | {h.sku for h in scn.overrides.hardware}
    regions = set(catalog.region_codes)
    bare = _bare_regions(regions)
    accels = set(catalog.accelerator_ids)
    places = {s.id for s in scn.sites} | {loc.id for loc in scn.locations}
    for i, site in enumerate(scn.sites):
        for j, item in enumerate(site.inventory):
            if item.sku not in skus:
                add(
                    ("sites", i, "inventory", j, "sku"),
                    f"unknown hardware SKU '{item.sku}'",
                    skus,
                    _SKU_EXPECTED,
                )
        for j, sku in enumerate(site.can_buy):
            if sku not in skus:
                add(
                    ("sites", i, "can_buy", j), f"unknown hardware SKU '{sku}'", skus, _SKU_EXPECTED
                )
    for field in ("allow_regions", "deny_regions"):
        for j, code in enumerate(getattr(scn.clouds, field)):
            if code not in regions and code not in bare:
                add(
                    ("clouds", field, j),
                    f"unknown cloud region '{code}'",
                    regions | set(bare),
                    "provider:region as in the regions catalog, e.g. aws:eu-central-1",
                )
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
                loc = (
                    ("workloads", i, "data", "source")
                    if field == "data"
                    else ("workloads", i, field)
                )
                add(
                    loc,
                    f"unknown place '{value}'",
                    endpoints,
                    "a site id, a location id or provider:region",
                )
        if w.model is not None and w.model.preset is not None:
            presets = preset_names()
            if w.model.preset not in presets:
                add(
                    ("workloads", i, "model", "preset"),
                    f"unknown model preset '{w.model.preset}'",
                    presets,
                    "a model preset, e.g. llama-3.1-8b, llama-3.1-70b, mixtral-8x7b, qwen2.5-7b",
                    hint="advisor size --list-presets shows them all",
                )
        if w.accelerators is not None:
            for j, acc in enumerate(w.accelerators.types):
                if acc not in accels:
                    add(
                        ("workloads", i, "accelerators", "types", j),
                        f"unknown accelerator '{acc}'",
                        accels,
                        _ACCEL_EXPECTED,
                    )
        ref = w.demand.reference_accelerator
        if w.demand.gpu_hours_per_month is not None and ref not in accels:
            add(
                ("workloads", i, "demand", "reference_accelerator"),
                f"unknown accelerator '{ref}'",
                accels,
                _ACCEL_EXPECTED,
            )
    for i, b in enumerate(scn.budgets):
        if b.scope.startswith("team:") and b.scope[5:] not in teams:
            add(
                ("budgets", i, "scope"),
                f"no workload belongs to team '{b.scope[5:]}'",
                [f"team:{t}" for t in teams],
                "'all' or 'team:<team>' for one of the teams: " + _some(teams),
            )
    ha = {w.id for w in scn.workloads if w.ha}
    split = {w.id for w in scn.workloads if w.split}
    for i, w in enumerate(scn.workloads):
        if w.latency_slo_ms is not None and not (w.requests_from or w.data.source):
            add(
                ("workloads", i, "latency_slo_ms"),
                "a latency SLO needs to know where requests come from",
                expected="requests_from or data.source (a site, location or provider:region)",
                hint="add requests_from: <the site or location id where the users are>",
            )
    for i, rule in enumerate(scn.placement_rules):
        first: dict[str, int] = {}
        for j, wid in enumerate(rule.workloads):
            if wid in first:
                add(
                    ("placement_rules", i, "workloads", j),
                    f"'{wid}' is listed twice in this {rule.kind} rule "
                    f"(first at workloads[{first[wid]}])",
                    hint="list each workload once",
                )
                continue
            first[wid] = j
            if wid not in ids:
                add(
                    ("placement_rules", i, "workloads", j),
                    f"unknown workload '{wid}'",
                    ids,
                    "a workload id: " + _some(ids),
                )
            elif rule.kind == "colocate" and wid in ha:
                add(
                    ("placement_rules", i, "workloads", j),
                    f"'{wid}' has ha groups, which are spread by definition; "
                    "it cannot be co-located",
                )
            elif rule.kind == "colocate" and wid in split:
                add(
                    ("placement_rules", i, "workloads", j),
                    f"'{wid}' is split: its load steps may run on different targets, so it "
                    "cannot be co-located",
                    hint="drop split: true, or the workload from the colocate rule",
                )
    for i, flow in enumerate(scn.flows):
        for field in ("from_workload", "to_workload"):
            if getattr(flow, field) not in ids:
                add(
                    ("flows", i, field),
                    f"unknown workload '{getattr(flow, field)}'",
                    ids,
                    "a workload id: " + _some(ids),
                )
            elif getattr(flow, field) in ha:
                add(
                    ("flows", i, field),
                    "flows to or from an ha workload are not supported",
                    expected="a workload without ha groups",
                )
    check_escalations(scn, add, _some)
    check_federated(scn, add, regions, bare)
    if scn.uncertainty is not None:
        for i, d in enumerate(scn.uncertainty.demand):
            for j, wid in enumerate(d.workloads):
                if wid not in ids:
                    add(
                        ("uncertainty", "demand", i, "workloads", j),
                        f"unknown workload '{wid}'",
                        ids,
                        "a workload id: " + _some(ids),
                    )
        for i, p in enumerate(scn.uncertainty.prices):
            if p.region is not None and f"{p.provider}:{p.region}" not in regions:
                add(
                    ("uncertainty", "prices", i, "region"),
                    f"unknown {p.provider} region '{p.region}'",
                    [r.split(":", 1)[1] for r in regions if r.startswith(p.provider + ":")],
                    f"a {p.provider} region id",
                )
    for i, ov in enumerate(scn.overrides.prices):
        if ov.region is not None and f"{ov.provider}:{ov.region}" not in regions:
            add(
                ("overrides", "prices", i, "region"),
                f"unknown {ov.provider} region '{ov.region}'",
                [r.split(":", 1)[1] for r in regions if r.startswith(ov.provider + ":")],
            )
        if ov.instance_type is not None and ov.instance_type not in set(
            catalog.instance_type_names
        ):
            add(
                ("overrides", "prices", i, "instance_type"),
                f"unknown instance type '{ov.instance_type}'",
                catalog.instance_type_names,
            )
    for i, hw in enumerate(scn.overrides.hardware):
        if hw.accelerator and hw.accelerator not in accels:
            add(
                ("overrides", "hardware", i, "accelerator"),
                f"unknown accelerator '{hw.accelerator}'",
                accels,
            )
    return issues


def _duplicates(scn: Scenario, add, where) -> None:
    seen: dict[str, Loc] = {}
    for section in ("sites", "locations", "workloads"):
        for i, item in enumerate(getattr(scn, section)):
            kind = "place" if section != "workloads" else "workload"
            key = f"{kind}:{item.id}"
            if key in seen:
                hint = (
                    "workload ids must be unique; rename one of them"
                    if kind == "workload"
                    else "sites and locations share one set of ids; rename one of them"
                )
                add(
                    (section, i, "id"),
                    f"duplicate id '{item.id}', already used by {where(seen[key])}",
                    hint=hint,
                )
            else:
                seen[key] = (section, i)
    teams_and_budgets: dict[str, Loc] = {}
    for i, b in enumerate(scn.budgets):
        if b.scope in teams_and_budgets:
            add(
                ("budgets", i, "scope"),
                f"a budget for '{b.scope}' is already defined at "
                f"{where(teams_and_budgets[b.scope])}",
                hint="merge the two budgets into one",
            )
        else:
            teams_and_budgets[b.scope] = ("budgets", i, "scope")


def _bare_regions(regions: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for code in regions:
        out.setdefault(code.split(":", 1)[1], set()).add(code)
    return out


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'eu-central-1'?"`` for the closest choice, or ``""``.

    Case is ignored; choices that share the value's first word (``hgx`` in ``hgx-h100-80``,
    ``H100`` in ``H100-80G``) are preferred over merely similar strings.

    >>> did_you_mean("eu-centrl-1", ["eu-central-1", "us-east-1"])
    "did you mean 'eu-central-1'?"
    >>> did_you_mean("H100-80G", ["A100-80GB", "H100", "H100-NVL"])
    "did you mean 'H100'?"
    """
    pool = sorted(set(choices))
    lowered = {c.lower(): c for c in pool}
    key = value.lower()
    if key in lowered:
        return f"did you mean '{lowered[key]}'?" if lowered[key] != value else ""
    head = _first_word(key)
    same_head = [c for c in lowered if _first_word(c) == head]
    for candidates in (same_head, list(lowered)):
        close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{lowered[close[0]]}'?"
    return ""


def _first_word(text: str) -> str:
    return re.split(r"[-_:.\s]", text, maxsplit=1)[0]


def _some(values: Iterable[str], limit: int = 8) -> str:
    shown = sorted(set(values))
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def _value_at(scn: Scenario, loc: Loc):
    node: Any = scn  # a model, a tuple or a value, as the walk goes down
    for part in loc:
        node = node[part] if isinstance(part, int) else getattr(node, part, node)
    return node
