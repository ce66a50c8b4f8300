"""Our 8x H100 on-prem vs p5.48xlarge break-even next to published analyses.

The table (``data/breakeven_studies.csv``) cites each study (URL, date), states its figure
and metric, and says why ours differs. :func:`breakeven_vs_studies` recomputes our figures
from the catalog (``hgx-h100-8`` and AWS ``p5.48xlarge`` in ``us-east-1``) with the
lifecycle rules of ``options/lifecycle.py``, both at our catalog price and under the
study's own cloud price and write-off period ("aligned"), on a reference site
(PUE :data:`REFERENCE_PUE`, :data:`REFERENCE_USD_PER_KWH` USD/kWh). ``tests/test_breakeven_studies.py``
holds the recorded figures to the code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.catalog import Catalog
from advisor.options import lifecycle

STUDIES_CSV = Path(__file__).parent / "data" / "breakeven_studies.csv"
SKU = "hgx-h100-8"
CLOUD = ("aws", "us-east-1", "p5.48xlarge")
REFERENCE_PUE = 1.5
"""Reference site PUE for the comparison (an average enterprise data centre)."""
REFERENCE_USD_PER_KWH = 0.10
"""Reference power price for the comparison (US commercial/industrial order of magnitude)."""


def _ours(metric: str, price: float, life: float, hw: pd.Series, cloud_usd: float, u) -> float:
    args = (float(hw["idle_kw"]), float(hw["typical_kw"]), REFERENCE_PUE, REFERENCE_USD_PER_KWH)
    ops = float(hw["ops_usd_per_month"])
    if metric == "payback_months":
        return lifecycle.payback_months(price, *args, ops, cloud_usd, float(u))
    return lifecycle.breakeven_utilisation(price, life, *args, ops, cloud_usd)


def breakeven_vs_studies(catalog: Catalog | None = None) -> pd.DataFrame:
    """The studies table with ``our_value``/``our_aligned_value`` recomputed from the catalog."""
    cat = catalog if catalog is not None else Catalog.load()
    studies = pd.read_csv(STUDIES_CSV)
    hw = cat.hardware.set_index("sku").loc[SKU]
    p = cat.instance_prices
    provider, region, itype = CLOUD
    p = p[(p["provider"] == provider) & (p["region"] == region) & (p["instance_type"] == itype)]
    price = p.set_index("pricing")["usd_per_hour"]
    ours, aligned = [], []
    for r in studies.to_dict(orient="records"):
        cloud = float(price[r["cloud_pricing"]])
        list_price = float(hw["list_price_usd"])
        ours.append(_ours(r["metric"], list_price, r["life_months"], hw, cloud, r["utilisation"]))
        a_cloud = r["aligned_cloud_usd_per_hour"]
        a_cloud = cloud if pd.isna(a_cloud) else float(a_cloud)
        aligned.append(
            _ours(r["metric"], list_price, r["aligned_life_months"], hw, a_cloud, r["utilisation"])
        )
    out = studies.assign(computed_value=np.round(ours, 3), computed_aligned=np.round(aligned, 3))
    out.attrs["unit"] = "months (payback) or fraction of the month (break-even utilisation)"
    return out
