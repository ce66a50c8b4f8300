"""Write tests/data/latency_error_by_band.csv: the RTT estimator's error per distance band.

    python tools/latency_calibration.py

Every measured region pair is estimated as if its source were an unmeasured site at the
same coordinates (its own measurements withheld, public-internet curve plus detours over
the other measured pairs), exactly as ``advisor.catalog.latency`` estimates at run time.
``tests/test_latency_model.py`` recomputes the table and holds the code to it.
"""

from __future__ import annotations

from pathlib import Path

from advisor.catalog import Catalog
from advisor.catalog.latency import LatencyModel, error_by_band, leave_one_out

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "latency_error_by_band.csv"


def main() -> None:
    cat = Catalog.load()
    table = error_by_band(leave_one_out(LatencyModel.from_catalog(cat), cat.regions))
    OUT.write_text(table.round(4).to_csv(index=False, lineterminator="\n"))
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
