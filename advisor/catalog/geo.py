"""Great-circle distance (the RTT estimate built on it is in :mod:`advisor.catalog.latency`)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance in km; works element-wise on numpy arrays (broadcasting).

    >>> 290 < float(great_circle_km(50.11, 8.68, 48.14, 11.58)) < 310
    True
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
