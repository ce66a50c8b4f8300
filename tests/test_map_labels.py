"""Map labels stay legible where several places share a metro (advisor.report.maplabels)."""

from __future__ import annotations

import pandas as pd

from advisor.report import mapfig
from advisor.report.maplabels import (
    CHAR_PX,
    LINE_PX,
    MARKER_PX,
    PLOT_PX,
    label_box,
    place_labels,
)
from tests.helpers_maps import NO_LINKS


def _points(rows):
    return pd.DataFrame(
        [
            {"kind": k, "id": i, "label": i, "lat": la, "lon": lo, "workloads": 1}
            for k, i, la, lo in rows
        ]
    )


FRANKFURT = _points(
    [
        ("local", "fra-dc1", 50.11, 8.68),
        ("cloud", "aws:eu-central-1", 50.11, 8.68),
        ("cloud", "azure:germanywestcentral", 50.11, 8.68),
        ("location", "paris-customers", 48.86, 2.35),
        ("cloud", "gcp:europe-north1", 60.57, 27.19),
    ]
)


def _markers(points):
    fig = mapfig.placement_map(points, NO_LINKS).figure()
    return [t for t in fig.data if t.name in ("local", "edge", "cloud", "location")]


def _labels(points):
    fig = mapfig.placement_map(points, NO_LINKS).figure()
    (trace,) = [t for t in fig.data if t.name == mapfig.LABEL_TRACE]
    return trace


def test_places_in_one_metro_share_one_label_listing_each_name():
    trace = _labels(FRANKFURT)
    texts = list(trace.text)
    assert len(texts) == 3
    metro = next(t for t in texts if "fra-dc1" in t)
    assert metro.split("<br>") == ["fra-dc1", "aws:eu-central-1", "azure:germanywestcentral"]
    assert "paris-customers" in texts and "gcp:europe-north1" in texts
    assert all(
        m.mode == "markers" for m in _markers(FRANKFURT)
    )  # names are in the label trace only


def _box(row, lon, lat, ratio):
    sx = PLOT_PX / (lon[1] - lon[0])
    lines = row["text"].split("<br>")
    return label_box(
        (row["lon"] - lon[0]) * sx,
        (row["lat"] - lat[0]) * sx * ratio,
        max(len(t) for t in lines) * CHAR_PX,
        len(lines) * LINE_PX,
        row["marker_px"] / 2,
        row["textposition"],
    )


def test_nearby_labels_take_positions_that_keep_them_apart():
    """Two places 30 km apart (too far to merge, too close for two 'top center' labels)."""
    pts = _points(
        [
            ("local", "duesseldorf-dc", 51.22, 6.78),
            ("cloud", "customers-rhine-ruhr", 51.45, 7.01),
            ("cloud", "gcp:europe-west3", 50.11, 8.68),
        ]
    )
    lon, lat = (0.0, 16.0), (44.0, 58.0)
    labels = place_labels(pts, lon, lat, 1.6, 500)
    assert len(labels) == 3
    boxes = [_box(r, lon, lat, 1.6) for r in labels.to_dict(orient="records")]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.overlap(b) == 0, (a, b)
    assert set(labels["textposition"]) != {"top center"}


def test_far_apart_places_keep_their_label_above():
    labels = place_labels(FRANKFURT.iloc[3:], (-10.0, 40.0), (40.0, 65.0), 1.5, 500)
    assert list(labels["textposition"]) == ["top center", "top center"]
    assert (labels["marker_px"] == MARKER_PX).all()


def test_label_text_is_escaped():
    pts = _points([("location", "<b>x</b>", 50.0, 8.0)])
    assert list(_labels(pts).text) == ["&lt;b&gt;x&lt;/b&gt;"]
