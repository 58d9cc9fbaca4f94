"""Faults as an operator meets them, on generated data, each through the real `flis` command:

1. kill -9 of `flis materialize` once its load-month run is under way (`--kill-after` seconds
   later), then `flis materialize` again: it must say what it cleaned, finish, and give exactly
   the tables of an uninterrupted run (compared table by table in DuckDB, load times aside);
2. (as root: a tmpfs) the database on a full disk: exit 1 and a line naming the file and
   `No space left on device`;
3. (as root: a read-only tmpfs) the database in a read-only folder: exit 2 at once, one line.

    .venv/bin/python bench/drift_faults.py --out /tmp/flis_drift
    .venv/bin/python bench/drift_faults.py --out /tmp/flis_drift --kill-after 20 --skip-mounts

Slow (minutes: three whole runs); the quick cases are in flis_assets_tests/test_drift.py.
Note: `--kommuner 101` alone fails in referencedata (an empty systemskifte.csv), hence 101,265.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLIS = [sys.executable, "-m", "flis_assets.cli"]
MONTH = ["--from", "2024-01", "--to", "2024-01"]


def env(data: Path, db: Path, home: Path | None) -> dict:
    e = {**os.environ, "FLIS_DATA_DIR": str(data), "FLIS_DUCKDB": str(db), "PYTHONPATH": str(REPO)}
    e.pop("DAGSTER_HOME", None)
    if home:
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        e["DAGSTER_HOME"] = str(home)
    return e


def materialize(e: dict, timeout: float) -> tuple[int, str, float]:
    t = time.perf_counter()
    p = subprocess.run([*FLIS, "materialize", *MONTH], env=e, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in p.stderr.replace("\r", "\n").splitlines() if ln.strip() and "it/s" not in ln
             and not ln.startswith(("Indlæser", "Beregner"))]
    return p.returncode, "\n".join(lines), time.perf_counter() - t


def differing_tables(a: Path, b: Path) -> list[str]:
    """Tables whose rows differ between the two databases (timestamps, the load time, aside)."""
    import duckdb

    with duckdb.connect(config={"enable_progress_bar": False}) as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        cols = con.execute("SELECT schema_name, table_name, string_agg(column_name, ', ') FROM duckdb_columns() "
                           "WHERE database_name = 'a' AND data_type NOT LIKE 'TIMESTAMP%' GROUP BY ALL").fetchall()
        out = []
        for schema, table, c in cols:
            q = f"(SELECT {c} FROM a.{schema}.{table} EXCEPT ALL SELECT {c} FROM b.{schema}.{table})"
            r = f"(SELECT {c} FROM b.{schema}.{table} EXCEPT ALL SELECT {c} FROM a.{schema}.{table})"
            if con.execute(f"SELECT (SELECT count(*) FROM {q}) + (SELECT count(*) FROM {r})").fetchone()[0]:
                out.append(f"{schema}.{table}")
        return out


def started_load_run(home: Path, pid: int) -> bool:
    code = ("import dagster as dg, sys; i = dg.DagsterInstance.get(); sys.exit(0 if any("
            "r.dagster_run.tags.get('flis/proces', '').split(':')[2:3] == [sys.argv[1]] and "
            "'dagster/asset_partition_range_start' in r.dagster_run.tags for r in i.get_run_records("
            "dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))) else 1)")
    return subprocess.run([sys.executable, "-W", "ignore", "-c", code, str(pid)], env={**os.environ, "DAGSTER_HOME": str(home)},
                          capture_output=True).returncode == 0


def kill_and_rerun(out: Path, data: Path, kill_after: float) -> bool:
    ref_rc, ref_err, ref_s = materialize(env(data, out / "uafbrudt.duckdb", out / "home_uafbrudt"), 3600)
    print(f"uafbrudt kørsel: exit {ref_rc} på {ref_s:.0f} s")
    home = out / "home_draebt"
    e = env(data, out / "draebt.duckdb", home)
    p = subprocess.Popen([*FLIS, "materialize", *MONTH], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not started_load_run(home, p.pid):
        if p.poll() is not None or time.monotonic() > deadline:
            print("kørslen nåede ikke at begynde på indlæsningsmånederne")
            return False
        time.sleep(1)
    time.sleep(kill_after)
    p.send_signal(signal.SIGKILL)
    p.wait()
    print(f"kill -9 {kill_after:.0f} s inde i indlæsningen")
    rc, err, s = materialize(e, 3600)
    print(f"genkørsel: exit {rc} på {s:.0f} s\n  " + err.replace("\n", "\n  "))
    diff = differing_tables(out / "draebt.duckdb", out / "uafbrudt.duckdb")
    print("tabeller som en uafbrudt kørsel" if not diff else f"AFVIGER: {', '.join(diff)}")
    return rc == ref_rc == 0 and "Ryddede op efter" in err and not diff


def on_tmpfs(folder: Path, size: str, read_only: bool):
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}" + (",ro" if read_only else ""), "tmpfs", str(folder)], check=True)


def full_and_read_only(out: Path, data: Path) -> bool:
    ok = True
    for name, size, ro, want_rc, want in (("fuld", "3m", False, 1, "No space left on device"),
                                           ("skrivebeskyttet", "1m", True, 2, "Read-only file system")):
        folder = out / name
        on_tmpfs(folder, size, ro)
        try:
            rc, err, s = materialize(env(data, folder / "flis.duckdb", None), 1800)
        finally:
            subprocess.run(["umount", str(folder)], check=False)
        first = err.splitlines()[0] if err else ""
        good = rc == want_rc and want in err and str(folder) in err and "Traceback" not in err
        print(f"{name}: exit {rc} på {s:.0f} s, {len(err.splitlines())} linje(r): {first}")
        ok &= good
    return ok


def main() -> int:
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--kommuner", default="101,265")
    a.add_argument("--scale", default="0.02")
    a.add_argument("--kill-after", type=float, default=5.0)
    a.add_argument("--skip-mounts", action="store_true", help="no tmpfs cases (they need root)")
    args = a.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    data = args.out / "data"
    subprocess.run([*FLIS, "generate", *MONTH[:2], "--kommuner", args.kommuner, "--scale", args.scale, "--seed", "1",
                    "--out", str(data)], env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, capture_output=True)
    ok = kill_and_rerun(args.out, data, args.kill_after)
    if not args.skip_mounts and os.geteuid() == 0:
        ok &= full_and_read_only(args.out, data)
    print("OK" if ok else "FEJL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
