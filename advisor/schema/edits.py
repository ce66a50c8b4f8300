"""What-if edits: each returns a *new*, fully validated scenario; the original is untouched.

They are also methods on :class:`~advisor.schema.scenario.Scenario`::

    >>> from advisor.schema import example_path, load_scenario
    >>> scn = load_scenario(example_path("eu-insurer"))
    >>> cheaper = scn.with_prices(provider="aws", factor=0.8)
    >>> len(cheaper.overrides.prices) - len(scn.overrides.prices)
    1
    >>> scn.without_site("fra-dc1").sites == scn.sites
    False

Pass ``validate=False`` to chain several edits and validate once at the end with
:func:`advisor.schema.revalidate`. Otherwise every edit goes through :func:`advisor.schema.load.revalidate`, so an edit that breaks a
reference (an unknown workload, site or team) raises :class:`advisor.errors.InvalidScenario`
with a "did you mean" hint, never a silently wrong scenario.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from advisor.errors import InvalidScenario, Issue
from advisor.schema.types import is_classification

if TYPE_CHECKING:
    from advisor.schema.scenario import Scenario

KEEP: Any = object()
"""Sentinel: leave this field as it is (``None`` means *remove the limit*)."""


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    from advisor.schema.refs import did_you_mean as _dym  # refs imports the scenario module

    return _dym(value, choices)


def _fail(path: str, message: str, expected: str = "", hint: str = "") -> InvalidScenario:
    return InvalidScenario([Issue("<what-if edit>", None, path, message, expected, hint)])


def _ids(kind: str, wanted: Iterable[str] | str | None, known: list[str]) -> list[str]:
    if wanted is None:
        return list(known)
    items = [wanted] if isinstance(wanted, str) else list(wanted)
    for w in items:
        if w not in known:
            raise _fail(
                kind,
                f"unknown {kind} '{w}'",
                expected=f"one of {len(known)} {kind} ids",
                hint=did_you_mean(w, known) or f"{kind} ids: {', '.join(known[:8])}",
            )
    return items


EDIT_MARK = " (what-if: "
NAME_MAX = 200
"""``Scenario.name``'s maximum length; a derived name is shortened to fit."""


def derived_name(name: str, change: str) -> str:
    """The name of an edited scenario, so a comparison never reads "x → x".

    >>> derived_name("eu-insurer", "aws prices ×0.8")
    'eu-insurer (what-if: aws prices ×0.8)'
    >>> derived_name("eu-insurer (what-if: aws prices ×0.8)", "budget all ×0.9")
    'eu-insurer (what-if: aws prices ×0.8; budget all ×0.9)'
    """
    if name.endswith(")") and EDIT_MARK in name:
        base, _, changes = name[:-1].partition(EDIT_MARK)
        text = f"{base}{EDIT_MARK}{changes}; {change})"
    else:
        text = f"{name}{EDIT_MARK}{change})"
    if len(text) <= NAME_MAX:
        return text
    return text[: NAME_MAX - 2] + "…)"


def _num(x: Any) -> str:
    return "none" if x is None else f"{x:g}"


def _done(scn: Scenario, data: dict[str, Any], validate: bool, change: str) -> Scenario:
    from advisor.schema.load import revalidate

    data = {**data, "name": derived_name(scn.name, change)}
    draft = scn.model_construct(**{**dict(scn), **data})
    draft._base_dir = scn._base_dir
    return revalidate(draft) if validate else draft


def with_prices(
    scn: Scenario,
    provider: str | None = None,
    *,
    factor: float | None = None,
    usd_per_hour: float | None = None,
    region: str | None = None,
    instance_type: str | None = None,
    pricing: str | None = None,
    note: str = "what-if",
    validate: bool = True,
) -> Scenario:
    """Scale (``factor``) or set (``usd_per_hour``) cloud prices; ``provider=None`` means every
    provider in scope. Adds entries to ``overrides.prices`` (they compound with earlier ones)."""
    from advisor.schema.scenario import PriceOverride

    if (factor is None) == (usd_per_hour is None):
        raise _fail("overrides.prices", "give exactly one of factor or usd_per_hour")
    providers = [provider] if provider else list(scn.clouds.providers)
    new = [
        PriceOverride(
            provider=p,
            region=region,
            instance_type=instance_type,
            pricing=pricing,
            factor=factor,
            usd_per_hour=usd_per_hour,
            note=note,
        )
        for p in providers
    ]
    ov = scn.overrides.model_copy(update={"prices": (*scn.overrides.prices, *new)})
    what = " ".join(x for x in (provider or "cloud", pricing, region, instance_type) if x)
    how = f"×{factor:g}" if factor is not None else f"= ${usd_per_hour:g}/h"
    return _done(scn, {"overrides": ov}, validate, f"{what} prices {how}")


def with_hardware_prices(
    scn: Scenario, factor: float, sku: str | None = None, *, validate: bool = True
) -> Scenario:
    """Scale the list price of on-prem/edge boxes (all SKUs the scenario owns or may buy, or
    one ``sku``) through ``overrides.hardware``; the catalog row is copied, not modified."""
    from advisor.schema.load import catalog_for
    from advisor.schema.scenario import HardwareOverride

    if not (factor > 0 and math.isfinite(factor)):
        raise _fail("overrides.hardware", f"factor must be a positive number, got {factor!r}")
    used = sorted(
        {i.sku for s in scn.sites for i in s.inventory} | {k for s in scn.sites for k in s.can_buy}
    )
    skus = _ids("sku", sku, used)
    current = {h.sku: h for h in scn.overrides.hardware}
    hw = catalog_for(scn).hardware.set_index("sku")
    out = {k: v for k, v in current.items() if k not in skus}
    for k in skus:
        if k in current:
            out[k] = current[k].model_copy(
                update={"list_price_usd": current[k].list_price_usd * factor}
            )
            continue
        r = hw.loc[k]
        out[k] = HardwareOverride(
            sku=k,
            tier=str(r["tier"]),
            name=str(r["name"]),
            accelerator=str(r["accelerator"]) or None,
            accelerator_count=int(r["accelerator_count"]),
            vcpus=int(r["vcpus"]),
            memory_gb=float(r["memory_gb"]),
            list_price_usd=float(r["list_price_usd"]) * factor,
            power_kw=float(r["power_kw"]),
            idle_kw=float(r["idle_kw"]),
            typical_kw=float(r["typical_kw"]),
            rack_units=int(r["rack_units"]),
            useful_life_months=int(r["useful_life_months"]),
            ops_usd_per_month=float(r["ops_usd_per_month"]),
            note=f"what-if: catalog list price x{factor:g} ({r['source']}, {r['as_of']})",
        )
    ov = scn.overrides.model_copy(update={"hardware": tuple(out[k] for k in sorted(out))})
    return _done(scn, {"overrides": ov}, validate, f"{sku or 'hardware'} prices ×{factor:g}")


def with_budget(
    scn: Scenario,
    scope: str = "all",
    *,
    opex_usd_per_month_max: float | None = KEEP,
    capex_usd_max: float | None = KEEP,
    factor: float | None = None,
    validate: bool = True,
) -> Scenario:
    """Set, scale (``factor``) or remove (``None``) the budget of ``scope`` (``all`` or
    ``team:<id>``). A scope without a budget gets one."""
    from advisor.schema.scenario import Budget

    if scope != "all":
        team = scope.removeprefix("team:")
        _ids("team", team, list(scn.teams))
        scope = f"team:{team}"
    old = next((b for b in scn.budgets if b.scope == scope), None)
    opex = old.opex_usd_per_month_max if old else None
    capex = old.capex_usd_max if old else None
    if factor is not None:
        if old is None:
            raise _fail(
                "budgets",
                f"no budget for scope '{scope}' to scale",
                hint=did_you_mean(scope, [b.scope for b in scn.budgets])
                or "give opex_usd_per_month_max or capex_usd_max instead of factor",
            )
        opex = None if opex is None else opex * factor
        capex = None if capex is None else capex * factor
    if opex_usd_per_month_max is not KEEP:
        opex = opex_usd_per_month_max
    if capex_usd_max is not KEEP:
        capex = capex_usd_max
    others = [b for b in scn.budgets if b.scope != scope]
    if opex is not None or capex is not None:
        others.append(Budget(scope=scope, opex_usd_per_month_max=opex, capex_usd_max=capex))
    if factor is not None:
        how = f"×{factor:g}"
    else:
        parts = []
        if opex_usd_per_month_max is not KEEP:
            parts.append(f"opex {_num(opex_usd_per_month_max)}")
        if capex_usd_max is not KEEP:
            parts.append(f"capex {_num(capex_usd_max)}")
        how = ", ".join(parts) or "unchanged"
    return _done(scn, {"budgets": tuple(others)}, validate, f"budget {scope} {how}")


def with_slo(
    scn: Scenario,
    latency_slo_ms: float | None = KEEP,
    *,
    workloads: Iterable[str] | str | None = None,
    factor: float | None = None,
    validate: bool = True,
) -> Scenario:
    """Set (``latency_slo_ms``; ``None`` removes it) or scale (``factor`` < 1 tightens) the
    latency SLO of some workloads (default: all; with ``factor``, all that have one). A factor
    also scales the LLM targets ``ttft_ms`` and ``tpot_ms`` where they are set."""
    ids = set(_ids("workload", workloads, [w.id for w in scn.workloads]))
    if (factor is None) == (latency_slo_ms is KEEP):
        raise _fail("workloads[].latency_slo_ms", "give exactly one of latency_slo_ms or factor")
    out = []
    for w in scn.workloads:
        if w.id in ids:
            if factor is not None:
                scaled = {
                    k: getattr(w, k) * factor
                    for k in ("latency_slo_ms", "ttft_ms", "tpot_ms")
                    if getattr(w, k) is not None
                }
                if scaled:
                    w = w.model_copy(update=scaled)
            else:
                w = w.model_copy(update={"latency_slo_ms": latency_slo_ms})
        out.append(w)
    who = "" if workloads is None else " " + ",".join(sorted(ids))
    how = f"×{factor:g}" if factor is not None else f"= {_num(latency_slo_ms)} ms"
    return _done(scn, {"workloads": tuple(out)}, validate, f"SLO{who} {how}")


def with_demand(
    scn: Scenario,
    factor: float,
    *,
    workloads: Iterable[str] | str | None = None,
    validate: bool = True,
) -> Scenario:
    """Scale demand (requests, images, GPU-hours; a fixed replica count is rounded, at least
    1) of some workloads (default: all)."""
    if not (factor > 0 and math.isfinite(factor)):
        raise _fail("workloads[].demand", f"factor must be a positive number, got {factor!r}")
    ids = set(_ids("workload", workloads, [w.id for w in scn.workloads]))
    out = []
    for w in scn.workloads:
        if w.id in ids:
            d = w.demand
            upd: dict[str, Any] = {}
            for f in ("requests_per_second", "images_per_second", "gpu_hours_per_month"):
                if getattr(d, f) is not None:
                    upd[f] = getattr(d, f) * factor
            if not upd and d.replicas is not None:
                upd["replicas"] = max(1, round(d.replicas * factor))
            w = w.model_copy(update={"demand": d.model_copy(update=upd)})
        out.append(w)
    who = "" if workloads is None else " " + ",".join(sorted(ids))
    return _done(scn, {"workloads": tuple(out)}, validate, f"demand{who} ×{factor:g}")


def with_power_price(
    scn: Scenario,
    factor: float,
    *,
    sites: Iterable[str] | str | None = None,
    validate: bool = True,
) -> Scenario:
    """Scale the electricity price (``power.usd_per_kwh``) of some sites (default: all)."""
    if not (factor > 0 and math.isfinite(factor)):
        raise _fail("sites[].power", f"factor must be a positive number, got {factor!r}")
    ids = set(_ids("site", sites, [s.id for s in scn.sites]))
    out = tuple(
        s.model_copy(
            update={
                "power": s.power.model_copy(update={"usd_per_kwh": s.power.usd_per_kwh * factor})
            }
        )
        if s.id in ids
        else s
        for s in scn.sites
    )
    where = "" if sites is None else " " + ",".join(sorted(ids))
    return _done(scn, {"sites": out}, validate, f"power price{where} ×{factor:g}")


def without_site(scn: Scenario, site: str, *, validate: bool = True) -> Scenario:
    """Close a site: it hosts nothing. Its place stays as a location, so workloads whose
    requests or data come from there keep their latency and residency references."""
    from advisor.schema.scenario import Location

    _ids("site", site, [s.id for s in scn.sites])
    gone = next(s for s in scn.sites if s.id == site)
    place = Location(id=gone.id, country=gone.country, location=gone.location, name=gone.name)
    return _done(
        scn,
        {
            "sites": tuple(s for s in scn.sites if s.id != site),
            "locations": (*scn.locations, place),
        },
        validate,
        f"without {site}",
    )


def with_policy(
    scn: Scenario,
    classification: str,
    *,
    allowed_tiers: Iterable[str] | None = None,
    cloud_requires: Iterable[str] | None = None,
    validate: bool = True,
) -> Scenario:
    """Change what a data classification allows (tiers, controls a cloud target must offer);
    e.g. ``with_policy("phi", cloud_requires=["confidential_computing"])``."""
    from advisor.schema.scenario import DEFAULT_POLICIES

    _ids("classification", classification, list(DEFAULT_POLICIES))
    assert is_classification(classification), "_ids has checked it"
    pol = scn.policy(classification)
    upd: dict[str, Any] = {}
    if allowed_tiers is not None:
        upd["allowed_tiers"] = tuple(allowed_tiers)
    if cloud_requires is not None:
        upd["cloud_requires"] = tuple(cloud_requires)
    policies = {**scn.policies, classification: pol.model_copy(update=upd)}
    return _done(scn, {"policies": policies}, validate, f"{classification} policy changed")


def with_limits(
    scn: Scenario,
    *,
    privacy_risk_max: float | None = KEEP,
    carbon_kg_per_month_max: float | None = KEEP,
    validate: bool = True,
) -> Scenario:
    """Set or remove (``None``) the caps on total privacy risk and carbon."""
    upd = {}
    if privacy_risk_max is not KEEP:
        upd["privacy_risk_max"] = privacy_risk_max
    if carbon_kg_per_month_max is not KEEP:
        upd["carbon_kg_per_month_max"] = carbon_kg_per_month_max
    how = ", ".join(f"{k} {_num(v)}" for k, v in upd.items()) or "unchanged"
    return _done(scn, {"limits": scn.limits.model_copy(update=upd)}, validate, f"limits {how}")


def with_settings(scn: Scenario, *, validate: bool = True, **settings: Any) -> Scenario:
    """Change settings, e.g. ``with_settings(horizon_months=60, objective="monthly_cost")``."""
    from advisor.schema.scenario import Settings

    bad = sorted(set(settings) - set(Settings.model_fields))
    if bad:
        raise _fail(
            f"settings.{bad[0]}",
            f"unknown setting '{bad[0]}'",
            hint=did_you_mean(bad[0], list(Settings.model_fields)),
        )
    how = ", ".join(f"{k}={v}" for k, v in sorted(settings.items())) or "unchanged"
    return _done(
        scn, {"settings": scn.settings.model_copy(update=settings)}, validate, f"settings {how}"
    )
