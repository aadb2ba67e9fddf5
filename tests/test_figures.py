"""Maps: tile grid (default, no geometry) and choropleth (GISCO GeoJSON)."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest

from desir_analysis import reference
from desir_analysis.publish import figures
from desir_analysis.publish.tables import Caption


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


def test_signed_bars_draw_one_bar_per_category_and_country():
    import pandas as pd

    data = pd.DataFrame({"c": ["a", "b", "a"], "v": [-3.0, 2.0, 5.0], "p": ["France", "France", "Belgique"]})
    fig = figures.signed_bars(data, "c", "v", "p", "t", "x")
    ax = fig.axes[0]
    widths = sorted(round(b.get_width(), 6) for b in ax.patches if b.get_height() > 0 and b.get_width() != 0)
    assert widths == [-3.0, 2.0, 5.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Belgique", "France"]
    plt.close(fig)
