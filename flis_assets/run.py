"""Materialising load months through the project's Dagster definitions: `flis materialize`.

Each load month is one run over every partitioned layer, in order, the way the monthly
operation runs in Dagster; the reference files are read first. A failed blocking check stops
the month's downstream assets and is reported by name.
"""

import os
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
from tqdm import tqdm

from flis_assets import partitions

REFERENCE_GROUP = "referencedata"
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
        name = f"{ev.asset_key.to_user_string()}:{ev.check_name} ({label})"
        if ev.severity == dg.AssetCheckSeverity.ERROR:
            outcome.fejlede_blokerende.append(name)
        else:
            outcome.advarsler.append(name)
    for ev in result.all_events:
        if ev.event_type == dg.DagsterEventType.STEP_FAILURE:
            outcome.fejlede_trin.append(f"{ev.step_key} ({label}): {ev.event_specific_data.error.message.strip()}")


def materialize(
    defs: dg.Definitions, fra: date, til: date, inst: dg.DagsterInstance | None = None, progress: bool = True
) -> Outcome:
    inst = inst or instance()
    job = defs.resolve_implicit_global_asset_job_def()
    ref_keys = [s.key for s in defs.resolve_all_asset_specs() if s.group_name == REFERENCE_GROUP]
    part_keys = [s.key for s in defs.resolve_all_asset_specs() if s.partitions_def is not None]
    months = partitions.months(fra, partitions.add_months(til, 1))
    outcome = Outcome(months)

    ref = job.get_subset(asset_selection=set(ref_keys)).execute_in_process(instance=inst, raise_on_error=False, run_config=QUIET)
    _collect(ref, "referencedata", outcome)
    if not ref.success:
        return outcome
    bar = tqdm(months, desc="Indlæser måneder", unit="måned", disable=not progress)
    for m in bar:
        bar.set_postfix_str(f"{m:%Y-%m}")
        res = job.get_subset(asset_selection=set(part_keys)).execute_in_process(
            instance=inst, partition_key=m.isoformat(), raise_on_error=False, run_config=QUIET
        )
        _collect(res, f"{m:%Y-%m}", outcome)
    return outcome
