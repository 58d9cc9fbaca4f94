"""Materialising load months through the project's Dagster definitions: `flis materialize`.

The reference files are read first; then the load-month layers (rådata, DSA) run as one ranged
run per calendar year; then the period layers, from the newest knowledge, for the months and
every period their data changed. A failed blocking check stops what comes after it and is
reported by name, per month.
"""

import os
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
from tqdm import tqdm

from flis_assets import partitions
from flis_assets.defs.automation import PERIOD_GROUPS
from flis_assets.resources import holdt_aaben

REFERENCE_GROUP = "referencedata"
LOAD_MONTH_GROUPS = {"raadata", "dsa"}

# Our own progress bar speaks to the analyst; Dagster's step log stays in the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


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
    """The persistent instance when DAGSTER_HOME is set (runs then show in the UI), else ephemeral."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _collect(result: dg.ExecuteInProcessResult, label: str, outcome: Outcome) -> None:
    for ev in result.get_asset_check_evaluations():
        if ev.passed:
            continue
        failed = ev.metadata.get("maaneder_med_fejl")
        for when in (failed.value.split(", ") if failed else [label]):
            name = f"{ev.asset_key.to_user_string()}:{ev.check_name} ({when})"
            if ev.severity == dg.AssetCheckSeverity.ERROR:
                outcome.fejlede_blokerende.append(name)
            else:
                outcome.advarsler.append(name)
    for ev in result.all_events:
        if ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            err = ev.event_specific_data.error
            while err.cause is not None:  # the user code's own error, not Dagster's wrapper
                err = err.cause
            outcome.fejlede_trin.append(f"{ev.step_key} ({label}): {err.message.strip().splitlines()[0]}")


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
              "dagster/asset_partition_range_end": last.isoformat()},
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
    with holdt_aaben():
        return _materialize(defs, fra, til, inst or instance(), progress, perioder)


def _materialize(defs: dg.Definitions, fra: date, til: date, inst: dg.DagsterInstance, progress: bool,
                 perioder: bool) -> Outcome:
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.resources import duckdb_resource

    job = defs.resolve_implicit_global_asset_job_def()
    months = partitions.months(fra, partitions.add_months(til, 1))
    outcome = Outcome(months)

    ref = job.get_subset(asset_selection=_keys(defs, {REFERENCE_GROUP})).execute_in_process(
        instance=inst, raise_on_error=False, run_config=QUIET
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
    if outcome.fejlede_blokerende or outcome.fejlede_trin or not perioder:
        return outcome  # a blocking check stops what comes after it
    with duckdb_resource().get_connection() as con:
        perioder = perioder_til_genberegning(con, months)
    materialize_periods(defs, perioder, inst, outcome, progress)
    return outcome
