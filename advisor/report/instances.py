"""How many instances (or boxes) a placement uses, said the way a reader means it.

A cloud unit sized in GPU-hours, or a part that runs a few hours a month, is billed a
fraction of a month-long instance (``billed_boxes`` 0.31). "0.31 × g4dn.xlarge" reads as
nonsense; what is meant is "g4dn.xlarge for 226 instance-hours a month (0.31 of a
month-long instance)". Every sentence that counts instances is built here, once.
"""

from __future__ import annotations

import math

import pandas as pd

from advisor.report.fmt import num, qty
from advisor.schema.types import HOURS_IN_MONTH

WHOLE = 1e-6
"""A count within this of an integer is whole (solver round-off)."""
ALL_MONTH_HOURS = HOURS_IN_MONTH - 0.5
"""Hours per instance from which an instance counts as running all month."""


def instance_hours(assignments: pd.DataFrame) -> pd.Series:
    """Instance-hours billed a month per assignment row: compute USD / USD per hour (cloud;
    reserved rows bill 730 h on whole instances); 0 where nothing is billed by the hour."""
    a = assignments
    rate = a["usd_per_hour"].astype(float)
    return (a["compute_usd"].astype(float) / rate.where(rate > 0)).fillna(0.0)


def instances_text(hardware: str, boxes: float, hours: float = 0.0, owned: bool = False) -> str:
    """``hardware`` (with any suffix such as ``"g4dn.xlarge (spot)"``) counted for a reader.

    ``boxes`` are the instances billed (cloud) or the share of boxes used (``owned``),
    ``hours`` the instance-hours billed a month (cloud).

    >>> instances_text("g4dn.xlarge (spot)", 0.310442, 226.62)
    'g4dn.xlarge (spot) for 227 instance-hours a month (0.31 of a month-long instance)'
    >>> instances_text("a2-highgpu-1g", 12, 624)
    '12 × a2-highgpu-1g for 624 instance-hours a month (52 h per instance)'
    >>> instances_text("Standard_NC80adis_H100_v5", 1, 730)
    '1 × Standard_NC80adis_H100_v5'
    >>> instances_text("l40s-4", 0.25, owned=True)
    '0.25 of one l40s-4 box'
    """
    whole = abs(boxes - round(boxes)) <= WHOLE and round(boxes) >= 1
    if owned:
        if whole:
            return f"{qty(round(boxes))} × {hardware}"
        if boxes < 1:
            return f"{qty(boxes)} of one {hardware} box"
        return f"{qty(boxes)} {hardware} boxes"
    if whole:
        n = round(boxes)
        if not math.isfinite(hours) or hours <= 0 or hours / n >= ALL_MONTH_HOURS:
            return f"{qty(n)} × {hardware}"
        return (
            f"{qty(n)} × {hardware} for {num(hours)} instance-hours a month "
            f"({num(hours / n)} h per instance)"
        )
    months = hours / HOURS_IN_MONTH if hours > 0 else boxes
    share = (
        f"{qty(months)} of a month-long instance"
        if months < 1
        else f"{qty(months)} month-long instances"
    )
    if hours > 0:
        return f"{hardware} for {num(hours)} instance-hours a month ({share})"
    return f"{hardware} ({share})"
