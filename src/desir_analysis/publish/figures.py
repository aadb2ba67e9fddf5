"""Static, self-contained figures (seaborn / matplotlib) with their caption."""

from __future__ import annotations

import base64
import html
import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from desir_analysis.publish.tables import Caption, format_number  # noqa: E402


def setup() -> None:
    """Project style: white grid, readable fonts, colour-blind palette."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "axes.titlesize": 12, "axes.titleweight": "bold"})


def _tick_label(value: float, _pos: object = None) -> str:
    """A tick in French: ``160 000``, ``2,5`` (years such as 2024 stay as they are)."""
    if value == round(value) and 1900 <= value <= 2100:
        return str(int(value))
    return format_number(float(value), 0 if value == round(value) else 1).replace("-", "\u2212")


def french_ticks(fig: plt.Figure) -> None:
    """Use French number formatting on every numeric axis of ``fig`` (category axes untouched)."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(_tick_label))


def to_html(fig: plt.Figure, caption: Caption) -> str:
    """The figure as an embedded PNG with its caption (title, unit, source, date, territory).

    Numeric axes get French number formatting (:func:`french_ticks`).
    """
    french_ticks(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    top, foot = caption.html()
    return (
        f"<figure>{top}<img alt='{html.escape(caption.title)}' src='data:image/png;base64,{data}'/>"
        f"<figcaption>{foot}</figcaption></figure>"
    )


def signed_bars(data, category: str, value: str, hue: str, title: str, xlabel: str) -> plt.Figure:
    """Horizontal bars of a signed value (changes, effects) by category, one colour per ``hue`` (sorted), zero line.

    With no row (every cell under secrecy), the figure says « non disponible ».
    """
    fig, ax = plt.subplots(figsize=(9, 0.32 * data[category].nunique() + 1.5))
    if data.empty:
        ax.text(0.5, 0.5, "non disponible (cases sous secret statistique)", ha="center", va="center")
        ax.set(title=title, xticks=[], yticks=[])
        return fig
    sns.barplot(data=data, y=category, x=value, hue=hue, hue_order=sorted(data[hue].unique()), orient="h", ax=ax)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set(ylabel="", xlabel=xlabel, title=title)
    ax.legend(title="", fontsize=8)
    return fig


def _grid_positions(nuts3: list[str]) -> dict[str, tuple[int, int]]:
    """Tile-grid cells of NUTS3 regions: centroids snapped to a grid, collisions moved to the nearest free cell."""
    from desir_analysis import reference

    cent = reference.load_table("nuts3_centroids.csv").astype({"lon": float, "lat": float}).set_index("nuts3")
    c = cent.reindex(nuts3).dropna()
    if c.empty:
        return {}
    x = c["lon"] * math.cos(math.radians(float(c["lat"].mean())))
    y = c["lat"]
    pts = list(zip(c.index, x, y, strict=True))
    if len(pts) > 1:
        d = [min(math.hypot(a[1] - b[1], a[2] - b[2]) for b in pts if b is not a) for a in pts]
        step = sorted(d)[len(d) // 2]
    else:
        step = 1.0
    taken: dict[tuple[int, int], str] = {}
    out = {}
    for code, px, py in sorted(pts, key=lambda p: (-p[2], p[1])):
        gx, gy = round(px / step), round(py / step)
        for r in range(0, 20):
            cand = [
                (gx + dx, gy + dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1) if max(abs(dx), abs(dy)) == r
            ]
            free = [cc for cc in cand if cc not in taken]
            if free:
                best = min(free, key=lambda cc: (math.hypot(cc[0] * step - px, cc[1] * step - py), cc))
                taken[best] = code
                out[code] = best
                break
    # compact: empty columns and rows are removed (order, hence geography, is kept)
    xs = {v: i for i, v in enumerate(sorted({p[0] for p in out.values()}))}
    ys = {v: i for i, v in enumerate(sorted({p[1] for p in out.values()}))}
    return {k: (xs[p[0]], ys[p[1]]) for k, p in out.items()}


def tile_map(values: dict[str, float], names: dict[str, str], title: str, unit: str) -> plt.Figure:
    """A tile-grid map: one square per NUTS3 region, placed like the map, coloured by ``values``.

    Needs no geometry file; a region without a value (suppressed or missing) is grey and
    marked "s" (secret) in its square.
    """
    pos = _grid_positions(list(values))
    fig, ax = plt.subplots(figsize=(10, 6.5))
    vals = [v for v in values.values() if v is not None and not (isinstance(v, float) and math.isnan(v))]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    cmap = plt.get_cmap("viridis")
    norm = plt.Normalize(lo, hi if hi > lo else lo + 1)
    for code, (gx, gy) in pos.items():
        v = values.get(code)
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        ax.add_patch(plt.Rectangle((gx - 0.47, gy - 0.47), 0.94, 0.94, color="#cccccc" if missing else cmap(norm(v))))
        dark = not missing and norm(v) < 0.55
        label = names.get(code, code)
        label = label if len(label) <= 10 else label[:9] + "."
        ax.text(gx, gy + 0.12, label, ha="center", va="center", fontsize=6.5, color="white" if dark else "black")
        ax.text(
            gx,
            gy - 0.2,
            "s" if missing else f"{v:.1f}".replace(".", ","),
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            color="white" if dark else "black",
        )
    xs = [p[0] for p in pos.values()] or [0]
    ys = [p[1] for p in pos.values()] or [0]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    fig.colorbar(sm, ax=ax, shrink=0.6, label=unit)
    return fig


def choropleth(geojson: str, values: dict[str, float], title: str, unit: str) -> plt.Figure:
    """A choropleth from a NUTS GeoJSON file (GISCO layout: ``NUTS_ID`` property, (Multi)Polygon geometries)."""
    import json

    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon

    with open(geojson, encoding="utf-8") as fh:
        geo = json.load(fh)
    patches, colours = [], []
    vals = [v for v in values.values() if v is not None and not math.isnan(v)]
    norm = plt.Normalize(min(vals) if vals else 0, max(vals) if vals else 1)
    cmap = plt.get_cmap("viridis")
    fig, ax = plt.subplots(figsize=(8, 6))
    for f in geo["features"]:
        code = f["properties"].get("NUTS_ID")
        if code not in values:
            continue
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        v = values[code]
        for poly in polys:
            patches.append(Polygon(poly[0], closed=True))
            colours.append("#cccccc" if v is None or math.isnan(v) else cmap(norm(v)))
    ax.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="white", linewidth=0.6))
    ax.autoscale_view()
    ax.set_aspect(1.5)
    ax.axis("off")
    ax.set_title(title)
    fig.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=norm), ax=ax, shrink=0.6, label=unit)
    return fig


def mark_breaks(ax: plt.Axes, breaks: pd.DataFrame | None, names: dict[str, str] | None = None) -> None:
    """A dashed vertical line before the first year of each non-comparable break, labelled at the top.

    ``breaks``: :func:`desir_analysis.analysis.breaks.taken` rows (recodings, comparable, are not drawn).
    """
    if breaks is None or breaks.empty:
        return
    top = ax.get_ylim()[1]
    for (year, country), grp in breaks[~breaks["comparable"]].groupby(["first_year", "country"]):
        x = year - 0.5
        ax.axvline(x, color="0.35", linestyle="--", linewidth=1)
        words = f"{(names or {}).get(country, country)} : " + ", ".join(grp["label"])
        ax.text(x, top, " rupture " + words, fontsize=6.5, color="0.25", va="top", ha="left", rotation=90)


def trend(
    points: dict[str, pd.DataFrame],
    title: str,
    names: dict[str, str] | None = None,
    ylabel: str = "postes",
    breaks: pd.DataFrame | None = None,
) -> plt.Figure:
    """Observed points, fitted trend and 95 % prediction band of each series (one colour each; ``names`` label keys).

    ``breaks``: the series breaks to mark (:func:`mark_breaks`); each fit starts after its country's.
    """
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for i, (key, pts) in enumerate(points.items()):
        name = (names or {}).get(key, key)
        colour = f"C{i}"
        ax.plot(pts["year"], pts["observed"], "o", color=colour, label=f"{name} (observé)")
        ax.plot(pts["year"], pts["fitted"], "-", color=colour, label=f"{name} (tendance)")
        ax.fill_between(pts["year"], pts["pi_low"], pts["pi_high"], color=colour, alpha=0.15)
    ax.set(xlabel="", ylabel=ylabel, title=title)
    mark_breaks(ax, breaks, names)
    ax.legend(fontsize=7)
    return fig


def series_line(
    data: pd.DataFrame,
    years: list[int],
    title: str,
    ylabel: str,
    breaks: pd.DataFrame | None = None,
    names: dict[str, str] | None = None,
) -> plt.Figure:
    """A series over ``years`` (``year``, ``headcount``): a year without a published value is a gap in the line.

    Never interpolated: a masked cell or a year no source covers leaves the line broken there;
    non-comparable breaks are marked (:func:`mark_breaks`).
    """
    values = data.set_index("year")["headcount"].reindex(years).astype("float64")
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(values.index, values.to_numpy(), marker="o")
    ax.set(xlabel="", ylabel=ylabel, title=title)
    ax.set_xticks(years)
    ax.tick_params(axis="x", labelsize=7)
    mark_breaks(ax, breaks, names)
    return fig


def territory_map(
    values: dict[str, float], names: dict[str, str], title: str, unit: str, geometry_file: str = ""
) -> tuple[plt.Figure, str]:
    """A map of a value by NUTS3 code: a choropleth with a GISCO GeoJSON, else a tile grid.

    Returns the figure and the words the caption adds (« carte » or « carte en tuiles… »).
    """
    if geometry_file:
        return choropleth(geometry_file, values, title, unit), " — carte"
    words = " — carte en tuiles, une case par territoire NUTS 3 ; s : secret statistique"
    return tile_map(values, names, title, unit), words
