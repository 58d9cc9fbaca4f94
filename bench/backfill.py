"""Benchmark: a backfill of every load month 2013-07 .. 2026-10 at --scale 0.1, all 98 kommuner.

Target (voksenhandicap issue): the backfill, i.e. what `flis materialize --from 2013-07 --to 2026-10`
does on an empty warehouse, within 15 minutes. Phases, each in a fresh process (so peak RSS is
the phase's own; DuckDB runs in-process):

1. generation of all load months with `flis_assets.generate.generate` (skipped with --reuse; timed
   separately, NOT part of the target);
2. the backfill on an ephemeral Dagster instance and a fresh DuckDB file, exactly as
   `flis_assets.run.materialize` runs it: the reference files, the load months as one ranged run
   per calendar year (`materialize(..., perioder=False)`), then the period layers for the periods
   `perioder_til_genberegning` gives (`materialize_periods`), timed separately. With
   --max-minutes the period phase stops after the run that crosses that budget (partial figures).

Prints wall time per phase and per run (load-month year / period range), the slowest steps,
peak RSS, DuckDB file size, datapakker folder size, failed checks/steps, and whether "<= 15 min"
holds. The machine's load average and a fixed workload's time are printed before and after, to
tell whether it was contended or slow, and the seconds all tasks stalled on I/O during it.

    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --keep            # generate + backfill
    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --reuse --keep    # reuse generated data
    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --generate-only --keep
    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --reuse --keep --max-minutes 20
    # re-time only the period phase on the kept database (load months --from..--to already in it):
    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --reuse --keep --periods-only --to 2016-12
    # one more year on top of the kept database (history present), for its step durations:
    .venv/bin/python bench/backfill.py --out /tmp/flis_backfill --reuse --keep --existing-db \
        --from 2017-01 --to 2017-12 --max-minutes 0

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

from national_month import (  # noqa: E402
    GIB, cpu_seconds, db_size_gib, in_fresh_process, ok, peak_rss_gib, print_andele, run_label, trin_steder,
)

TARGET_SECONDS = 15 * 60


def folder_size_gib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / GIB if folder.is_dir() else 0.0


def generer(data: Path, fra: str, til: str, scale: float, seed: int, progress: bool) -> dict:
    from flis_assets import partitions
    from flis_assets.generate import generate

    t = time.perf_counter()
    res = generate(data, None, partitions.parse_month(fra), partitions.parse_month(til), scale=scale, seed=seed,
                   progress=progress)
    return {"sekunder": time.perf_counter() - t, "linjer": res.lines, "filer": len(res.files), "peak": peak_rss_gib()}


def run_records(inst) -> tuple[list, list]:
    """(label, seconds) per run and (run label, step key, seconds) per successful step."""
    import dagster as dg

    runs, steps = [], []
    for rec in sorted(inst.get_run_records(), key=lambda r: r.start_time):
        events = inst.all_logs(rec.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
        label = run_label(rec.dagster_run.tags, [e.dagster_event.step_key for e in events])
        runs.append((label, rec.end_time - rec.start_time, rec.dagster_run.status.value))
        for e in events:
            ev = e.dagster_event
            steps.append((label, ev.step_key, ev.event_specific_data.duration_ms / 1000))
    return runs, steps


def backfill(data: Path, db: Path, fra: str, til: str, max_minutes: float | None, progress: bool,
             periods_only: bool = False) -> dict:
    """`flis materialize --from fra --to til` on a fresh DuckDB, with the two phases timed apart.
    `periods_only`: skip the load months (the database already holds them) and time the period phase."""
    os.environ["FLIS_DATA_DIR"] = str(data)
    os.environ["FLIS_DUCKDB"] = str(db)
    import dagster as dg

    from flis_assets import partitions, run
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.definitions import build_defs
    from flis_assets.resources import duckdb_resource

    a, b = partitions.parse_month(fra), partitions.parse_month(til)
    defs = build_defs()
    out: dict = {"perioder": [], "afbrudt": False}
    with dg.DagsterInstance.ephemeral() as inst:
        t0 = time.perf_counter()
        if periods_only:
            outcome = run.Outcome(partitions.months(a, partitions.add_months(b, 1)))
        else:
            outcome = run.materialize(defs, a, b, inst=inst, progress=progress, perioder=False)
        out["load_sekunder"] = time.perf_counter() - t0
        out["load_peak"] = peak_rss_gib()
        out["period_sekunder"] = 0.0
        if outcome.ok:
            with duckdb_resource().get_connection() as con:
                perioder = perioder_til_genberegning(con, outcome.maaneder)
            out["perioder"] = perioder
            t1 = time.perf_counter()
            if max_minutes is None:
                run.materialize_periods(defs, perioder, inst, outcome, progress)
            else:  # one calendar year (one ranged run) at a time, stopping once the budget is spent
                for first, last in partitions.per_year(perioder):
                    if time.perf_counter() - t0 > max_minutes * 60:
                        out["afbrudt"] = True
                        break
                    run.materialize_periods(defs, [p for p in perioder if first <= p <= last], inst, outcome, progress)
            out["period_sekunder"] = time.perf_counter() - t1
        out["sekunder"] = time.perf_counter() - t0
        out["runs"], out["steps"] = run_records(inst)
    out.update(peak=peak_rss_gib(), cpu=cpu_seconds(), ok=outcome.ok, fejl=outcome.fejlede_blokerende + outcome.fejlede_trin,
               advarsler=outcome.advarsler, steder=trin_steder(defs))
    return out


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def speed_check() -> float:
    """Seconds for a fixed DuckDB + Python workload: the same backfill has taken 756 to 1046 s on
    this VM, and this tells a slow CPU from a slow disk (`io_stall_seconds`)."""
    import duckdb

    t = time.perf_counter()
    duckdb.sql("SELECT sum(hash(i)) FROM range(100_000_000) t(i)").fetchall()
    s = 0
    for i in range(5_000_000):
        s += i * i
    return time.perf_counter() - t


def io_stall_seconds() -> float:
    """Seconds in which every task waited for I/O (Linux PSI, /proc/pressure/io "full"); 0 if unknown."""
    try:
        full = Path("/proc/pressure/io").read_text().splitlines()[1]
    except (OSError, IndexError):
        return 0.0
    return int(full.rsplit("total=", 1)[1]) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="working folder (default: a new temp folder under /tmp)")
    ap.add_argument("--from", dest="fra", default="2013-07")
    ap.add_argument("--to", dest="til", default="2026-10")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="reuse deliveries already generated in --out/data")
    ap.add_argument("--generate-only", action="store_true", help="only generate the deliveries")
    ap.add_argument("--periods-only", action="store_true",
                    help="keep --out/flis.duckdb (load months already in it) and time only the period phase")
    ap.add_argument("--existing-db", action="store_true",
                    help="load --from..--to on top of --out/flis.duckdb instead of a fresh database "
                         "(e.g. one year with history already present, for its step durations)")
    ap.add_argument("--max-minutes", type=float, help="stop the period phase after the run crossing this budget")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the working folder (default: delete it)")
    a = ap.parse_args()

    from flis_assets import settings

    out = a.out or Path(tempfile.mkdtemp(prefix="flis_backfill_", dir="/tmp"))
    data = out / "data"
    progress = not a.no_progress
    print(f"folder: {out}  months: {a.fra}..{a.til}  scale: {a.scale}  DuckDB memory_limit: "
          f"{settings.duckdb_memory_limit()}  cpus: {os.cpu_count()}  load average: {loadavg()}", flush=True)
    before = speed_check()
    try:
        if a.reuse and (data / "incoming").is_dir():
            print("generation: skipped (--reuse)")
        else:
            shutil.rmtree(data, ignore_errors=True)
            g = in_fresh_process(generer, data, a.fra, a.til, a.scale, a.seed, progress)
            print(f"generation (not part of the target): {g['sekunder']:.1f} s, {g['filer']:,} files "
                  f"(peak RSS {g['peak']:.2f} GiB)")
            for k, n in g["linjer"].items():
                print(f"  lines {k}: {n:,}")
        mb = sum(p.stat().st_size for p in (data / "incoming").rglob("*.csv")) / 1024**2
        print(f"delivery files: {mb:,.0f} MiB", flush=True)
        if a.generate_only:
            return

        datapakker = data / "datapakker"
        shutil.rmtree(datapakker, ignore_errors=True)
        db = out / "flis.duckdb"
        if not (a.periods_only or a.existing_db):
            for f in (db, Path(f"{db}.wal")):
                f.unlink(missing_ok=True)
        stall = io_stall_seconds()
        d = in_fresh_process(backfill, data, db, a.fra, a.til, a.max_minutes, progress, a.periods_only)

        print(f"load average after: {loadavg()}")
        print(f"machine speed check (fixed workload, lower is faster): {before:.2f} s before, "
              f"{speed_check():.2f} s after; all tasks stalled on I/O for {io_stall_seconds() - stall:.1f} s")
        print(f"load-month phase (reference + load months, one ranged run per year): {d['load_sekunder']:.1f} s "
              f"(peak RSS so far {d['load_peak']:.2f} GiB)")
        ps = d["perioder"]
        print(f"period phase ({len(ps)} periods{', ' + f'{ps[0]:%Y-%m}..{ps[-1]:%Y-%m}' if ps else ''}"
              f"{', STOPPED at --max-minutes' if d['afbrudt'] else ''}): {d['period_sekunder']:.1f} s")
        print(f"backfill wall time: {d['sekunder']:.1f} s ({d['sekunder'] / 60:.1f} min); CPU (user + system, "
              f"{os.cpu_count()} cores): {d['cpu']:.1f} s")
        print("runs:")
        for label, s, status in d["runs"]:
            print(f"  {s:7.1f} s  {label}  [{status}]")
        in_steps, in_runs = sum(s for _, _, s in d["steps"]), sum(s for _, s, _ in d["runs"])
        print(f"steps: {in_steps:.1f} s of {in_runs:.1f} s in runs ({in_runs - in_steps:.1f} s Dagster's own: "
              f"launching, events, checks' bookkeeping)")
        tot: dict[str, float] = {}
        for _, k, s in d["steps"]:
            tot[k] = tot.get(k, 0.0) + s
        print("steps summed over runs (every step of at least 1 % of the steps' time):")
        for k, s in sorted(tot.items(), key=lambda x: -x[1]):
            if s >= in_steps / 100:
                print(f"  {s:7.1f} s  {k}")
        print_andele([(k, s) for _, k, s in d["steps"]], d["steder"])
        print("slowest single steps:")
        for label, k, s in sorted(d["steps"], key=lambda x: -x[2])[:10]:
            print(f"  {s:7.1f} s  {k}  ({label})")
        print(f"peak memory (RSS, backfill process): {d['peak']:.2f} GiB")
        print(f"DuckDB file size: {db_size_gib(db):.2f} GiB")
        print(f"datapakker folder: {folder_size_gib(datapakker) * 1024:.1f} MiB")
        print(f"outcome.ok: {d['ok']}")
        for f in d["fejl"]:
            print(f"FAILED: {f}")
        for w in d["advarsler"][:20]:
            print(f"warning: {w}")
        if len(d["advarsler"]) > 20:
            print(f"... {len(d['advarsler']) - 20} more warnings")
        done = not (d["afbrudt"] or a.periods_only or a.existing_db)
        print(f"target backfill <= 15 min: {ok(done and d['ok'] and d['sekunder'] <= TARGET_SECONDS)}"
              f"{'' if done else ' (partial: stopped early or --periods-only)'}")
    finally:
        if not a.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
