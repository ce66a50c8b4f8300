"""A saved ``plan.json`` read back for checking: the verifier re-runs on it without solving.

``plan.json`` carries the validated scenario it was planned from (``scenario_input``,
inventories merged in), its floats at full precision and unbounded values as ``Infinity``,
so a saved plan re-checks exactly as the plan did when it was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.errors import InvalidScenario, Issue
from advisor.plan.compare import load_plan_json

if TYPE_CHECKING:
    from advisor.catalog import Catalog
    from advisor.plan.verify import Verification
    from advisor.schema.scenario import Scenario


@dataclass(frozen=True, eq=False)
class SavedPlan:
    """What the verifier reads of a plan (see :func:`advisor.plan.verify.verify_plan`)."""

    scenario: Scenario
    assignments: pd.DataFrame
    purchases: pd.DataFrame
    flows_usd: dict[str, float]
    objective: float
    kpis: dict[str, Any]
    document: dict = field(repr=False, default_factory=dict)


def _bad(path: Path, message: str, hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue(str(path), None, "", message, hint=hint)])


def load_saved_plan(path: str | Path, scenario: Scenario | None = None) -> SavedPlan:
    """Read ``plan.json``; ``scenario`` replaces the one it carries (e.g. an edited copy)."""
    from advisor.schema.load import parse_scenario

    path = Path(path)
    try:
        doc = load_plan_json(path)
    except (OSError, ValueError) as exc:
        raise _bad(path, f"cannot read the plan: {exc}") from None
    if not isinstance(doc, dict) or "assignments" not in doc:
        raise _bad(path, "not an advisor plan.json (no assignments)")
    if scenario is None:
        if "scenario_input" not in doc:
            raise _bad(
                path,
                "this plan.json does not carry its scenario (written by an older advisor)",
                hint="pass --scenario SCENARIO.yaml",
            )
        scenario = parse_scenario(doc["scenario_input"], name=f"{path} (scenario_input)")
    return SavedPlan(
        scenario=scenario,
        assignments=pd.DataFrame(doc["assignments"]),
        purchases=pd.DataFrame(doc.get("purchases", [])),
        flows_usd=dict(doc.get("flows_usd_per_month", {})),
        objective=float(doc["objective"]),
        kpis=dict(doc["kpis"]),
        document=doc,
    )


def verify_saved(
    path: str | Path, scenario: Scenario | None = None, catalog: Catalog | None = None
) -> Verification:
    """Re-check a saved plan with the independent verifier (base catalog as loaded)."""
    from advisor.plan.verify import verify_plan
    from advisor.schema.load import catalog_for

    saved = load_saved_plan(path, scenario)
    cat = catalog if catalog is not None else catalog_for(saved.scenario)
    return verify_plan(saved, cat)  # type: ignore[arg-type]  # has every field verify_plan reads


def explain_saved(
    path: str | Path, scenario: Scenario, workload: str, catalog: Catalog | None = None
) -> str:
    """:meth:`advisor.plan.Plan.explain` for a saved plan: the options are rebuilt (no
    solve) and the placement, usage and budgets are read from ``plan.json``."""
    from advisor.options import build_options
    from advisor.plan.binding import binding_reasons
    from advisor.plan.explain import alternatives, explain_text
    from advisor.plan.owned import inventory_of
    from advisor.schema.load import catalog_for

    saved = load_saved_plan(path, scenario)
    doc = saved.document
    if doc.get("scenario") != scenario.name:
        raise _bad(
            Path(path),
            f"this plan is of scenario '{doc.get('scenario')}', not '{scenario.name}'",
            hint="explain a plan with the scenario it was made from",
        )
    opts = build_options(scenario, catalog if catalog is not None else catalog_for(scenario))
    a = saved.assignments
    site_usage = pd.DataFrame(doc.get("site_usage", []))
    budgets = pd.DataFrame(
        doc.get("budgets", []), columns=["scope", "kind", "limit_usd", "used_usd", "utilisation"]
    )

    def reasons(unit: str, target: str, sku: str, team: str) -> list[str]:
        return binding_reasons(
            scenario,
            site_usage,
            budgets,
            saved.purchases,
            saved.kpis,
            opts.catalog.hardware,
            unit,
            target,
            sku,
            team,
        )

    from types import SimpleNamespace

    from advisor.plan.burst import explain_split, from_document
    from advisor.plan.cascade import cascade_frame, explain_lines
    from advisor.plan.federated import federated_lines

    view = SimpleNamespace(
        scenario=scenario, assignments=a, flows_usd=saved.flows_usd, options=opts
    )
    text = explain_text(
        opts,
        a,
        alternatives(opts, a),
        workload,
        reasons=reasons,
        purchases=saved.purchases,
        inventory=inventory_of(scenario),
    )
    text = "\n".join([*federated_lines(view, workload), text])  # type: ignore[arg-type]  # a view with the Plan fields it reads
    text += explain_split(*from_document(doc), workload)
    flows = doc.get("flows_usd_per_month") or {}
    cascade = explain_lines(cascade_frame(scenario, a, flows), workload)
    return "\n".join([text, *cascade]) if cascade else text
