"""Real-browser check: headless Chromium opens the reports with the network off and renders them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import matplotlib.image as mpimg

from conftest import chromium, edition_in
from desir_analysis.publish import runner as reporting

BROWSER_OWN = ("google.com", "googleapis.com", "gstatic.com", "~notfound")


def shoot(page: Path, out: Path) -> set[str]:
    """Screenshot ``page`` with every host name unresolvable; return the URLs the page asked for."""
    profile = tempfile.mkdtemp()
    netlog = out.with_suffix(".netlog.json")
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1280,1600",
        f"--screenshot={out}",
        f"--log-net-log={netlog}",
        page.resolve().as_uri(),
    ]
    try:
        subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    text = netlog.read_text(errors="replace") if netlog.exists() else ""
    urls = set(re.findall(r'"url":"(https?://[^"]+)"', text))
    return {u for u in urls if not any(h in u.split("/")[2] for h in BROWSER_OWN)}


def test_the_check_detects_external_requests(tmp_path):
    page = tmp_path / "ext.html"
    page.write_text('<html><body><h1>x</h1><script src="https://cdn.example.org/x.js"></script></body></html>')
    assert any("cdn.example.org" in u for u in shoot(page, tmp_path / "ext.png"))


def test_reports_render_offline(demo_processed, tmp_path):
    processed, _ = demo_processed
    edition = edition_in(tmp_path)
    html = reporting.render_study(
        reporting.STUDIES["diagnostic"],
        edition,
        {"zone": "desir", "first_year": 2015, "processed_dir": str(processed)},
    )
    for page in (html, reporting.write_index(edition, [])):
        png = tmp_path / f"{page.stem}.png"
        external = shoot(page, png)
        assert png.exists()
        img = mpimg.imread(png)
        assert img.std() > 0.01, "blank page"
        assert external == set(), f"the page asked for {sorted(external)}"
    text = html.read_text(encoding="utf-8")
    assert "<h1" in text and "<h2" in text
