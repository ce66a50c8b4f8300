"""The report at fleet scale: compact table payloads and charts that stay readable."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from advisor.report import figures, mapfig, view
from advisor.report.embed import script_json
from advisor.report.tables import COMPRESS_ABOVE, Column, data_table, unpack
from advisor.report.write import report_html

XSS = "</script><script>alert(1)</script><!--"


def _big_records(n: int) -> list[dict]:
    return [{"id": f"wl-{i:05d} {XSS}", "usd": float(i)} for i in range(n)]


COLS = [Column("id", "Workload"), Column("usd", "USD", str)]


def test_small_tables_stay_plain_json():
    t = data_table("small", COLS, _big_records(10))
    assert t["encoding"] == ""
    assert json.loads(str(t["json"]))["rows"][0][0].endswith(XSS)
    assert "</script" not in str(t["json"]) and "<!--" not in str(t["json"])


def test_large_tables_ship_compressed_and_round_trip():
    records = _big_records(5000)
    t = data_table("big", COLS, records)
    assert t["encoding"] == "gzip-base64"
    text = str(t["json"])
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", text), "base64 cannot end a script element"
    plain = str(script_json(json.loads(unpack(text))))
    assert len(plain) > COMPRESS_ABOVE
    assert len(text) < len(plain) / 5
    assert json.loads(unpack(text))["rows"][4999] == [records[4999]["id"], ["4999.0", 4999.0]]
    again = data_table("big", COLS, records)
    assert str(again["json"]) == text, "compression is deterministic (no timestamp)"


def test_page_size_must_be_offered():
    with pytest.raises(ValueError):
        data_table("x", COLS, [], page_size=30)
    assert data_table("x", COLS, [], page_size=10)["page_size"] == 10


def _layout_categories(fig) -> set[str]:
    cats: set[str] = set()
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        values = trace.y if horizontal else trace.x
        cats |= {str(v) for v in (values if values is not None else [])}
    return cats


def test_cost_chart_keeps_top_categories_and_sums_the_rest():
    teams = [f"team-{i:02d}" for i in range(40)]
    frame = pd.DataFrame(
        [
            {"team": t, "component": c, "usd": float(100 * (i + 1))}
            for i, t in enumerate(teams)
            for c in ("compute", "power")
        ]
    )
    fig = figures.stacked_cost(frame, "team", "Monthly cost by team").figure()
    cats = _layout_categories(fig)
    assert len(cats) == figures.TOP_CATEGORIES + 1
    assert "25 other teams" in cats
    assert "team-39" in cats and "team-00" not in cats
    total = sum(float(np.sum(tr.x)) for tr in fig.data)
    assert total == pytest.approx(frame["usd"].sum()), "nothing dropped, only summed"
    assert all(tr.orientation == "h" for tr in fig.data)
    small = figures.stacked_cost(frame[frame["team"].isin(teams[:3])], "team", "t").figure()
    assert all(tr.orientation in (None, "v") for tr in small.data)


def test_carbon_chart_sums_small_targets_per_tier():
    frame = pd.DataFrame(
        {
            "tier": ["cloud", "local"] * 20,
            "target": [f"t-{i:02d}" for i in range(40)],
            "energy_kwh": np.arange(40, dtype=float) + 1,
            "carbon_kg": np.arange(40, dtype=float) + 1,
            "gco2e_per_kwh": 1000.0,
        }
    )
    fig = figures.carbon_bars(frame).figure()
    assert "25 other targets" in _layout_categories(fig)
    total = sum(float(np.sum(tr.x)) for tr in fig.data)
    assert total == pytest.approx(frame["carbon_kg"].sum())


def test_capacity_chart_shows_the_busiest_sites():
    rows = []
    for i in range(50):
        for res, unit in (("accelerators", "accelerators"), ("power", "kW")):
            rows.append(
                {
                    "site": f"s-{i:02d}",
                    "kind": "local",
                    "resource": res,
                    "used": float(i),
                    "available": 50.0,
                    "utilisation": i / 50.0,
                    "unit": unit,
                }
            )
    fig = figures.utilisation_bars(pd.DataFrame(rows)).figure()
    sites = _layout_categories(fig)
    assert len(sites) == figures.TOP_SITES
    assert "s-49" in sites and "s-00" not in sites
    assert "12 busiest of 50 sites" in fig.layout.title.text
    assert fig.layout.height < 900


def test_latency_chart_is_share_of_slo_for_the_tightest():
    n = 300
    frame = pd.DataFrame(
        {
            "unit": [f"u{i}" for i in range(n)],
            "rtt_ms": np.full(n, 10.0),
            "compute_ms": np.linspace(1, 80, n),
            "latency_ms": 10.0 + np.linspace(1, 80, n),
            "slo_ms": np.full(n, 100.0),
        }
    ).sort_values("latency_ms", ascending=False)
    fig = figures.latency_bars(frame).figure()
    assert len(fig.data[0].y) == figures.TOP_LATENCY
    assert "25 tightest of 300" in fig.layout.title.text
    share = np.asarray(fig.data[0].x) + np.asarray(fig.data[1].x)
    assert share.max() == pytest.approx(0.9)


def test_crowded_map_has_no_text_labels():
    pts = pd.DataFrame(
        {
            "kind": ["local"] * 40,
            "id": [f"s{i}" for i in range(40)],
            "label": [f"s{i}" for i in range(40)],
            "lat": np.linspace(30, 60, 40),
            "lon": np.linspace(-120, 30, 40),
            "workloads": 1,
        }
    )
    coords = ["origin_lat", "origin_lon", "target_lat", "target_lon"]
    links = pd.DataFrame(columns=["origin", "target", "tier", "units", *coords])
    fig = mapfig.placement_map(pts, links).figure()
    markers = [tr for tr in fig.data if tr.name != mapfig.LAND_TRACE]
    assert all(tr.mode == "markers" for tr in markers)
    assert not [tr for tr in fig.data if tr.name == mapfig.LABEL_TRACE]
    few = mapfig.placement_map(pts.head(5), links).figure()
    labels = [tr for tr in few.data if tr.name == mapfig.LABEL_TRACE]
    assert len(labels) == 1 and labels[0].mode == "markers+text"
    assert sorted(labels[0].text) == [f"s{i}" for i in range(5)]


def test_breakeven_chart_aggregates_sites_per_sku():
    rows = [
        {
            "site": f"s{i}",
            "sku": sku,
            "pricing": pricing,
            "breakeven_utilisation": 0.3 + 0.01 * i,
            "cloud_target": "aws:eu-west-1",
            "cloud_usd_per_accelerator_hour": 2.0,
        }
        for i in range(30)
        for sku in ("hgx-h100-8", "l4-2")
        for pricing in ("on_demand", "reserved_1y")
    ]
    rows.append({**rows[0], "site": "only", "sku": "solo"})
    fig = figures.breakeven_bars(pd.DataFrame(rows)).figure()
    labels = set(fig.data[0].x)
    assert labels == {"hgx-h100-8 (30 sites)", "l4-2 (30 sites)", "solo @ only"}
    y = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert y["l4-2 (30 sites)"] == pytest.approx(0.3 + 0.01 * 14.5)


def test_broken_baseline_notes_fold():
    parts = view._broken_parts("; ".join(f"limit {i}" for i in range(7)))
    assert parts["broken_head"] == ["limit 0", "limit 1", "limit 2"]
    assert len(parts["broken_more"]) == 4


def test_insurer_report_uses_data_tables_for_long_sections(report_plan):
    html = report_html(report_plan)
    for table in (
        "placements-table",
        "privacy-table",
        "purchases-table",
        "breakeven-table",
        "capacity-table",
    ):
        assert f'id="{table}"' in html, table
    assert 'data-encoding="gzip-base64"' not in html, "a 5-workload report needs no compression"
