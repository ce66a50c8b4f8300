"""Great-circle distance and the distance-based RTT estimate used where nothing is measured."""

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


def estimate_rtt_ms(
    km, intercept_ms: float, ms_per_km: float, same_metro_rtt_ms: float, same_metro_max_km: float
):
    """``rtt = intercept + ms_per_km * km``; within ``same_metro_max_km`` the same-metro RTT.

    The coefficients are fitted on measured inter-region pairs (catalog ``latency_model.csv``).

    >>> float(estimate_rtt_ms(10.0, 10.0, 0.0155, 2.0, 50.0))
    2.0
    >>> round(float(estimate_rtt_ms(1000.0, 10.0, 0.0155, 2.0, 50.0)), 1)
    25.5
    """
    km = np.asarray(km, dtype=float)
    return np.where(km < same_metro_max_km, same_metro_rtt_ms, intercept_ms + ms_per_km * km)
