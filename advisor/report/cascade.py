"""The report's cascade section: each escalation edge with its fraction, derived demand,
inherited data rules, where both ends landed and what the escalated traffic costs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.plan.result import Plan


def cascades(plan: Plan) -> dict[str, Any] | None:
    """Rows of display strings for ``cascades.html.j2``; ``None`` without escalations. Each
    edge and placement keeps its two ends apart, so the table wraps between them."""
    f = plan.cascades
    if f.empty:
        return None
    rows = [
        {
            "edge": f"{c.source} → {c.target}",
            "source": c.source,
            "target": c.target,
            "fraction": f"{c.fraction:.0%}",
            "escalated_rps": f"{c.escalated_rps:,.3g}",
            "target_demand": f"{c.target_rps:,.3g} req/s ({c.target_own_rps:,.3g} own), "
            f"{c.target_tokens_per_request} tokens/request",
            "inherited": c.inherited_classification
            + (f"; residency {c.inherited_residency}" if c.inherited_residency else ""),
            "source_at": c.source_at.removeprefix("site:"),
            "target_at": c.target_at.removeprefix("site:"),
            "traffic": f"{c.request_gb_per_month:,.1f} / {c.answer_gb_per_month:,.1f}",
            "flow_usd": c.flow_usd_per_month,
            "basis": c.traffic_basis,
        }
        for c in f.itertuples(index=False)
    ]
    return {"rows": rows, "total_usd": float(f["flow_usd_per_month"].sum())}
