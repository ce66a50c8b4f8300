"""Shared map-test inputs."""

from __future__ import annotations

import pandas as pd

NO_LINKS = pd.DataFrame(
    columns=[
        "origin",
        "target",
        "tier",
        "units",
        "origin_lat",
        "origin_lon",
        "target_lat",
        "target_lon",
    ]
)
"""A placement map's links frame with no links (points only)."""
