"""Maps: tile grid (default, no geometry) and choropleth (GISCO GeoJSON)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest

from desir_analysis import figures, reference
from desir_analysis.tables import Caption


@pytest.mark.parametrize("zone,n", [("desir", 17), ("interreg_fwvl", 34)])
def test_tile_grid_places_every_territory_once(zone, n):
    t = reference.territories()
    codes = sorted(set(t.loc[t[f"zone_{zone}"] & t["level"].ne("commune"), "nuts3"]))
    pos = figures._grid_positions(codes)
    assert len(pos) == n and len(set(pos.values())) == n
    cent = reference.load_table("nuts3_centroids.csv").astype({"lat": float}).set_index("nuts3")["lat"]
    # north stays north: the Nord département is above Luxembourg's Virton
    assert pos["FRE11"][1] > pos["BE345"][1]
    assert cent["FRE11"] > cent["BE345"]


def test_tile_map_marks_suppressed_values():
    fig = figures.tile_map({"FRE11": 11.0, "FRE12": math.nan}, {"FRE11": "Nord", "FRE12": "Pas-de-Calais"}, "t", "%")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "s" in texts and "11,0" in texts
    plt.close(fig)


def test_choropleth_from_the_gisco_file(shared):
    path = shared / "geo" / "NUTS_RG_60M_2021_4326_LEVL_3_FR_BE.geojson"
    fig = figures.choropleth(str(path), {"FRE11": 10.0, "BE323": 14.0, "BE342": math.nan}, "t", "%")
    html = figures.to_html(fig, Caption("t", "%", "s", "d", "z"))
    assert html.count("data:image/png;base64,") == 1


def test_numeric_axes_are_formatted_the_french_way():
    fig, ax = plt.subplots()
    ax.plot([2015, 2026], [100_000, 160_000])
    figures.french_ticks(fig)
    fig.canvas.draw()
    y = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    x = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "160\u202f000" in y and "2016" in x  # thousands separated, years left alone
    assert figures._tick_label(-2.5) == "\u22122,5"
    plt.close(fig)
