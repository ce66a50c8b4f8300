"""The lifecycle cost rules (advisor/options/lifecycle.py) against hand numbers, and the
hardware draw columns in user catalogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.catalog import Catalog, bundled_catalog_dir
from advisor.errors import CatalogError
from advisor.options import lifecycle as lc


@pytest.mark.parametrize(
    ("horizon", "n", "months", "residual"),
    [
        (36, 1, [0], 300_000 * 24 / 60),  # mid-life: 24 of 60 months left
        (60, 1, [0], 0.0),
        (72, 2, [0, 60], 300_000 * 48 / 60),  # replaced at 60, 12 months used
        (120, 2, [0, 60], 0.0),  # the case: buys twice, nothing left
        (121, 3, [0, 60, 120], 300_000 * 59 / 60),
    ],
)
def test_replacement_and_residual(horizon, n, months, residual):
    p, life = 300_000.0, 60
    assert int(lc.purchases_in_horizon(life, horizon)) == n
    assert lc.purchase_months(life, horizon) == months
    assert float(lc.residual_value_usd(p, life, horizon)) == pytest.approx(residual)
    assert float(lc.gross_capex_usd(p, life, horizon)) == pytest.approx(n * p)
    # net capex = purchases - residual = P h / L, i.e. P / L every month
    assert float(lc.horizon_capex_usd(p, life, horizon)) == pytest.approx(n * p - residual)
    assert float(lc.monthly_capex_usd(p, life)) * horizon == pytest.approx(n * p - residual)


def test_power_and_fixed_costs():
    # idle 2 kW x PUE 1.5 x 730 h x 0.1 USD = 219 USD; + 2,400 ops
    assert float(lc.box_fixed_usd_per_month(2.0, 1.5, 0.1, 2_400.0)) == pytest.approx(2_619.0)
    # half a box busy 100 h: 0.5 x (7.5 - 2) x 1.5 x 100 = 412.5 kWh
    assert float(lc.busy_energy_kwh(0.5, 7.5, 2.0, 1.5, 100.0)) == pytest.approx(412.5)
    # full use: P/L + fixed + busy all month
    own = float(lc.box_cost_usd_per_month(300_000.0, 60, 2.0, 7.5, 1.5, 0.1, 2_400.0, 1.0))
    assert own == pytest.approx(5_000 + 2_619 + 5.5 * 1.5 * 730 * 0.1)


def _user_catalog(tmp_path: Path, header: str, row: str) -> Path:
    d = tmp_path / "cat"
    d.mkdir()
    shutil.copy(bundled_catalog_dir() / "manifest.json", d / "manifest.json")
    (d / "hardware.csv").write_text(header + "\n" + row + "\n")
    return d


HEAD = (
    "sku,tier,name,accelerator,accelerator_count,vcpus,memory_gb,list_price_usd,power_kw,"
    "rack_units,useful_life_months,ops_usd_per_month,source,as_of"
)


def test_user_hardware_without_draw_columns_gets_shares_of_max(tmp_path):
    d = _user_catalog(tmp_path, HEAD, "my-box,local,mine,L4,2,32,256,16000,1.0,1,60,100,quote,2026")
    hw = Catalog.load(d).hardware.set_index("sku").loc["my-box"]
    assert (hw["idle_kw"], hw["typical_kw"]) == pytest.approx((0.20, 0.73))


def test_user_hardware_with_draw_out_of_order_is_refused(tmp_path):
    head = HEAD + ",idle_kw,typical_kw"
    row = "my-box,local,mine,L4,2,32,256,16000,1.0,1,60,100,quote,2026,0.5,0.3"
    d = _user_catalog(tmp_path, head, row)
    with pytest.raises(CatalogError, match="idle_kw <= typical_kw <= power_kw"):
        Catalog.load(d)
