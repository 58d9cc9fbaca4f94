"""Materialising load months through the project's Dagster definitions: `flis materialize`.

The reference files are read first; then the load-month layers (rådata, DSA) run as one ranged
run per calendar year; then the period layers, from the newest knowledge, for the months and
every period their data changed. A failed blocking check stops what comes after it and is
reported by name, per month.
"""

import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.instance.config import PoolGranularity
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.dagster_run import FINISHED_STATUSES
from dagster._core.utils import make_new_run_id
from tqdm import tqdm

from flis_assets import partitions, settings
from flis_assets.defs.automation import PERIOD_GROUPS
from flis_assets.resources import holdt_aaben

REFERENCE_GROUP = "referencedata"
LOAD_MONTH_GROUPS = {"raadata", "dsa"}

# Our own progress bar and one line per failure speak to the analyst; Dagster's step log, with
# its tracebacks, stays in the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

POOL = "duckdb"  # every asset and check that opens the DuckDB file (dagster.yaml: one at a time)
TAG_PROCES = "flis/proces"  # the `flis materialize` process a run runs in: "host:boot:pid:start"
RESERVATION = "flis materialize"  # the step key of the pool slot a `flis materialize` holds
VENT_SEKUNDER = 2.0
UAFSLUTTEDE = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
               dg.DagsterRunStatus.CANCELING]


def meld(tekst: str) -> None:
    print(tekst, file=sys.stderr, flush=True)


class DatabaseFejl(Exception):
    """The DuckDB file cannot be opened: one line naming the file and the cause."""


@dataclass
class Outcome:
    maaneder: list[date]
    fejlede_blokerende: list[str] = field(default_factory=list)  # "asset:check (måned)"
    advarsler: list[str] = field(default_factory=list)
    fejlede_trin: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.fejlede_blokerende and not self.fejlede_trin


def instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (runs then show in the UI), else ephemeral.

    A `flis materialize` holds the DuckDB file from its first run to its last, so it holds the
    pool's slot as long (`reserveret`), as one run does with pool granularity "run": its own
    steps then claim no slot of their own, which they would wait for behind its reservation.
    """
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)) as base:
        limit = base.get_concurrency_config().pool_config.default_pool_limit
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(
        home, overrides={"concurrency": {"pools": {"granularity": "run", "default_limit": limit}}}))


def proces_id(pid: int | None = None) -> str:
    """This machine, its boot, a process and its start time: a pid reused later is another process."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{_boot_id()}:{pid}:{_starttid(pid)}"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _starttid(pid: int) -> str:
    try:  # field 22, after the command name in parentheses (which may hold spaces)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _lever(ident: str) -> bool | None:
    """Whether the process `proces_id` named is still running; None when it ran on another machine."""
    try:
        host, boot, pid, start = ident.rsplit(":", 3)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    if boot != _boot_id():
        return False  # the machine has restarted since
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        pass
    return _starttid(int(pid)) == start


def _beskriv(ident: str) -> str:
    host, _, pid, _ = (ident.rsplit(":", 3) + ["", "", "", ""])[:4]
    return f"pid {pid} på {host}"


def ryd_op(inst: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs of `flis materialize` processes that are gone (kill -9, out of memory,
    a restart) and free the pool slots they and their process held: else they stay STARTED and the
    next run waits for their slot forever. Returns the run ids cleaned."""
    storage = inst.event_log_storage
    ryddet = []
    for rec in inst.get_run_records(dg.RunsFilter(statuses=UAFSLUTTEDE)):
        run = rec.dagster_run
        ident = run.tags.get(TAG_PROCES)
        if ident and _lever(ident) is False:
            inst.report_run_failed(run, message=f"Processen ({_beskriv(ident)}) findes ikke længere: "
                                                "kørslen blev afbrudt (dræbt, løbet tør for hukommelse eller genstartet).")
            ryddet.append(run.run_id)
    if storage.supports_global_concurrency_limits:
        info = storage.get_concurrency_info(POOL)
        holders = {(s.run_id, s.step_key) for s in info.claimed_slots} | {(s.run_id, s.step_key) for s in info.pending_steps}
        # a run that has ended holds nothing (a UI run marked failed after its worker died, with no
        # daemon running to free its slot: dagster.yaml's free_slots_after_run_end_seconds)
        ended = {r.dagster_run.run_id for r in inst.get_run_records(dg.RunsFilter(
            run_ids=sorted({run_id for run_id, _ in holders}), statuses=list(FINISHED_STATUSES)))} if holders else set()
        for run_id, step_key in holders:
            ident = step_key.removeprefix(RESERVATION + " ") if step_key.startswith(RESERVATION) else None
            if run_id in ryddet or run_id in ended or (ident and _lever(ident) is False):
                storage.free_concurrency_slots_for_run(run_id)
    return ryddet


def _har_graense(inst: dg.DagsterInstance) -> bool:
    """Whether pool "duckdb" has a limit here (set up as the instance's steps would)."""
    storage = inst.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return False
    default = inst.get_concurrency_config().pool_config.default_pool_limit
    pool = {p.name: p for p in storage.get_pool_limits()}.get(POOL)
    if (pool is None and default is not None) or (pool is not None and pool.from_default and pool.limit != default):
        storage.initialize_concurrency_limit_to_default(POOL)
        pool = {p.name: p for p in storage.get_pool_limits()}.get(POOL)
    return pool is not None


def _hvem(inst: dg.DagsterInstance, own_run_id: str) -> str:
    """Who holds the pool's slot, or has been given it and is about to, for the analyst."""
    info = inst.event_log_storage.get_concurrency_info(POOL)
    holders = dict.fromkeys([(s.run_id, s.step_key) for s in info.claimed_slots]
                            + [(s.run_id, s.step_key) for s in info.pending_steps if s.assigned_timestamp])
    navne = [f"'flis materialize' ({_beskriv(step_key.removeprefix(RESERVATION + ' '))})"
             if step_key.startswith(RESERVATION) else f"kørsel (run-id {run_id[:8]}, trin {step_key})"
             for run_id, step_key in holders if run_id != own_run_id]
    return ", ".join(navne) or "en anden kørsel"


@contextmanager
def reserveret(inst: dg.DagsterInstance, besked: Callable[[str], None] = meld) -> Iterator[None]:
    """Hold pool "duckdb"'s slot for the duration, waiting (said in one line) while another run
    holds it, and cleaning up after runs whose process is gone meanwhile. Only an instance that
    runs the steps under it (granularity "run", `instance`) and limits the pool takes it."""
    ryddet = ryd_op(inst)
    if ryddet:
        besked(f"Ryddede op efter {len(ryddet)} afbrudt(e) kørsel(er), hvis proces ikke findes længere "
               f"(run-id {', '.join(r[:8] for r in ryddet)}): markeret som fejlet, og deres plads i pool '{POOL}' er frigivet.")
    if inst.get_concurrency_config().pool_config.pool_granularity != PoolGranularity.RUN or not _har_graense(inst):
        yield
        return
    storage = inst.event_log_storage
    run_id, step_key = make_new_run_id(), f"{RESERVATION} {proces_id()}"
    try:
        ventet = False
        while not storage.claim_concurrency_slot(POOL, run_id, step_key).is_claimed:
            if not ventet:
                besked(f"Venter på at {_hvem(inst, run_id)} frigiver databasen {settings.duckdb_path()} (pool '{POOL}') …")
                ventet = True
            time.sleep(VENT_SEKUNDER)
            # a holder killed while we wait frees nothing itself
            for r in ryd_op(inst):
                besked(f"Ryddede op efter en afbrudt kørsel (run-id {r[:8]}), hvis proces ikke findes længere.")
        yield
    finally:
        storage.free_concurrency_slots_for_run(run_id)


def _collect(result: dg.ExecuteInProcessResult, label: str, outcome: Outcome) -> None:
    for ev in result.get_asset_check_evaluations():
        if ev.passed:
            continue
        failed = ev.metadata.get("maaneder_med_fejl")
        for when in (failed.value.split(", ") if failed else [label]):
            name = f"{ev.asset_key.to_user_string()}:{ev.check_name} ({when})"
            liste = outcome.fejlede_blokerende if ev.severity == dg.AssetCheckSeverity.ERROR else outcome.advarsler
            if name not in liste:  # a ranged run reports each month and then its whole window
                liste.append(name)
    for ev in result.all_events:
        if ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = ev.event_specific_data.error
            while err.cause is not None:  # the user code's own error, not Dagster's wrapper
                err = err.cause
            # a DuckDB error raised while handling one (the ROLLBACK after a write that failed on a
            # full disk: "no transaction is active") hides the cause: the first one names it
            while err.context is not None and _er_duckdb(err) and _er_duckdb(err.context):
                err = err.context
            outcome.fejlede_trin.append(f"{ev.step_key} ({label}): {aarsag(err.message)}")


def _er_duckdb(err) -> bool:
    return err.message.startswith(("_duckdb.", "duckdb."))


def aarsag(message: str) -> str:
    """An error's first line without the exception's module path and DuckDB's "X Error: " prefix."""
    line = (message.strip().splitlines() or [""])[0].split(" See also ")[0]
    if line.startswith(("_duckdb.", "duckdb.")):
        line = line.split(": ", 1)[-1]
        head, _, rest = line.partition(" Error: ")
        line = rest if rest and " " not in head.strip() else line
    return line


def _ranges(months: list[date]) -> list[tuple[date, date]]:
    """Contiguous runs of months, as (first, last)."""
    out: list[tuple[date, date]] = []
    for m in sorted(set(months)):
        if out and partitions.add_months(out[-1][1], 1) == m:
            out[-1] = (out[-1][0], m)
        else:
            out.append((m, m))
    return out


def _keys(defs: dg.Definitions, groups: set[str]) -> set[dg.AssetKey]:
    return {s.key for s in defs.resolve_all_asset_specs() if s.group_name in groups}


def _run_range(job, keys: set[dg.AssetKey], first: date, last: date, inst, outcome: Outcome) -> None:
    """One ranged run of `keys` over first..last; its failures and warnings go to `outcome`."""
    res = job.get_subset(asset_selection=keys).execute_in_process(
        instance=inst, raise_on_error=False, run_config=QUIET,
        tags={"dagster/asset_partition_range_start": first.isoformat(),
              "dagster/asset_partition_range_end": last.isoformat(), TAG_PROCES: proces_id()},
    )
    _collect(res, f"{first:%Y-%m}..{last:%Y-%m}" if first != last else f"{first:%Y-%m}", outcome)


def materialize_periods(
    defs: dg.Definitions, perioder: list[date], inst: dg.DagsterInstance, outcome: Outcome, progress: bool = True
) -> None:
    """The period layers for these statistical periods, from the newest knowledge, in ranged runs."""
    job = defs.resolve_implicit_global_asset_job_def()
    keys = _keys(defs, PERIOD_GROUPS)
    if not keys:
        return
    # contiguous periods, one run per calendar year: progress an analyst can follow
    ranges = [r for first, last in _ranges(perioder)
              for r in partitions.per_year(partitions.months(first, partitions.add_months(last, 1)))]
    bar = tqdm(ranges, desc="Beregner perioder", unit="år", disable=not progress)
    with holdt_aaben():
        for first, last in bar:
            bar.set_postfix_str(f"{first:%Y-%m}..{last:%Y-%m}")
            _run_range(job, keys, first, last, inst, outcome)


def materialize(
    defs: dg.Definitions, fra: date, til: date, inst: dg.DagsterInstance | None = None, progress: bool = True,
    perioder: bool = True,
) -> Outcome:
    """Load months `fra`..`til` through every layer, then every earlier period they changed.

    The load-month layers run as one ranged run per calendar year. The period layers
    are always computed from the newest knowledge, so each needed period is computed once, after
    the last load month: the months themselves and every period their data changed.
    """
    inst = inst or instance()
    with reserveret(inst):
        kan_aabnes()
        with holdt_aaben():
            return _materialize(defs, fra, til, inst, progress, perioder)


def kan_aabnes() -> None:
    """Open the DuckDB file once, or raise `DatabaseFejl` at once: dagster_duckdb retries an open
    ~100 s in silence, yet under the pool a file that does not open is locked by a program outside
    FLIS, or its folder is read-only or missing, and stays so."""
    path = settings.duckdb_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(path)).close()
    except duckdb.IOException as e:
        if "Could not set lock" in str(e):
            holder = str(e).split("Conflicting lock is held in ", 1)[-1].split(" by user")[0].split(". See")[0]
            raise DatabaseFejl(f"databasen {path} er åben i et andet program uden om FLIS ({holder}); "
                               "luk det og prøv igen") from None
        raise DatabaseFejl(f"kan ikke åbne databasen {path}: {aarsag(f'duckdb.{type(e).__name__}: {e}')}") from None
    except OSError as e:
        raise DatabaseFejl(f"kan ikke åbne databasen {path}: {e.strerror or e}") from None


def _genopbyg_senere(defs: dg.Definitions, job, months: list[date], inst: dg.DagsterInstance,
                     outcome: Outcome) -> list[date]:
    """When the deliveries of these load months changed (a re-delivery into an old month), the DSA of
    every later load month already built is stale: it may now be the newest stock there (VH, Skole,
    Udsatte), and CPR's and Økonomi's monthly changes build on the months before. Rebuild those
    sources and `dsa/aendrede_perioder` up to the newest load month built; returns the months rebuilt,
    whose periods are then computed like the load months'."""
    from flis_assets import snitflader
    from flis_assets.defs.dsa.common import foraeldede_maaneder
    from flis_assets.resources import duckdb_resource

    # a source whose area has no DSA yet (its deliveries land, nothing builds on them) is skipped
    dsa = {k.path[-1] for k in defs.resolve_asset_graph().executable_asset_keys if k.path[0] == "dsa"}
    with duckdb_resource().get_connection() as con:
        foraeldede = {k: foraeldede_maaneder(con, k, months[-1]) for k in snitflader.kilder() if k in dsa}
    foraeldede = {k: ms for k, ms in foraeldede.items() if ms}
    if not foraeldede:
        return []
    senere = partitions.months(min(min(ms) for ms in foraeldede.values()),
                               partitions.add_months(max(max(ms) for ms in foraeldede.values()), 1))
    meld(f"Leverancerne i {_spaend(months)} er ændret, og {_spaend(senere)} byggede på dem: genopbygger "
         f"DSA ({', '.join(sorted(foraeldede))}) og ændrede perioder for {_spaend(senere)}.")
    keys = {dg.AssetKey(["dsa", k]) for k in foraeldede} | {dg.AssetKey(["dsa", "aendrede_perioder"])}
    for first, last in partitions.per_year(senere):
        _run_range(job, keys, first, last, inst, outcome)
        if outcome.fejlede_blokerende or outcome.fejlede_trin:
            break
    return senere


def _spaend(months: list[date]) -> str:
    first, last = min(months), max(months)
    if first == last:
        return f"indlæsningsmåned {first:%Y-%m}"
    return f"indlæsningsmånederne {first:%Y-%m}..{last:%Y-%m}"


def _materialize(defs: dg.Definitions, fra: date, til: date, inst: dg.DagsterInstance, progress: bool,
                 perioder: bool) -> Outcome:
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.resources import duckdb_resource

    job = defs.resolve_implicit_global_asset_job_def()
    months = partitions.months(fra, partitions.add_months(til, 1))
    outcome = Outcome(months)

    ref = job.get_subset(asset_selection=_keys(defs, {REFERENCE_GROUP})).execute_in_process(
        instance=inst, raise_on_error=False, run_config=QUIET, tags={TAG_PROCES: proces_id()}
    )
    _collect(ref, "referencedata", outcome)
    if not ref.success:
        return outcome
    load_keys = _keys(defs, LOAD_MONTH_GROUPS)
    # One ranged run per calendar year: the assets take the months of their window in order.
    bar = tqdm(total=len(months), desc="Indlæser måneder", unit="måned", disable=not progress)
    for first, last in partitions.per_year(months):
        bar.set_postfix_str(f"{first:%Y-%m}..{last:%Y-%m}")
        _run_range(job, load_keys, first, last, inst, outcome)
        bar.update(len(partitions.months(first, partitions.add_months(last, 1))))
        if outcome.fejlede_blokerende or outcome.fejlede_trin:
            break  # a blocking check stops what comes after it
    bar.close()
    if not (outcome.fejlede_blokerende or outcome.fejlede_trin):
        months = months + _genopbyg_senere(defs, job, months, inst, outcome)
    if outcome.fejlede_blokerende or outcome.fejlede_trin or not perioder:
        return outcome  # a blocking check stops what comes after it
    with duckdb_resource().get_connection() as con:
        perioder = perioder_til_genberegning(con, months)
    materialize_periods(defs, perioder, inst, outcome, progress)
    return outcome
