"""Reference checks of federated training workloads (called by :mod:`advisor.schema.refs`)."""

from __future__ import annotations

from collections.abc import Callable

from advisor.schema.scenario import Scenario


def check_federated(
    scn: Scenario, add: Callable[..., None], regions: set[str], bare: dict[str, set[str]]
) -> None:
    """Unknown shard sites and regions (with "did you mean"), ambiguous bare regions, and
    flows or placement rules that name a federated workload (its units are its shards and
    aggregator, which the update flows already connect)."""
    sites = {s.id for s in scn.sites}
    federated = {w.id for w in scn.workloads if w.federated is not None}
    for i, w in enumerate(scn.workloads):
        if w.federated is None:
            continue
        for j, shard in enumerate(w.federated.shards):
            loc = ("workloads", i, "federated", "shards", j)
            if shard.site is not None and shard.site not in sites:
                add(
                    (*loc, "site"),
                    f"shard '{shard.id}': unknown site '{shard.site}'",
                    sites,
                    "a site id from sites: " + (", ".join(sorted(sites)) or "(none defined)"),
                )
            if shard.region is not None:
                code = shard.region
                if code not in regions and code not in bare:
                    add(
                        (*loc, "region"),
                        f"shard '{shard.id}': unknown cloud region '{code}'",
                        regions | set(bare),
                        "provider:region as in the regions catalog, e.g. aws:eu-west-3",
                    )
                elif code in bare and len(bare[code]) > 1:
                    add(
                        (*loc, "region"),
                        f"shard '{shard.id}': region '{code}' exists at several providers",
                        expected="provider:region, e.g. " + sorted(bare[code])[0],
                    )
    for i, flow in enumerate(scn.flows):
        for field in ("from_workload", "to_workload"):
            if getattr(flow, field) in federated:
                add(
                    ("flows", i, field),
                    f"'{getattr(flow, field)}' is federated: its update flows are derived from "
                    "federated.rounds_per_month and update_gb_per_round",
                    expected="a workload without federated",
                )
    for i, rule in enumerate(scn.placement_rules):
        for j, wid in enumerate(rule.workloads):
            if wid in federated:
                add(
                    ("placement_rules", i, "workloads", j),
                    f"'{wid}' is federated: its shards train where their data lives and "
                    "cannot be co-located or spread by a rule",
                )
