"""Where things are: sites, user locations and cloud regions, and what the plan sends where."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from advisor.plan import Plan


def endpoints(plan: Plan) -> pd.DataFrame:
    """Every place an id can name: id, kind (site|location|region), label, country, lat, lon.

    Cloud regions are listed by ``provider:region`` and by bare region code.
    """
    scn = plan.scenario
    rows = [
        {
            "id": s.id,
            "kind": s.kind,
            "label": s.name or s.id,
            "country": s.country,
            "lat": s.location.lat,
            "lon": s.location.lon,
        }
        for s in scn.sites
    ]
    rows += [
        {
            "id": loc.id,
            "kind": "location",
            "label": loc.name or loc.id,
            "country": loc.country,
            "lat": loc.location.lat,
            "lon": loc.location.lon,
        }
        for loc in scn.locations
    ]
    reg = plan.options.catalog.regions
    for r in reg.sort_values(["provider", "region"]).to_dict(orient="records"):
        row = {
            "kind": "region",
            "label": f"{r['provider']}:{r['region']} ({r['display_name']})",
            "country": r["country_iso2"],
            "lat": float(r["latitude"]),
            "lon": float(r["longitude"]),
        }
        rows.append({"id": f"{r['provider']}:{r['region']}", **row})
        rows.append({"id": r["region"], **row})
    frame = pd.DataFrame(rows).drop_duplicates("id").reset_index(drop=True)
    frame.attrs["unit"] = "degrees (WGS84)"
    return frame


def target_country(plan: Plan) -> pd.Series:
    """Country code of every target (``site:x`` or ``provider:region``)."""
    return plan.options.targets.set_index("target")["country"]


def map_points(plan: Plan) -> pd.DataFrame:
    """Markers: every site and user location, and every cloud region the plan uses."""
    a = plan.assignments
    t = plan.options.targets.set_index("target")
    used = a.groupby("target")["workload"].nunique()
    rows = []
    for s in plan.scenario.sites:
        rows.append(
            {
                "kind": s.kind,
                "id": s.id,
                "label": s.name or s.id,
                "lat": s.location.lat,
                "lon": s.location.lon,
                "workloads": int(used.get(f"site:{s.id}", 0)),
            }
        )
    for loc in plan.scenario.locations:
        rows.append(
            {
                "kind": "location",
                "id": loc.id,
                "label": loc.name or loc.id,
                "lat": loc.location.lat,
                "lon": loc.location.lon,
                "workloads": 0,
            }
        )
    for target in sorted(set(a.loc[a["tier"] == "cloud", "target"])):
        rows.append(
            {
                "kind": "cloud",
                "id": target,
                "label": target,
                "lat": float(t.at[target, "lat"]),
                "lon": float(t.at[target, "lon"]),
                "workloads": int(used.get(target, 0)),
            }
        )
    cols = ["kind", "id", "label", "lat", "lon", "workloads"]
    frame = pd.DataFrame(rows, columns=cols)
    frame.attrs["unit"] = "degrees (WGS84); workloads placed"
    return frame


def map_links(plan: Plan) -> pd.DataFrame:
    """One line per (origin, target): where requests or data come from and where they go."""
    a = plan.assignments[["unit", "tier", "target"]]
    origin = plan.options.units.set_index("unit")["origin"]
    f = a.assign(origin=a["unit"].map(origin).fillna(""))
    f = f[f["origin"] != ""]
    pts = endpoints(plan).set_index("id")
    t = plan.options.targets.set_index("target")
    f = f[f["origin"].isin(pts.index) & f["target"].isin(t.index)]
    g = f.groupby(["origin", "target", "tier"], as_index=False).agg(units=("unit", "nunique"))
    g["origin_lat"] = g["origin"].map(pts["lat"])
    g["origin_lon"] = g["origin"].map(pts["lon"])
    g["target_lat"] = g["target"].map(t["lat"])
    g["target_lon"] = g["target"].map(t["lon"])
    g.attrs["unit"] = "degrees (WGS84); units placed"
    return g.reset_index(drop=True)
