"""Named sweep parameters: ``"price:aws"`` -> ``lambda scn, v: scn.with_prices("aws", factor=v)``.

=============================  =====================================================  ==========
parameter                      edit applied for value ``v``                           unit of v
=============================  =====================================================  ==========
``price``                      every cloud provider's prices x v                      factor
``price:<provider>``           one provider's prices x v (``price:aws``)               factor
``price:<provider>:<pricing>`` one pricing model (``price:gcp:spot``)                  factor
``hardware_price``             list price of every box the sites own or may buy x v   factor
``power_price``                electricity price at every site x v                    factor
``demand``                     every workload's demand x v                            factor
``demand:<workload>``          one workload's demand x v                              factor
``slo``                        every latency SLO x v (v < 1 tightens)                 factor
``slo:<workload>``             one workload's SLO set to v                            ms
``budget:<scope>``             opex budget of ``all`` or ``team:<id>`` set to v       USD/month
``capex_budget:<scope>``       capex budget set to v                                  USD
``risk_cap``                   ``limits.privacy_risk_max`` set to v                   points
``carbon_cap``                 ``limits.carbon_kg_per_month_max`` set to v            kgCO2e/month
``horizon_months``             ``settings.horizon_months`` set to v                   months
``escalation:<workload>``      the share of its requests it escalates set to v        fraction
=============================  =====================================================  ==========

Anything else: pass a function ``(scenario, value) -> scenario`` instead of a name.

>>> edit = parse("price:aws")
>>> edit.label
'price:aws (factor)'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from advisor.errors import InvalidScenario, Issue
from advisor.safeio.paths import clip
from advisor.schema.refs import did_you_mean
from advisor.schema.scenario import Scenario

Edit = Callable[[Scenario, Any], Scenario]


@dataclass(frozen=True)
class Parameter:
    """A named edit: ``apply(scenario, value)`` returns the edited scenario (validated)."""

    name: str
    unit: str
    edit: Edit
    nullable: bool = False
    """``None`` is a valid value (it removes a budget, SLO or cap)."""

    def apply(self, scn: Scenario, value: Any) -> Scenario:
        if value is None and not self.nullable:
            raise InvalidScenario(
                [
                    Issue(
                        "<sweep>",
                        None,
                        f"values ({self.name})",
                        "'none' is not a value of this parameter",
                        expected=f"a number ({self.unit})",
                    )
                ]
            )
        try:
            return self.edit(scn, value)
        except ValidationError as exc:  # an edit built a model from a bad argument
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InvalidScenario(
                [
                    Issue(
                        "<sweep>",
                        None,
                        f"parameter {clip(self.name, 80)}",
                        f"{field}: {clip(first['msg'], 200)}",
                        hint="see `advisor sweep --help` for the parameters",
                    )
                ]
            ) from None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})"


def _simple(name: str) -> tuple[str, Edit] | None:
    table: dict[str, tuple[str, Edit]] = {
        "price": ("factor", lambda s, v: s.with_prices(None, factor=float(v))),
        "hardware_price": ("factor", lambda s, v: s.with_hardware_prices(float(v))),
        "power_price": ("factor", lambda s, v: s.with_power_price(float(v))),
        "demand": ("factor", lambda s, v: s.with_demand(float(v))),
        "slo": ("factor", lambda s, v: s.with_slo(factor=float(v))),
        "risk_cap": ("points", lambda s, v: s.with_limits(privacy_risk_max=_opt(v))),
        "carbon_cap": ("kgCO2e/month", lambda s, v: s.with_limits(carbon_kg_per_month_max=_opt(v))),
        "horizon_months": ("months", lambda s, v: s.with_settings(horizon_months=int(v))),
    }
    return table.get(name)


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _scoped(head: str, arg: str) -> tuple[str, Edit] | None:
    if head == "price":
        provider, _, pricing = arg.partition(":")
        return (
            "factor",
            lambda s, v: s.with_prices(provider, factor=float(v), pricing=pricing or None),
        )
    if head == "demand":
        return "factor", lambda s, v: s.with_demand(float(v), workloads=[arg])
    if head == "slo":
        return "ms", lambda s, v: s.with_slo(_opt(v), workloads=[arg])
    if head == "budget":
        return "USD/month", lambda s, v: s.with_budget(arg, opex_usd_per_month_max=_opt(v))
    if head == "capex_budget":
        return "USD", lambda s, v: s.with_budget(arg, capex_usd_max=_opt(v))
    if head == "escalation":
        return "fraction", lambda s, v: s.with_escalation(arg, float(v))
    return None


NAMES = [
    "price",
    "price:<provider>",
    "price:<provider>:<pricing>",
    "hardware_price",
    "power_price",
    "demand",
    "demand:<workload>",
    "slo",
    "slo:<workload>",
    "budget:<scope>",
    "capex_budget:<scope>",
    "risk_cap",
    "carbon_cap",
    "horizon_months",
    "escalation:<workload>",
]


def parse(parameter: str | Edit, name: str | None = None) -> Parameter:
    """A :class:`Parameter` from a name in the table above, or from a function."""
    if callable(parameter):
        label = name or str(getattr(parameter, "__name__", "custom"))
        return Parameter(label, "value", parameter, nullable=True)
    head, _, arg = parameter.partition(":")
    found = _scoped(head, arg) if arg else _simple(head)
    if found is None:
        raise InvalidScenario(
            [
                Issue(
                    "<sweep>",
                    None,
                    "parameter",
                    f"unknown sweep parameter '{parameter}'",
                    expected=", ".join(NAMES),
                    hint=did_you_mean(
                        parameter, {n.split(":")[0] + (f":{arg}" if arg else "") for n in NAMES}
                    )
                    or "or pass a function (scenario, value) -> scenario",
                )
            ]
        )
    unit, fn = found
    nullable = head in ("slo", "budget", "capex_budget", "risk_cap", "carbon_cap") and (
        head != "slo" or bool(arg)
    )
    return Parameter(parameter, unit, fn, nullable)
