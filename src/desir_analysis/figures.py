"""Static, self-contained figures (seaborn / matplotlib) with their caption."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from desir_analysis.tables import Caption  # noqa: E402


def setup() -> None:
    """Project style: white grid, readable fonts, colour-blind palette."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "axes.titlesize": 12, "axes.titleweight": "bold"})


def to_html(fig: plt.Figure, caption: Caption) -> str:
    """The figure as an embedded PNG with its caption (title, unit, source, date, territory)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    top, foot = caption.html()
    return (
        f"<figure>{top}<img alt='{html.escape(caption.title)}' src='data:image/png;base64,{data}'/>"
        f"<figcaption>{foot}</figcaption></figure>"
    )
