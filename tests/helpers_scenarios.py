"""Small in-memory scenario builders shared by tests.

Each builder returns a plain dict in the scenario format, so a test can tweak it before
``build(...)`` validates it through :func:`advisor.schema.parse_scenario` (reference checks
included). Keep scenarios tiny: a few workloads, a few regions, one or two sites.
"""

from __future__ import annotations

import copy
from typing import Any

from advisor.catalog import Catalog
from advisor.schema import Scenario, parse_scenario, revalidate

EU_REGIONS = ("aws:eu-central-1", "aws:eu-west-1", "aws:eu-north-1", "gcp:europe-west4")
US_REGIONS = ("aws:us-east-1", "azure:eastus", "gcp:us-central1")

PLACES = {
    "frankfurt": ("DE", 50.11, 8.68),
    "paris": ("FR", 48.86, 2.35),
    "dublin": ("IE", 53.35, -6.26),
    "virginia": ("US", 38.95, -77.45),
}


def gpu_workload(
    wid: str, accelerator: str = "L4", replicas: int = 1, count: int = 1, **extra: Any
) -> dict:
    """A workload sized by a fixed replica count on one accelerator type."""
    return {
        "id": wid,
        "accelerators": {"count": count, "types": [accelerator]},
        "demand": {"replicas": replicas},
        **extra,
    }


def llm_workload(
    wid: str,
    params_billion: float = 7.0,
    requests_per_second: float = 2.0,
    tokens_per_request: int = 200,
    accelerator: str | None = "L4",
    variants: tuple[str, ...] = (),
    **extra: Any,
) -> dict:
    """An LLM inference workload sized by the roofline (optionally pinned to one accelerator)."""
    w = {
        "id": wid,
        "model": {
            "params_billion": params_billion,
            "precision": "fp16",
            "variants": list(variants),
        },
        "demand": {
            "requests_per_second": requests_per_second,
            "tokens_per_request": tokens_per_request,
        },
        **extra,
    }
    if accelerator:
        w["accelerators"] = {"types": [accelerator]}
    return w


def cpu_workload(
    wid: str, vcpus: int = 12, memory_gb: float = 48.0, replicas: int = 1, **extra: Any
) -> dict:
    """A CPU-only workload with a fixed replica count."""
    return {
        "id": wid,
        "cpu": {"vcpus": vcpus, "memory_gb": memory_gb},
        "demand": {"replicas": replicas},
        **extra,
    }


def site(
    sid: str,
    kind: str = "local",
    place: str = "frankfurt",
    inventory: dict[str, int] | None = None,
    can_buy: tuple[str, ...] = (),
    **extra: Any,
) -> dict:
    """An on-prem or edge site at one of :data:`PLACES`."""
    country, lat, lon = PLACES[place]
    return {
        "id": sid,
        "kind": kind,
        "country": country,
        "location": {"lat": lat, "lon": lon},
        "inventory": [{"sku": k, "count": n} for k, n in (inventory or {}).items()],
        "can_buy": list(can_buy),
        **extra,
    }


def location(lid: str, place: str = "paris") -> dict:
    country, lat, lon = PLACES[place]
    return {"id": lid, "country": country, "location": {"lat": lat, "lon": lon}}


def scenario_dict(
    workloads: list[dict],
    sites: list[dict] | None = None,
    regions: tuple[str, ...] = EU_REGIONS[:2],
    pricing: tuple[str, ...] = ("on_demand",),
    name: str = "test",
    **extra: Any,
) -> dict:
    """A scenario mapping restricted to ``regions`` and ``pricing`` (few options, fast)."""
    data: dict[str, Any] = {
        "name": name,
        "settings": {"horizon_months": 36, "mip_gap": 0.0, "time_limit_s": 60},
        "sites": sites or [],
        "clouds": {"allow_regions": list(regions), "pricing": list(pricing)},
        "workloads": workloads,
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def build(data: dict, catalog: Catalog | None = None) -> Scenario:
    """Validate a scenario mapping (a deep copy: the caller's dict is never shared).

    With ``catalog`` the references are checked against it instead of loading the catalog
    again (fast, for property tests that build hundreds of scenarios).
    """
    if catalog is None:
        return parse_scenario(copy.deepcopy(data))
    return revalidate(Scenario.model_validate(copy.deepcopy(data)), catalog)


def scenario(workloads: list[dict], **kw: Any) -> Scenario:
    """:func:`scenario_dict` + :func:`build` in one call."""
    return build(scenario_dict(workloads, **kw))
