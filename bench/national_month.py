"""Benchmark: one national load month (all 98 kommuner, scale 1) from delivery files through DSA.

Measures, each phase in a fresh process (so peak RSS is that phase's own; DuckDB runs in-process):
1. generation of the month's deliveries with `flis_assets.generate.generate`;
2. the FLOOR: DuckDB's bare `read_csv` of the same files, one `CREATE TABLE ... AS SELECT *` per
   source (a glob over its files, all text, no quoting) into a fresh database, then CHECKPOINT;
3. the real month: `flis_assets.run.materialize` (reference files, then the load month's run of
   every load-month asset and check; the period layers only with --periods) on an ephemeral Dagster instance and
   a fresh DuckDB file. "Through DSA" is the reference and load-month runs (run records); landing
   time is the sum of the rådata asset steps' durations (STEP_SUCCESS events).

Prints the figures (wall and CPU seconds), each layer's and each area's share of the step durations
(an area's own steps by layer; the cube, packages, changed periods and shared reference files as
"fælles") and whether the targets hold: landing <= 2 x floor, month through DSA <= 60 s (with
--periods also the month through every layer), peak memory <= 6 GiB.

    make bench                                   # = .venv/bin/python bench/national_month.py
    .venv/bin/python bench/national_month.py --month 2024-03 --scale 1 --out /tmp/flis_bench --keep
    .venv/bin/python bench/national_month.py --out /tmp/flis_bench --reuse   # skip generation
    # the month alone through every layer: the stocks cut to begin in the month (a first load would
    # otherwise compute every period since 2013, the full stocks' history; see generate/historik.py)
    .venv/bin/python bench/national_month.py --periods --historik-fra 2024-03
    # the monthly run on a warm warehouse: the month before loaded first (not timed), history from it
    .venv/bin/python bench/national_month.py --periods --varm --historik-fra 2024-02
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

GIB = 1024**3
LANDING_FACTOR, MONTH_SECONDS, PEAK_GIB = 2.0, 60.0, 6.0


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB  # ru_maxrss is KiB on Linux


def cpu_seconds() -> float:
    """User + system CPU of this process (all its threads): a figure that contention on a shared
    machine inflates far less than wall time."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def quiet() -> None:
    warnings.filterwarnings("ignore", message=r".* is currently in (beta|preview)")


def in_fresh_process(fn, *args):
    """Run `fn(*args)` in a new interpreter, so its peak RSS is its own."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=quiet) as ex:
        return ex.submit(fn, *args).result()


def generer(data: Path, month: str, scale: float, seed: int, fra: str | None = None) -> dict:
    """The load month's deliveries (from the load month `fra` on, when given)."""
    from flis_assets import partitions
    from flis_assets.generate import generate

    m = partitions.parse_month(month)
    t = time.perf_counter()
    res = generate(data, None, partitions.parse_month(fra) if fra else m, m, scale=scale, seed=seed, progress=False)
    return {"sekunder": time.perf_counter() - t, "linjer": res.lines, "peak": peak_rss_gib(), "cpu": cpu_seconds()}


def floor(data: Path, month: str, db: Path, memory_limit: str, per_file: bool = False) -> dict:
    """DuckDB's own read of the delivery files, nothing else: the least landing can cost.
    One table per source from a glob (DuckDB reads the files in parallel), or one per file."""
    import duckdb

    from flis_assets import partitions, snitflader

    m = partitions.parse_month(month)
    t = time.perf_counter()
    con = duckdb.connect(str(db), config={"memory_limit": memory_limit, "preserve_insertion_order": True})
    linjer, tider = {}, {}
    for kilde in snitflader.kilder().values():
        t0 = time.perf_counter()
        folder = data / "incoming" / kilde.kilde / f"{m:%Y-%m}"
        enc = "utf-8" if kilde.encoding == "utf-8" else "latin-1"  # cp1252: DuckDB's nearest built-in
        files = sorted(folder.glob("*.csv")) if per_file else [folder / "*.csv"]
        linjer[kilde.kilde] = 0
        for i, f in enumerate(files):
            con.execute(
                f"CREATE TABLE {kilde.kilde}_{i} AS SELECT * FROM read_csv(?, delim=';', header=false, "
                f"all_varchar=true, quote='', encoding='{enc}')",
                [str(f)],
            )
            linjer[kilde.kilde] += con.execute(f"SELECT count(*) FROM {kilde.kilde}_{i}").fetchone()[0]
        tider[kilde.kilde] = time.perf_counter() - t0
    con.execute("CHECKPOINT")
    con.close()
    return {"sekunder": time.perf_counter() - t, "linjer": linjer, "tider": tider, "peak": peak_rss_gib(),
            "cpu": cpu_seconds()}


def run_label(tags, step_keys) -> str:
    """A run of `run.materialize`: the reference files, load months (rådata + DSA), or periods.
    Told by its steps: a run's asset selection is not recorded for a job subset."""
    if "dagster/asset_partition_range_start" in tags:
        window = f"{tags['dagster/asset_partition_range_start']}..{tags['dagster/asset_partition_range_end']}"
    else:
        window = tags.get("dagster/partition")
    if window is None:
        return "referencedata"
    if any(k.startswith(("raadata__", "dsa__")) for k in step_keys):
        return f"load months {window} (rådata + DSA)"
    return f"periods {window}"


FAELLES = "fælles"  # the platform's steps that serve every area (reference files, changed periods, cube, packages)


def trin_steder(defs) -> dict[str, tuple[str, str]]:
    """Each step (op) of the project -> (area title, layer), so the figures show each area's share.
    The layer is its asset's first key part (checks: the checked asset's). The area: the one whose
    `assets()` holds the asset, else the one describing the source (rådata, DSA), else the one whose
    prefix the table name carries; else the platform's shared step."""
    from flis_assets import omraader, snitflader

    egne = {k: o.titel for o in omraader.omraader() for a in o.assets() for k in a.keys}
    kilder = {k: omraader.omraade(kilde.omraade).titel for k, kilde in snitflader.kilder().items()}
    praefikser = [(o.praefiks, o.titel) for o in omraader.omraader()]

    def omraade(key) -> str:
        if key in egne:
            return egne[key]
        if key.path[0] in ("raadata", "dsa") and key.path[-1] in kilder:
            return kilder[key.path[-1]]
        navn = key.path[-1]
        return next((t for p, t in praefikser if navn == p or navn.startswith(f"{p}_")), FAELLES)

    steder = {}
    for a in defs.resolve_asset_graph().assets_defs:
        keys = sorted(a.keys) or sorted(c.asset_key for c in a.check_keys)
        if keys:
            steder[a.node_def.name] = (omraade(keys[0]), keys[0].path[0])
    return steder


def gennem_dsa(data: Path, month: str, db: Path, perioder: bool) -> dict:
    """The month the way `flis materialize` runs it, with the step durations from the event log."""
    os.environ["FLIS_DATA_DIR"] = str(data)
    os.environ["FLIS_DUCKDB"] = str(db)
    import dagster as dg

    from flis_assets import partitions, run
    from flis_assets.definitions import build_defs

    m = partitions.parse_month(month)
    defs = build_defs()
    landing_ops = {
        defs.resolve_assets_def(s.key).node_def.name
        for s in defs.resolve_all_asset_specs() if s.group_name == "raadata"
    }
    with dg.DagsterInstance.ephemeral() as inst:
        t = time.perf_counter()
        outcome = run.materialize(defs, m, m, inst=inst, progress=False, perioder=perioder)
        wall = time.perf_counter() - t
        runs, steps = [], []
        for rec in sorted(inst.get_run_records(), key=lambda r: r.start_time):
            events = [e.dagster_event for e in inst.all_logs(rec.dagster_run.run_id,
                                                              of_type=dg.DagsterEventType.STEP_SUCCESS)]
            runs.append((run_label(rec.dagster_run.tags, [ev.step_key for ev in events]),
                         rec.end_time - rec.start_time))
            steps += [(ev.step_key, ev.event_specific_data.duration_ms / 1000) for ev in events]
    landing = sum(s for k, s in steps if k in landing_ops)
    return {
        "sekunder": wall, "dsa": sum(s for label, s in runs if not label.startswith("periods")),
        "landing": landing, "runs": runs, "steps": steps, "peak": peak_rss_gib(),
        "fejl": outcome.fejlede_blokerende + outcome.fejlede_trin, "advarsler": outcome.advarsler,
        "cpu": cpu_seconds(), "steder": trin_steder(defs),
    }


def print_andele(steps: list[tuple[str, float]], steder: dict[str, tuple[str, str]]) -> None:
    """Step seconds per layer, per area (split by layer) and each area's slowest steps."""
    total = sum(s for _, s in steps) or 1.0
    lag: dict[str, float] = {}
    omr: dict[str, dict[str, float]] = {}
    trin: dict[str, list[tuple[float, str]]] = {}
    for k, s in steps:
        o, lg = steder.get(k, (FAELLES, "?"))
        lag[lg] = lag.get(lg, 0.0) + s
        per_lag = omr.setdefault(o, {})
        per_lag[lg] = per_lag.get(lg, 0.0) + s
        trin.setdefault(o, []).append((s, k))
    print(f"steps per layer (sum of step durations, {total:.1f} s in all):")
    for lg, s in sorted(lag.items(), key=lambda x: -x[1]):
        print(f"  {s:7.1f} s  {100 * s / total:4.0f} %  {lg}")
    print("steps per area (by layer), with its three slowest steps:")
    for o, ls in sorted(omr.items(), key=lambda x: -sum(x[1].values())):
        s = sum(ls.values())
        print(f"  {s:7.1f} s  {100 * s / total:4.0f} %  {o}: "
              + ", ".join(f"{lg} {v:.1f}" for lg, v in sorted(ls.items(), key=lambda x: -x[1])))
        for v, k in sorted(trin[o], reverse=True)[:3]:
            print(f"             {v:7.1f} s  {k}")


def db_size_gib(db: Path) -> float:
    return sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists()) / GIB


def ok(flag: bool) -> str:
    return "OK" if flag else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="working folder (default: a new temp folder under /tmp)")
    ap.add_argument("--month", default="2024-03", help="load month ÅÅÅÅ-MM (default 2024-03)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--floor-per-file", action="store_true", help="floor: one table per file, not per source")
    ap.add_argument("--periods", action="store_true", help="also run the period layers after DSA")
    ap.add_argument("--reuse", action="store_true", help="reuse deliveries already generated in --out/data")
    ap.add_argument("--keep", action="store_true", help="keep the working folder (default: delete it)")
    ap.add_argument("--historik-fra", help="ÅÅÅÅ-MM: cut the generated stocks to begin then (generate/historik.py), "
                    "so the first load computes the periods from then, not every period since 2013")
    ap.add_argument("--varm", action="store_true", help="load the month before first (not timed): the month is then "
                    "the monthly run on a warm warehouse")
    a = ap.parse_args()

    from flis_assets import settings

    out = a.out or Path(tempfile.mkdtemp(prefix="flis_bench_", dir="/tmp"))
    data = out / "data"
    mem = settings.duckdb_memory_limit()
    for f in ("floor.duckdb", "floor.duckdb.wal", "flis.duckdb", "flis.duckdb.wal"):
        (out / f).unlink(missing_ok=True)
    print(f"folder: {out}  month: {a.month}  scale: {a.scale}  DuckDB memory_limit: {mem}  cpus: {os.cpu_count()}")
    try:
        if a.reuse and (data / "incoming").is_dir():
            print("generation: skipped (--reuse)")
        else:
            shutil.rmtree(data, ignore_errors=True)
            from flis_assets import partitions

            foer = f"{partitions.add_months(partitions.parse_month(a.month), -1):%Y-%m}" if a.varm else None
            g = in_fresh_process(generer, data, a.month, a.scale, a.seed, foer)
            print(f"generation: {g['sekunder']:.1f} s, CPU {g['cpu']:.1f} s (peak RSS {g['peak']:.2f} GiB)")

        if a.historik_fra:
            from flis_assets import partitions
            from flis_assets.generate import historik

            n = historik.afkort(data, partitions.parse_month(a.historik_fra))
            print(f"history cut to begin {a.historik_fra}: {n} files of the interval sources rewritten")

        fl = in_fresh_process(floor, data, a.month, out / "floor.duckdb", mem, a.floor_per_file)
        mb = sum(p.stat().st_size for p in (data / "incoming").rglob("*.csv")) / 1024**2
        print(f"delivery files: {mb:.0f} MiB")
        for k, n in fl["linjer"].items():
            print(f"lines {k}: {n:,}")
        print(f"total lines: {sum(fl['linjer'].values()):,}")

        if a.varm:
            from flis_assets import partitions

            foer = f"{partitions.add_months(partitions.parse_month(a.month), -1):%Y-%m}"
            v = in_fresh_process(gennem_dsa, data, foer, out / "flis.duckdb", a.periods)
            print(f"warm-up: the month before ({foer}) loaded first, not timed below: {v['sekunder']:.1f} s, "
                  f"CPU {v['cpu']:.1f} s{'; FAILED' if v['fejl'] else ''}")
        d = in_fresh_process(gennem_dsa, data, a.month, out / "flis.duckdb", a.periods)
        print(f"landing wall time (rådata steps): {d['landing']:.1f} s")
        print(f"floor wall time (bare read_csv {'per file' if a.floor_per_file else 'per source'} + CHECKPOINT): {fl['sekunder']:.1f} s, CPU {fl['cpu']:.1f} s (peak RSS {fl['peak']:.2f} GiB)")
        steps = dict(d["steps"])
        for k, s in fl["tider"].items():
            print(f"  {k}: landing step {steps.get(f'raadata__{k}', float('nan')):.1f} s, floor read_csv {s:.1f} s")
        ratio = d["landing"] / fl["sekunder"]
        print(f"ratio landing/floor: {ratio:.2f}")
        print(f"month through DSA wall time (reference + load-month runs): {d['dsa']:.1f} s")
        print(f"whole flis_assets.run.materialize (incl. any period layers after DSA): {d['sekunder']:.1f} s")
        print(f"CPU of the materialize process (user + system, {os.cpu_count()} cores): {d['cpu']:.1f} s")
        for label, s in d["runs"]:
            print(f"  run {label}: {s:.1f} s")
        print_andele(d["steps"], d["steder"])
        print("slowest steps:")
        for k, s in sorted(d["steps"], key=lambda x: -x[1])[:10]:
            print(f"  {s:7.1f} s  {k}")
        print(f"peak memory (RSS, materialize process{' incl. period layers' if a.periods else ''}): {d['peak']:.2f} GiB")
        print(f"DuckDB file size: {db_size_gib(out / 'flis.duckdb'):.2f} GiB (floor DB {db_size_gib(out / 'floor.duckdb'):.2f} GiB)")
        for f in d["fejl"]:
            print(f"FAILED: {f}")
        for w in d["advarsler"]:
            print(f"warning: {w}")
        print(f"target landing <= {LANDING_FACTOR:g} x floor: {ok(ratio <= LANDING_FACTOR)}")
        print(f"target month through DSA <= {MONTH_SECONDS:g} s: {ok(d['dsa'] <= MONTH_SECONDS)}")
        if a.periods:
            print(f"target month through every layer (whole materialize) <= {MONTH_SECONDS:g} s: "
                  f"{ok(not d['fejl'] and d['sekunder'] <= MONTH_SECONDS)}")
        print(f"target peak memory <= {PEAK_GIB:g} GiB: {ok(d['peak'] <= PEAK_GIB)}")
    finally:
        if not a.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
