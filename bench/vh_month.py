"""Benchmark: one national load month (all 98 kommuner, scale 1) through EVERY VH layer.

Target (voksenhandicap issue): one national month through every layer within 2 minutes. Phases,
each in a fresh process (so peak RSS is the phase's own; DuckDB runs in-process):

1. generation of the month's deliveries (skipped with --reuse; not part of the target);
2. load month: `flis_assets.run.materialize(defs, m, m, perioder=False)` on an ephemeral Dagster
   instance and a fresh DuckDB file: the reference files, then rådata + DSA for the month;
3. period layers for the month's own period only: `run.materialize_periods(defs, [m], ...)`
   (harmoniseret, datamart, noegletal, datapakker, rapporter);
4. with --history (informational, not part of the target): what a FIRST load on an empty
   warehouse costs, the period layers for every period `perioder_til_genberegning` gives for
   the month (all periods since the earliest line start, as `run.materialize` would do).

"Every layer" = phases 2 + 3. Prints wall time per phase and total, the slowest steps, peak RSS,
the DuckDB file size and the datapakker folder size, and whether "<= 2 min" holds.

    .venv/bin/python bench/vh_month.py --out /tmp/flis_bench --keep            # generate + run
    .venv/bin/python bench/vh_month.py --out /tmp/flis_bench --reuse --keep    # reuse bench data
    .venv/bin/python bench/vh_month.py --out /tmp/flis_bench --reuse --keep --history

--reuse takes the deliveries of --out/data (e.g. those `bench/national_month.py --keep` left).
Not part of `make bench` (that runs bench/national_month.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backfill import folder_size_gib, loadavg, run_records  # noqa: E402
from national_month import db_size_gib, generer, in_fresh_process, ok, peak_rss_gib  # noqa: E402

TARGET_SECONDS = 120.0


def _setup(data: Path, db: Path):
    os.environ["FLIS_DATA_DIR"] = str(data)
    os.environ["FLIS_DUCKDB"] = str(db)
    from flis_assets.definitions import build_defs

    return build_defs()


def load_month(data: Path, db: Path, month: str) -> dict:
    """Reference files + rådata + DSA for the month, as `flis materialize` runs them."""
    import dagster as dg

    from flis_assets import partitions, run

    defs = _setup(data, db)
    m = partitions.parse_month(month)
    with dg.DagsterInstance.ephemeral() as inst:
        t = time.perf_counter()
        outcome = run.materialize(defs, m, m, inst=inst, progress=False, perioder=False)
        wall = time.perf_counter() - t
        runs, steps = run_records(inst)
    return {"sekunder": wall, "runs": runs, "steps": steps, "peak": peak_rss_gib(), "ok": outcome.ok,
            "fejl": outcome.fejlede_blokerende + outcome.fejlede_trin, "advarsler": outcome.advarsler}


def periods(data: Path, db: Path, month: str, history: bool) -> dict:
    """The period layers for the month's period, or (history) for every period a first load changes."""
    import dagster as dg

    from flis_assets import partitions, run
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.resources import duckdb_resource

    defs = _setup(data, db)
    m = partitions.parse_month(month)
    if history:
        with duckdb_resource().get_connection() as con:
            perioder = perioder_til_genberegning(con, [m])
    else:
        perioder = [m]
    outcome = run.Outcome([m])
    with dg.DagsterInstance.ephemeral() as inst:
        t = time.perf_counter()
        run.materialize_periods(defs, perioder, inst, outcome, progress=history)
        wall = time.perf_counter() - t
        runs, steps = run_records(inst)
    return {"sekunder": wall, "runs": runs, "steps": steps, "peak": peak_rss_gib(), "ok": outcome.ok,
            "perioder": perioder, "fejl": outcome.fejlede_blokerende + outcome.fejlede_trin,
            "advarsler": outcome.advarsler}


def print_steps(steps: list, n: int = 10) -> None:
    for label, k, s in sorted(steps, key=lambda x: -x[2])[:n]:
        print(f"  {s:7.1f} s  {k}  ({label})")


def print_outcome(d: dict) -> None:
    for f in d["fejl"]:
        print(f"FAILED: {f}")
    for w in d["advarsler"][:10]:
        print(f"warning: {w}")
    if len(d["advarsler"]) > 10:
        print(f"... {len(d['advarsler']) - 10} more warnings")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="working folder (default: a new temp folder under /tmp)")
    ap.add_argument("--month", default="2024-03", help="load month ÅÅÅÅ-MM (default 2024-03)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="reuse deliveries already generated in --out/data")
    ap.add_argument("--history", action="store_true",
                    help="also time the period layers for every period a first load changes (informational)")
    ap.add_argument("--keep", action="store_true", help="keep the working folder (default: delete it)")
    a = ap.parse_args()

    from flis_assets import settings

    out = a.out or Path(tempfile.mkdtemp(prefix="flis_vh_month_", dir="/tmp"))
    data = out / "data"
    db = out / "vh_month.duckdb"
    datapakker = data / "datapakker"
    print(f"folder: {out}  month: {a.month}  scale: {a.scale}  DuckDB memory_limit: "
          f"{settings.duckdb_memory_limit()}  cpus: {os.cpu_count()}  load average: {loadavg()}", flush=True)
    try:
        if a.reuse and (data / "incoming" / "vh" / a.month).is_dir():
            print("generation: skipped (--reuse)")
        else:
            shutil.rmtree(data, ignore_errors=True)
            g = in_fresh_process(generer, data, a.month, a.scale, a.seed)
            print(f"generation (not part of the target): {g['sekunder']:.1f} s (peak RSS {g['peak']:.2f} GiB)")
        for f in (db, Path(f"{db}.wal")):
            f.unlink(missing_ok=True)
        shutil.rmtree(datapakker, ignore_errors=True)

        lm = in_fresh_process(load_month, data, db, a.month)
        print(f"phase load month (reference + rådata + DSA): {lm['sekunder']:.1f} s (peak RSS {lm['peak']:.2f} GiB)",
              flush=True)
        print_outcome(lm)
        pe = in_fresh_process(periods, data, db, a.month, False) if lm["ok"] else None
        if pe:
            print(f"phase period layers for {a.month} only: {pe['sekunder']:.1f} s (peak RSS {pe['peak']:.2f} GiB)")
            print_outcome(pe)
        total = lm["sekunder"] + (pe["sekunder"] if pe else 0.0)
        print(f"load average after: {loadavg()}")
        print(f"every layer, total wall time: {total:.1f} s")
        print("runs:")
        for label, s, status in lm["runs"] + (pe["runs"] if pe else []):
            print(f"  {s:7.1f} s  {label}  [{status}]")
        print("slowest steps (top 10):")
        print_steps(lm["steps"] + (pe["steps"] if pe else []))
        peak = max(lm["peak"], pe["peak"] if pe else 0.0)
        print(f"peak memory (RSS, max over phases): {peak:.2f} GiB")
        print(f"DuckDB file size: {db_size_gib(db):.2f} GiB")
        print(f"datapakker folder: {folder_size_gib(datapakker) * 1024:.1f} MiB "
              f"({sum(1 for p in datapakker.rglob('*') if p.is_file()) if datapakker.is_dir() else 0:,} files)")
        good = lm["ok"] and pe is not None and pe["ok"]
        print(f"target one national month through every VH layer <= 2 min: "
              f"{ok(good and total <= TARGET_SECONDS)}{'' if good else ' (failed checks/steps)'}", flush=True)

        if a.history and good:
            h = in_fresh_process(periods, data, db, a.month, True)
            ps = h["perioder"]
            print(f"first load on an empty warehouse (informational): period layers for {len(ps)} periods "
                  f"{ps[0]:%Y-%m}..{ps[-1]:%Y-%m}: {h['sekunder']:.1f} s (peak RSS {h['peak']:.2f} GiB); "
                  f"with the load month: {lm['sekunder'] + h['sekunder']:.1f} s")
            print_outcome(h)
            print("  runs:")
            for label, s, status in h["runs"]:
                print(f"    {s:7.1f} s  {label}  [{status}]")
            print("  slowest steps:")
            print_steps(h["steps"])
            print(f"  DuckDB file size after: {db_size_gib(db):.2f} GiB; datapakker folder: "
                  f"{folder_size_gib(datapakker) * 1024:.1f} MiB")
    finally:
        if not a.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
