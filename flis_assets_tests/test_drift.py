"""Faults as an operator meets them: a killed `flis materialize`, two runs at once, a database that
cannot be opened or written. Each gives one line, and nothing waits forever for a dead process."""

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from flis_assets import cli, run
from flis_assets.resources import replace_window
from flis_assets_tests.conftest import Flis, cpr_line, vh_line

REPO = Path(__file__).resolve().parents[1]
CPRS = [f"{i:02d}0180{4000 + i}" for i in range(1, 6)]


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    """A persistent instance with the project's dagster.yaml (pool "duckdb", limit 1)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setattr(run, "VENT_SEKUNDER", 0.2)
    return home


def dead_process() -> str:
    """The `proces_id` of a process that has since been killed."""
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(0.2)
    ident = run.proces_id(p.pid)
    p.kill()
    p.wait()
    return ident


def pool(inst) -> dg.DagsterInstance:
    return inst.event_log_storage.get_concurrency_info(run.POOL)


def test_dead_runs_are_failed_and_their_slot_freed(dagster_home):
    inst = run.instance()
    dead = dead_process()
    stale = DagsterRun(job_name="__ASSET_JOB", run_id="dod-koersel", status=dg.DagsterRunStatus.STARTED,
                       tags={run.TAG_PROCES: dead})
    alive = DagsterRun(job_name="__ASSET_JOB", run_id="levende", status=dg.DagsterRunStatus.STARTED,
                       tags={run.TAG_PROCES: run.proces_id()})
    ended = DagsterRun(job_name="__ASSET_JOB", run_id="ui-fejlet", status=dg.DagsterRunStatus.FAILURE)
    for r in (stale, alive, ended):
        inst.add_run(r)
    assert run._har_graense(inst)
    storage = inst.event_log_storage
    assert storage.claim_concurrency_slot(run.POOL, "dod-koersel", "dsa__vh").is_claimed
    # a killed `flis materialize`'s own reservation, waiting behind the step; a UI run marked failed
    storage.claim_concurrency_slot(run.POOL, "dod-reservation", f"{run.RESERVATION} {dead}")
    storage.claim_concurrency_slot(run.POOL, "ui-fejlet", "dsa__cpr")
    assert pool(inst).claimed_slots and len(pool(inst).pending_steps) == 3

    assert run.ryd_op(inst) == ["dod-koersel"]
    assert inst.get_run_by_id("dod-koersel").status == dg.DagsterRunStatus.FAILURE
    assert inst.get_run_by_id("levende").status == dg.DagsterRunStatus.STARTED
    assert not pool(inst).claimed_slots and not pool(inst).pending_steps


def test_a_run_waits_for_the_holder_in_one_line_and_a_step_waits_for_it(dagster_home):
    inst = run.instance()
    assert run._har_graense(inst)
    storage = inst.event_log_storage
    assert storage.claim_concurrency_slot(run.POOL, "ui-backfill", "harmoniseret__vh_ydelser").is_claimed
    lines, held, release = [], threading.Event(), threading.Event()

    def flis_materialize():
        with run.reserveret(inst, besked=lines.append):
            held.set()
            release.wait(30)

    t = threading.Thread(target=flis_materialize)
    t.start()
    time.sleep(1.5)
    assert not held.is_set()
    assert lines == [f"Venter på at kørsel (run-id ui-backf, trin harmoniseret__vh_ydelser) frigiver databasen "
                     f"{run.settings.duckdb_path()} (pool 'duckdb') …"]
    storage.free_concurrency_slots_for_run("ui-backfill")
    assert held.wait(10)

    # while `flis materialize` holds the file, a UI run's step (pool granularity op) waits for it
    @dg.op(pool=run.POOL)
    def skriver():
        return 1

    @dg.job
    def ui_koersel():
        skriver()

    done = threading.Event()
    with dg.DagsterInstance.get() as ui:
        ui_thread = threading.Thread(target=lambda: (ui_koersel.execute_in_process(instance=ui), done.set()))
        ui_thread.start()
        time.sleep(2)
        assert not done.is_set()
        release.set()
        t.join(10)
        assert done.wait(30)
        ui_thread.join()
    assert not pool(inst).claimed_slots


def test_a_write_on_a_full_disk_names_the_file_not_the_rollback(tmp_path):
    path = tmp_path / "flis.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (periode DATE, n INT)")
    (tmp_path / "flis.duckdb.wal").symlink_to("/dev/full")  # every write: No space left on device

    @dg.asset
    def skriver():
        with duckdb.connect(str(path)) as con:
            replace_window(con, "t", "periode", date(2024, 1, 1), date(2024, 2, 1),
                           "SELECT DATE '2024-01-01' AS periode, range::INT AS n FROM range(100000)")

    with dg.DagsterInstance.ephemeral() as inst:
        res = dg.materialize([skriver], instance=inst, raise_on_error=False)
    outcome = run.Outcome([])
    run._collect(res, "2024-01", outcome)
    assert outcome.fejlede_trin == [
        f'skriver (2024-01): Failed to commit: Could not write file "{path}.wal": No space left on device']


def test_a_database_held_outside_flis_or_in_no_folder_is_one_line_exit_2(flis, capsys, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line()])
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(flis.root / 'flis.duckdb')!r}); "
                               "print('aaben', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "aaben"
        t = time.monotonic()
        assert cli.main(["materialize", "--from", "2024-01", "--to", "2024-01"]) == cli.EXIT_USAGE
        assert time.monotonic() - t < 20  # not dagster_duckdb's ~100 s of retries
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"flis: databasen {flis.root / 'flis.duckdb'} er åben i et andet program uden om FLIS (")
    assert f"(PID {holder.pid})" in err and "\n" not in err

    (flis.root / "mappe").mkdir()  # a folder where the database file should be
    monkeypatch.setenv("FLIS_DUCKDB", str(flis.root / "mappe"))
    assert cli.main(["materialize", "--from", "2024-01", "--to", "2024-01"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"flis: kan ikke åbne databasen {flis.root / 'mappe'}: ") and "\n" not in err


def deliver(f: Flis) -> None:
    f.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(c, foedt="19800101") for c in CPRS])
    f.deliver("vh", "2024-01", 101, "NEXUS", "20240105",
              [vh_line(f"l{i}", cpr=c, kode="1.8.1", start="20240101", ophold="1") for i, c in enumerate(CPRS)])


def tables(root: Path) -> dict:
    """Every table's rows, but for the time a file was loaded (raadata.leverancer.indlaest_tid) and
    the run that found a check's failing key (validering.fejl.koersel)."""
    with duckdb.connect(str(root / "flis.duckdb"), read_only=True) as con:
        cols = con.execute("SELECT table_schema || '.' || table_name, string_agg(column_name, ', ' ORDER BY ordinal_position) "
                           "FROM information_schema.columns WHERE data_type NOT LIKE 'TIMESTAMP%' "
                           "AND NOT (table_schema = 'validering' AND column_name = 'koersel') GROUP BY 1 ORDER BY 1").fetchall()
        return {t: con.sql(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in cols}


@pytest.fixture
def started():
    """The processes a test starts; any still running when it ends (a failed test) is killed."""
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def flis_materialize(root: Path, home: Path, started: list) -> subprocess.Popen:
    env = {**os.environ, "FLIS_DATA_DIR": str(root), "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("FLIS_DUCKDB", None)
    started.append(subprocess.Popen([sys.executable, "-m", "flis_assets.cli", "materialize", "--from", "2024-01", "--to", "2024-01"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return started[-1]


def stderr_lines(proc: subprocess.Popen) -> "queue.Queue[str]":
    """The process's stderr lines as they come, so a test that expects one never hangs on it."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    return lines


def wait_for(cond, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if got := cond():
            return got
        time.sleep(0.2)
    raise AssertionError(f"ventede forgæves på {what}")


def test_killed_run_is_cleaned_up_and_the_rerun_waits_then_equals_an_uninterrupted_run(tmp_path, dagster_home, monkeypatch,
                                                                                       started):
    roots = {k: tmp_path / k for k in ("draebt", "uafbrudt")}
    with dg.DagsterInstance.ephemeral() as eph:
        for r in roots.values():
            deliver(Flis(r, eph))
        monkeypatch.setenv("FLIS_DATA_DIR", str(roots["uafbrudt"]))
        assert Flis(roots["uafbrudt"], eph).materialize("2024-01").ok
    monkeypatch.setenv("FLIS_DATA_DIR", str(roots["draebt"]))

    first = flis_materialize(roots["draebt"], dagster_home, started)
    inst = dg.DagsterInstance.get()

    def started_step():  # a load-month run of this process under way: the file and the slot held
        return [r for r in inst.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
                if r.dagster_run.tags.get(run.TAG_PROCES, "").split(":")[2:3] == [str(first.pid)]
                and "dagster/asset_partition_range_start" in r.dagster_run.tags]
    wait_for(started_step, 60, "en påbegyndt kørsel")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert pool(inst).claimed_slots  # what made every later run wait forever

    # the second run cleans up, then waits in one line for a live holder (here: this test)
    holder = "en-anden-koersel"
    assert inst.event_log_storage.claim_concurrency_slot(run.POOL, holder, "dsa__vh").is_claimed is False
    second = flis_materialize(roots["draebt"], dagster_home, started)
    err = stderr_lines(second)
    cleaned = err.get(timeout=60)
    assert cleaned.startswith("Ryddede op efter 1 afbrudt(e) kørsel(er), hvis proces ikke findes længere (run-id ")
    wait_for(lambda: inst.event_log_storage.claim_concurrency_slot(run.POOL, holder, "dsa__vh").is_claimed, 30,
             "at testen fik pladsen")
    waiting = err.get(timeout=30)
    assert waiting.startswith("Venter på at kørsel (run-id en-anden, trin dsa__vh) frigiver databasen")
    assert second.poll() is None
    inst.event_log_storage.free_concurrency_slots_for_run(holder)
    assert second.wait(timeout=120) == 0
    out = second.stdout.read()
    rest = "".join(err.get() for _ in range(err.qsize()))
    assert "Warning" not in rest and "Traceback" not in rest
    assert "Færdig: 1 måned(er) materialiseret" in out
    assert not pool(inst).claimed_slots
    statuses = {r.dagster_run.status for r in inst.get_run_records()}
    assert dg.DagsterRunStatus.STARTED not in statuses

    assert tables(roots["draebt"]) == tables(roots["uafbrudt"])


def test_loading_the_code_location_is_quiet():
    """`dagster dev` loads flis_assets.definitions (workspace.yaml): no Beta/PreviewWarning blocks."""
    p = subprocess.run([sys.executable, "-c", "import flis_assets.definitions"], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "Warning" not in p.stderr
