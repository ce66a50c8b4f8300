"""Seeded synthetic fleets: the documented recipe behind the SaaS example and the benchmark.

Recipe (all draws from ``random.Random(seed)``, so the same seed gives the same fleet):

* sites: ``n_sites`` split 60/40 between local data centres and edge sites over a fixed list
  of US and EU metros; each local site owns 0-2 GPU servers, may buy HGX H100/H200, L40S,
  L4 and CPU servers, has a power cap of 30-120 kW and 20-84 rack units; edge sites may buy
  Jetson and L4 edge boxes under a 1-5 kW cap;
* workloads: a mix of templates with weights: chat LLMs (7-70B, 0.5-12 req/s), embeddings
  (0.3-1B), RAG rerankers, vision at the edge (10-80 images/s, 15-40 ms SLO), fine-tuning
  (50-800 GPU-hours), CPU batch; each gets a team (``team-00`` ..), a classification drawn
  from public 10% / internal 35% / confidential 25% / pii 20% / phi 7% / special 3%, and a
  residency of EU or US depending on its home metro (40% of them unrestricted if public or
  internal); edge vision is internal or confidential (special data may not leave local);
* budgets: an overall opex cap at 3x the all-cloud on-demand list estimate is not known up
  front, so the overall cap is set per workload (USD 2,500/month each) and team caps at
  USD 4,000/month per member workload; capex cap USD 400k per local site.
"""

from __future__ import annotations

import random
from typing import Any

METROS = [
    ("fra", "DE", 50.11, 8.68),
    ("ams", "NL", 52.37, 4.90),
    ("par", "FR", 48.86, 2.35),
    ("dub", "IE", 53.35, -6.26),
    ("mil", "IT", 45.46, 9.19),
    ("mad", "ES", 40.42, -3.70),
    ("waw", "PL", 52.23, 21.01),
    ("sto", "SE", 59.33, 18.07),
    ("muc", "DE", 48.14, 11.58),
    ("vie", "AT", 48.21, 16.37),
    ("nyc", "US", 40.71, -74.01),
    ("iad", "US", 38.95, -77.45),
    ("chi", "US", 41.88, -87.63),
    ("dal", "US", 32.78, -96.80),
    ("sfo", "US", 37.77, -122.42),
    ("sea", "US", 47.61, -122.33),
    ("atl", "US", 33.75, -84.39),
    ("den", "US", 39.74, -104.99),
    ("bos", "US", 42.36, -71.06),
    ("phx", "US", 33.45, -112.07),
]
CLASSES = [
    ("public", 10),
    ("internal", 35),
    ("confidential", 25),
    ("pii", 20),
    ("phi", 7),
    ("special_category", 3),
]
LOCAL_SKUS = ["hgx-h100-8", "hgx-h200-8", "l40s-4", "l4-2", "cpu-2s-128"]
EDGE_SKUS = ["jetson-agx-orin-64", "jetson-orin-nx-16", "l4-edge-1"]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def sites(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        code, country, lat, lon = METROS[i % len(METROS)]
        local = i % 5 < 3
        site: dict[str, Any] = {
            "id": f"{'dc' if local else 'edge'}-{code}-{i:02d}",
            "kind": "local" if local else "edge",
            "country": country,
            "location": {
                "lat": round(lat + rng.uniform(-0.2, 0.2), 4),
                "lon": round(lon + rng.uniform(-0.2, 0.2), 4),
            },
            "power": {
                "max_kw": rng.choice([30, 60, 90, 120]) if local else rng.choice([1, 2, 5]),
                "usd_per_kwh": round(rng.uniform(0.08, 0.28), 3),
                "pue": round(rng.uniform(1.2, 1.6), 2),
            },
            "can_buy": LOCAL_SKUS if local else EDGE_SKUS,
            "max_buy_per_sku": 4 if local else 20,
        }
        if local:
            site["space"] = {"rack_units": rng.choice([20, 42, 84])}
            owned = rng.choice([[], ["l40s-4"], ["hgx-h100-8"], ["l4-2", "cpu-2s-128"]])
            site["inventory"] = [{"sku": s, "count": 1} for s in owned]
        out.append(site)
    return out


def workload(rng: random.Random, i: int, site_list: list[dict[str, Any]]) -> dict[str, Any]:
    home = rng.choice(site_list)
    eu = home["country"] != "US"
    cls = _pick(rng, CLASSES)
    residency = ["EU"] if eu else ["US"]
    if cls in ("public", "internal") and rng.random() < 0.4:
        residency = []
    kind = _pick(
        rng,
        [
            ("chat", 30),
            ("embed", 15),
            ("rerank", 10),
            ("vision", 20),
            ("finetune", 15),
            ("batch", 10),
        ],
    )
    w: dict[str, Any] = {
        "id": f"wl-{i:05d}",
        "team": f"team-{rng.randrange(0, 20):02d}",
        "data": {
            "classification": cls,
            "residency": residency,
            "source": home["id"],
            "ingress_gb_per_month": rng.choice([0, 10, 50, 200]),
            "egress_gb_per_month": rng.choice([1, 5, 20, 100]),
        },
    }
    if kind == "chat":
        params = rng.choice([7, 8, 13, 34, 70])
        w |= {
            "kind": "inference",
            "model": {"params_billion": params, "precision": "fp16", "variants": ["int8"]},
            "demand": {
                "requests_per_second": round(rng.uniform(0.5, 12), 1),
                "tokens_per_request": rng.choice([200, 400, 800]),
            },
            "latency_slo_ms": rng.choice([300, 500, 1000]),
        }
    elif kind in ("embed", "rerank"):
        w |= {
            "kind": "inference",
            "model": {"params_billion": rng.choice([0.3, 0.6, 1.0]), "precision": "fp16"},
            "demand": {
                "requests_per_second": round(rng.uniform(5, 80), 1),
                "tokens_per_request": 256,
            },
            "latency_slo_ms": rng.choice([100, 200]),
        }
    elif kind == "vision":
        w["data"]["classification"] = rng.choice(["internal", "confidential"])
        w |= {
            "kind": "inference",
            "model": {"params_billion": 0.025, "precision": "int8"},
            "demand": {"images_per_second": rng.randint(10, 80)},
            "latency_slo_ms": rng.choice([15, 25, 40]),
        }
    elif kind == "finetune":
        w |= {
            "kind": "training",
            "model": {"params_billion": rng.choice([1, 3, 7]), "precision": "bf16"},
            "demand": {"gpu_hours_per_month": rng.randint(50, 800)},
            "interruptible": rng.random() < 0.7,
        }
    else:
        w |= {
            "kind": "batch",
            "cpu": {"vcpus": rng.choice([8, 16, 32]), "memory_gb": 64},
            "demand": {
                "replicas": rng.randint(1, 4),
                "hours_per_month": rng.choice([100, 200, 730]),
            },
            "interruptible": rng.random() < 0.5,
        }
    return w


def fleet(
    n_workloads: int,
    n_sites: int = 50,
    seed: int = 7,
    name: str | None = None,
    capacity_scale: float = 1.0,
) -> dict[str, Any]:
    """A scenario mapping with ``n_workloads`` workloads over ``n_sites`` sites.

    ``capacity_scale`` multiplies every site's power cap, rack units and purchase limit and
    the capex cap per local site (after all random draws, so the fleet is otherwise the
    same): with the fixed 50 sites, 10,000 workloads need about 10x the site capacity of
    1,000 (at scale 1 the local-only workloads alone exceed the capex cap and the scenario
    is infeasible).
    """
    rng = random.Random(seed)
    site_list = sites(rng, n_sites)
    workloads = [workload(rng, i, site_list) for i in range(n_workloads)]
    if capacity_scale != 1.0:
        for s in site_list:
            s["power"]["max_kw"] = round(s["power"]["max_kw"] * capacity_scale, 3)
            s["max_buy_per_sku"] = round(s["max_buy_per_sku"] * capacity_scale)
            if "space" in s:
                s["space"]["rack_units"] = round(s["space"]["rack_units"] * capacity_scale)
    teams = sorted({w["team"] for w in workloads})
    per_team = {t: sum(1 for w in workloads if w["team"] == t) for t in teams}
    n_local = sum(1 for s in site_list if s["kind"] == "local")
    return {
        "schema_version": 1,
        "name": name or f"fleet-{n_workloads}",
        "description": f"Synthetic fleet (advisor.synthetic, seed {seed}): {n_workloads} workloads, {n_sites} sites.",
        "settings": {
            "horizon_months": 36,
            "objective": "tco",
            "time_limit_s": 120,
            "mip_gap": 0.005,
        },
        "sites": site_list,
        "clouds": {"providers": ["aws", "azure", "gcp"]},
        "workloads": workloads,
        "budgets": [
            {
                "scope": "all",
                "opex_usd_per_month_max": 2500.0 * n_workloads,
                "capex_usd_max": 400_000.0 * capacity_scale * n_local,
            }
        ]
        + [{"scope": f"team:{t}", "opex_usd_per_month_max": 4000.0 * per_team[t]} for t in teams],
    }
