"""Benchmark: Sirene read + zone filter + join + classification + aggregation.

    .venv/bin/python benchmarks/bench_sirene.py [--rows 5000000] [--small 1000000]

Generates (once, in benchmarks/_work/) a StockEtablissement-layout file of ``--rows``
rows and the matching StockUniteLegale, then measures in separate processes, in
the same run:

- ``project``: desir_analysis (UL look-up, streamed stock scan with zone filter and
  national aggregation, classification of zone rows and national aggregates);
- ``duckdb``: the same read / zone filter / join / group-by in SQL;
- ``pandas``: a naive ``pd.read_csv`` of every column.

Prints wall time and peak memory (max RSS of the process) and the ratios against
DuckDB (targets: time <= 1.2x, memory <= 2x), then the project's memory for
``--small`` rows vs ``--rows`` (target: flat).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
sys.path.insert(0, str(HERE.parent / "src"))
from desir_analysis.demo import ETAB_COLUMNS, UL_COLUMNS  # noqa: E402

ZONE = ["02", "08", "59", "62", "80"]
NAF = [
    "88.10A",
    "94.99Z",
    "47.11F",
    "56.10A",
    "43.22A",
    "86.10Z",
    "85.59A",
    "93.12Z",
    "70.22Z",
    "64.19Z",
    "84.11Z",
    "87.10A",
    "62.01Z",
    "49.41A",
    "68.20B",
]
CJ = ["9220", "5710", "5499", "1000", "7210", "5458", "8210", "9300", "6540", "5599"]
TRANCHE = ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31", "32", ""]


def generate(rows: int, path: Path, ul_path: Path, seed: int = 7) -> None:
    """Write the synthetic stock (chunks of 1M rows) and the matching legal units."""
    rng = np.random.default_rng(seed)
    n_ul = max(rows * 6 // 10, 1)
    siren_pool = np.arange(n_ul, dtype=np.int64) * 3 + 100_000_000
    # INSEE publishes the stocks sorted by SIREN (then NIC): establishments of a unit are adjacent
    owner = np.sort(rng.integers(0, n_ul, rows))
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(path, pa.schema([(c, pa.string()) for c in ETAB_COLUMNS]), write_options=opts) as w:
        done = 0
        while done < rows:
            n = min(1_000_000, rows - done)
            siren = siren_pool[owner[done : done + n]]
            nic = done + np.arange(n)
            dep = np.where(
                rng.random(n) < 0.06, rng.choice(ZONE, n), np.char.zfill(rng.integers(1, 96, n).astype(str), 2)
            )
            commune = np.char.add(dep, np.char.zfill(rng.integers(1, 700, n).astype(str), 3))
            cols = {c: pa.nulls(n, pa.string()) for c in ETAB_COLUMNS}
            s_siren = siren.astype(str)
            s_nic = np.char.zfill((nic % 99999).astype(str), 5)
            cols.update(
                {
                    "siren": pa.array(s_siren),
                    "nic": pa.array(s_nic),
                    "siret": pa.array(np.char.add(s_siren, s_nic)),
                    "statutDiffusionEtablissement": pa.array(np.full(n, "O")),
                    "dateCreationEtablissement": pa.array(
                        (np.datetime64("1970-01-01") + rng.integers(0, 19000, n).astype("timedelta64[D]")).astype(str)
                    ),
                    "trancheEffectifsEtablissement": pa.array(rng.choice(TRANCHE, n)),
                    "codeCommuneEtablissement": pa.array(commune),
                    "libelleCommuneEtablissement": pa.array(np.full(n, "COMMUNE")),
                    "dateDebut": pa.array(
                        (np.datetime64("1990-01-01") + rng.integers(0, 12000, n).astype("timedelta64[D]")).astype(str)
                    ),
                    "etatAdministratifEtablissement": pa.array(np.where(rng.random(n) < 0.6, "F", "A")),
                    "activitePrincipaleEtablissement": pa.array(rng.choice(NAF, n)),
                    "nomenclatureActivitePrincipaleEtablissement": pa.array(np.full(n, "NAFRev2")),
                    "caractereEmployeurEtablissement": pa.array(np.where(rng.random(n) < 0.3, "O", "N")),
                }
            )
            w.write_table(pa.table(cols))
            done += n
    cols = {c: pa.nulls(n_ul, pa.string()) for c in UL_COLUMNS}
    cols.update(
        {
            "siren": pa.array(siren_pool.astype(str)),
            "categorieJuridiqueUniteLegale": pa.array(rng.choice(CJ, n_ul)),
            "activitePrincipaleUniteLegale": pa.array(rng.choice(NAF, n_ul)),
            "nomenclatureActivitePrincipaleUniteLegale": pa.array(np.full(n_ul, "NAFRev2")),
            "economieSocialeSolidaireUniteLegale": pa.array(rng.choice(["O", "N", ""], n_ul)),
        }
    )
    pacsv.write_csv(pa.table(cols), ul_path, write_options=opts)


PROJECT = """
import time, resource, json
def peak_mb():  # VmHWM: high-water mark of this process image (ru_maxrss survives exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from pathlib import Path
import pandas as pd
t0 = time.perf_counter()
from desir_analysis.reference import classify
from desir_analysis.build.harmonise_fr import national_aggregates_fr
from desir_analysis.sources import sirene
units = sirene.read_legal_units(Path({ul!r}))
res = sirene.scan_stock(Path({stock!r}), set({zone!r}), [2023], units)
z = res.zone
pos = units.lookup(z["siren"].to_numpy(dtype=object))
ul = units.rows(pos)
frame = pd.DataFrame({{"country": "FR", "legal_form": ul["legal_form"].to_numpy(),
    "national_activity": z["activitePrincipaleEtablissement"].to_numpy(),
    "activity_nomenclature": z["nomenclatureActivitePrincipaleEtablissement"].to_numpy(),
    "commune": z["codeCommuneEtablissement"].to_numpy()}})
c = classify.classify(frame)
zone_agg = c.groupby(["nuts3", "ess_family", "sector_group"]).size()
nat = national_aggregates_fr(res.national)
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "peak_mb": peak_mb(),
                  "zone_rows": len(z), "national_groups": len(nat)}}))
"""

DUCKDB = """
import time, resource, json
def peak_mb():  # VmHWM: high-water mark of this process image (ru_maxrss survives exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
t0 = time.perf_counter()
import duckdb
con = duckdb.connect()
q = '''
SELECT left(e.codeCommuneEtablissement, 2) AS dep, u.categorieJuridiqueUniteLegale AS cj,
       left(e.activitePrincipaleEtablissement, 5) AS cls, count(*) AS n
FROM read_csv('{stock}', header=true, all_varchar=true) e
JOIN read_csv('{ul}', header=true, all_varchar=true) u USING (siren)
WHERE left(e.codeCommuneEtablissement, 2) IN {zone_sql}
GROUP BY ALL
'''
r = con.execute(q).fetchdf()
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "peak_mb": peak_mb(),
                  "groups": len(r)}}))
"""

PANDAS = """
import time, resource, json
def peak_mb():  # VmHWM: high-water mark of this process image (ru_maxrss survives exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
t0 = time.perf_counter()
import pandas as pd
df = pd.read_csv({stock!r}, dtype=str)
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "peak_mb": peak_mb(),
                  "rows": len(df)}}))
"""


def run(code: str) -> dict:
    """Run a measurement in a fresh interpreter; return its JSON line."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(HERE.parent / "src"), "PATH": "/usr/bin:/bin"},
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["process_seconds"] = time.perf_counter() - t0
    return res


def main() -> None:
    """Generate if needed, measure, print ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--small", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    WORK.mkdir(exist_ok=True)
    files = {}
    for rows in sorted({a.rows, a.small}):
        stock, ul = WORK / f"StockEtablissement_{rows}_v2.csv", WORK / f"StockUniteLegale_{rows}_v2.csv"
        if not stock.exists():
            t0 = time.perf_counter()
            generate(rows, stock, ul)
            print(f"generated {rows:,} rows ({stock.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
        files[rows] = (stock, ul)
    stock, ul = files[a.rows]
    zone_sql = "(" + ", ".join(f"''{z}''" for z in ZONE) + ")"
    results = {}
    for name, tpl in [("duckdb", DUCKDB), ("project", PROJECT), ("pandas", PANDAS)]:
        code = tpl.format(stock=str(stock), ul=str(ul), zone=ZONE, zone_sql=zone_sql.replace("''", "'"))
        runs = [run(code) for _ in range(a.repeat)]
        results[name] = min(runs, key=lambda r: r["seconds"])
        print(f"{name:8s} {results[name]['seconds']:7.2f} s  {results[name]['peak_mb']:7.0f} MB")
    d = results["duckdb"]
    for name in ("project", "pandas"):
        r = results[name]
        print(f"{name:8s} / duckdb: time x{r['seconds'] / d['seconds']:.2f}, memory x{r['peak_mb'] / d['peak_mb']:.2f}")
    small = run(PROJECT.format(stock=str(files[a.small][0]), ul=str(files[a.small][1]), zone=ZONE))
    print(
        f"project memory {a.small:,} rows: {small['peak_mb']:.0f} MB; {a.rows:,} rows: "
        f"{results['project']['peak_mb']:.0f} MB (x{results['project']['peak_mb'] / small['peak_mb']:.2f})"
    )


if __name__ == "__main__":
    main()
