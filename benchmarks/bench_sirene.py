"""Benchmark: Sirene read + zone filter + join + classification + aggregation.

    .venv/bin/python benchmarks/bench_sirene.py [--rows 1000000 5000000 20000000] [--pandas]

Generates (once, in benchmarks/_work/) StockEtablissement-layout files of each ``--rows``
and the matching StockUniteLegale, then measures, each in a fresh interpreter, in the same run:

- ``project``: desir_analysis's ingest (``read_legal_units`` + ``scan_stock``: the zone's rows
  and the national aggregates of the year);
- ``duckdb``: the same work in SQL — zone rows (the project's columns, joined to the legal unit,
  materialised) and national aggregates — with its progress bar off (it writes to standard
  output and doubles DuckDB's time);
- ``pandas`` (``--pandas``): a naive ``pd.read_csv`` of every column.

Prints one Markdown table: wall time, peak memory (``VmHWM``), zone rows and national units of
each contender (they must agree) and the ratios against DuckDB at the same size (targets: time
<= 1.2x, memory <= 2x, memory flat as the file grows).
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
from desir_analysis.demo.fr import ETAB_COLUMNS, UL_COLUMNS  # noqa: E402

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


PEAK = """
import json, time
def peak_mb():  # VmHWM: high-water mark of this process image (ru_maxrss survives exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
t0 = time.perf_counter()
"""

PROJECT = (
    PEAK
    + """
from pathlib import Path
from desir_analysis.sources import sirene
units = sirene.read_legal_units(Path({ul!r}))
res = sirene.scan_stock(Path({stock!r}), set({zone!r}), [2023], units)
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "peak_mb": peak_mb(), "zone_rows": len(res.zone),
                  "national_units": int(res.national["n_establishments"].sum())}}))
"""
)

#: DuckDB doing the project's work: the legal units' codes joined to every establishment, the zone's rows
#: (the project's columns, materialised) and the national aggregates of 2023 (existing at 31 December, employer by
#: the size band, jobs = the band's midpoint) by département × legal form × ESS flag × activity × nomenclature.
DUCKDB = (
    PEAK
    + """
import duckdb
from desir_analysis.sources.sirene import TRANCHE_MIDPOINT
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # its bar goes to standard output and doubles the time
mid = ", ".join(f"('{{k}}', {{v}})" for k, v in TRANCHE_MIDPOINT.items())
con.execute(f"CREATE TEMP TABLE mid(tranche VARCHAR, jobs DOUBLE); INSERT INTO mid VALUES {{mid}}")
con.execute("CREATE TEMP TABLE ul AS SELECT siren, categorieJuridiqueUniteLegale AS cj, "
            "economieSocialeSolidaireUniteLegale AS ess FROM read_csv('{ul}', header=true, all_varchar=true)")
src = "read_csv('{stock}', header=true, all_varchar=true)"
from desir_analysis.sources.sirene import ETAB_LAYOUT
header = [c.strip('"') for c in open('{stock}', encoding="utf-8").readline().strip().split(",")]
wanted = ", ".join(f"e.{{c}}" for c in ETAB_LAYOUT.wanted if c in header)  # the project's columns, no more
zone = con.execute(f"SELECT {{wanted}}, u.cj, u.ess FROM {{src}} e LEFT JOIN ul u USING (siren) "
                   "WHERE left(e.codeCommuneEtablissement, 2) IN {zone_sql}").to_arrow_table()
national = con.execute(
    "SELECT left(e.codeCommuneEtablissement, 2) AS departement, u.cj, u.ess, "
    "left(e.activitePrincipaleEtablissement, 6) AS activity, e.nomenclatureActivitePrincipaleEtablissement AS nom, "
    "count(*) AS n_establishments, sum(m.jobs) AS jobs "
    f"FROM {{src}} e JOIN mid m ON m.tranche = e.trancheEffectifsEtablissement LEFT JOIN ul u USING (siren) "
    "WHERE coalesce(e.codeCommuneEtablissement, '') <> '' "
    "AND (coalesce(e.dateCreationEtablissement, '') = '' OR e.dateCreationEtablissement <= '2023-12-31') "
    "AND NOT (coalesce(e.etatAdministratifEtablissement, '') = 'F' AND coalesce(e.dateDebut, '') <= '2023-12-31') "
    "GROUP BY ALL").to_arrow_table()
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "peak_mb": peak_mb(), "zone_rows": zone.num_rows,
                  "national_units": int(national.column("n_establishments").to_numpy().sum())}}))
"""
)

NAIVE_PANDAS = (
    PEAK
    + """
import pandas as pd
df = pd.read_csv({stock!r}, dtype=str)
print(json.dumps({{"seconds": time.perf_counter() - t0, "peak_mb": peak_mb(), "zone_rows": 0, "national_units": 0}}))
"""
)


def run(code: str) -> dict:
    """Run a measurement in a fresh interpreter; return the last JSON line of its output (anything else ignored)."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(HERE.parent / "src"), "PATH": "/usr/bin:/bin"},
    )
    if out.returncode:
        raise SystemExit(f"the contender failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"no result line in the contender's output:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    res = json.loads(lines[-1])
    res["process_seconds"] = time.perf_counter() - t0
    return res


def files_for(rows: int) -> tuple[Path, Path]:
    """The generated stock and legal units of ``rows`` rows (generated once, kept in ``benchmarks/_work``)."""
    stock, ul = WORK / f"StockEtablissement_{rows}_v2.csv", WORK / f"StockUniteLegale_{rows}_v2.csv"
    if not stock.exists():
        t0 = time.perf_counter()
        generate(rows, stock, ul)
        print(f"generated {rows:,} rows ({stock.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    return stock, ul


def main() -> None:
    """Generate if needed, measure both contenders at every size in one run, print the table with the ratios."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000])
    ap.add_argument("--pandas", action="store_true", help="also time a naive pd.read_csv of every column")
    a = ap.parse_args()
    WORK.mkdir(exist_ok=True)
    zone_sql = "(" + ", ".join(f"'{z}'" for z in ZONE) + ")"
    contenders = [("duckdb", DUCKDB), ("project", PROJECT)] + ([("pandas", NAIVE_PANDAS)] if a.pandas else [])
    table = [
        "| rows | contender | time (s) | peak memory (MB) | zone rows | national units | time / DuckDB | memory / DuckDB |"
    ]
    table.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for rows in a.rows:
        stock, ul = files_for(rows)
        res = {
            name: run(tpl.format(stock=str(stock), ul=str(ul), zone=ZONE, zone_sql=zone_sql))
            for name, tpl in contenders
        }
        d = res["duckdb"]
        for name, r in res.items():
            table.append(
                f"| {rows:,} | {name} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['zone_rows']:,} | "
                f"{r['national_units']:,} | {r['seconds'] / d['seconds']:.2f} | {r['peak_mb'] / d['peak_mb']:.2f} |"
            )
            print(table[-1], flush=True)
    print("\n".join(table))


if __name__ == "__main__":
    main()
