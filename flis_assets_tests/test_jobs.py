"""The steward's jobs: 'indlæs måneder' and 'genberegn perioder', launched with a range of months."""

import logging

import dagster as dg
import pytest
from dagster._core.definitions.partitions.partition_key_range import PartitionKeyRange
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.execution.job_backfill import _get_partitions_chunk
from dagster._core.remote_representation.external_data import PartitionSetSnap
from dagster._core.test_utils import in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from flis_assets import partitions
from flis_assets.defs.automation import PERIOD_GROUPS
from flis_assets.definitions import build_defs
from flis_assets_tests.conftest import cpr_line, module_flis, vh_line

PEOPLE = ["0101801234", "0202802345"]
RANGE = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-02-01"}


def keys_of(defs, groups) -> set[dg.AssetKey]:
    return {s.key for s in defs.resolve_all_asset_specs() if s.group_name in groups}


@pytest.fixture(scope="module")
def jobbet(tmp_path_factory):
    """Reference data, then both jobs over 2024-01..02 as ranged runs, as the job page launches them."""
    with module_flis(tmp_path_factory, "jobs") as f:
        for m in ("2024-01", "2024-02"):
            f.deliver("cpr", m, 0, "CPR", m.replace("-", "") + "05", [cpr_line(c) for c in PEOPLE])
            f.deliver("vh", m, 101, "NEXUS", m.replace("-", "") + "05",
                      [vh_line(f"y{i}", cpr=c, kode="1.8.1", start="20230101", ophold="1") for i, c in enumerate(PEOPLE)])
        defs = build_defs()
        ref = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection=keys_of(defs, {"referencedata"})).execute_in_process(instance=f.instance)
        assert ref.success
        results = {n: defs.resolve_job_def(n).execute_in_process(instance=f.instance, tags=RANGE, raise_on_error=False)
                   for n in ("indlaes_maaneder", "genberegn_perioder")}
        yield f, defs, results


def test_jobs_select_their_layers_with_monthly_single_run_partitions():
    defs = build_defs()
    for name, groups in (("indlaes_maaneder", set(partitions.LOAD_MONTH_GROUPS)), ("genberegn_perioder", PERIOD_GROUPS)):
        job = defs.resolve_job_def(name)
        assert job.partitions_def == partitions.maaned
        assert set(job.asset_layer.executable_asset_keys) == keys_of(defs, groups), name
        assert {s.group_name for s in defs.resolve_all_asset_specs()
                if s.key in job.asset_layer.executable_asset_keys} == groups
        # What a backfill from the job's Partitions tab reads: single-run means one run per range.
        snap = PartitionSetSnap.from_job_def(job)
        assert snap.backfill_policy == dg.BackfillPolicy.single_run(), name
    # dsa/aendrede_perioder drives the period recomputation: the load job must build it
    assert dg.AssetKey(["dsa", "aendrede_perioder"]) in defs.resolve_job_def("indlaes_maaneder").asset_layer.executable_asset_keys


@pytest.mark.parametrize("job", ["indlaes_maaneder", "genberegn_perioder"])
def test_a_backfill_from_the_job_page_launches_one_run_per_contiguous_range(job):
    """What the daemon does with Partitions > Launch backfill on the job's page (a job backfill, not an
    asset backfill): the months it submits at once, as Dagster 1.13 chunks them for the job."""
    target = LoadableTargetOrigin(module_name="flis_assets.definitions", attribute="defs")
    with dg.instance_for_test() as inst, in_process_test_workspace(inst, target) as ws:
        repo = next(iter(ws.get_code_location(ws.code_location_names[0]).get_repositories().values()))
        partition_set = repo.get_partition_set(f"{job}_partition_set")
        backfill = PartitionBackfill(
            backfill_id="b", status=BulkActionStatus.REQUESTED, from_failure=False, tags={}, backfill_timestamp=0.0,
            partition_set_origin=partition_set.get_remote_origin(),
            partition_names=["2024-01-01", "2024-02-01", "2024-03-01", "2024-06-01"])
        chunk, _, more = _get_partitions_chunk(inst, logging.getLogger(__name__), backfill, 100, partition_set)
    assert chunk == [PartitionKeyRange("2024-01-01", "2024-03-01"), PartitionKeyRange("2024-06-01", "2024-06-01")]
    assert not more


def test_a_ranged_launch_is_one_run_materialising_every_asset_of_the_job_for_each_month(jobbet):
    f, defs, results = jobbet
    for name, groups in (("indlaes_maaneder", set(partitions.LOAD_MONTH_GROUPS)), ("genberegn_perioder", PERIOD_GROUPS)):
        res = results[name]
        assert res.success, name
        runs = f.instance.get_runs(dg.RunsFilter(job_name=name))
        assert len(runs) == 1, name
        got = {(e.asset_key, e.partition) for e in res.get_asset_materialization_events() for e in [e.materialization]}
        wanted = {(k, m) for k in keys_of(defs, groups) for m in ("2024-01-01", "2024-02-01")}
        assert wanted <= got, sorted(wanted - got)
        # the layers' checks run in the same run
        checked = {e.asset_key for e in res.get_asset_check_evaluations()}
        assert checked and checked <= keys_of(defs, groups), name


def test_the_period_job_computed_the_periods_from_the_loaded_months(jobbet):
    f, _, _ = jobbet
    per = f.sql("SELECT strftime(periode, '%Y-%m') AS p, count(DISTINCT ydelse_id) AS n FROM harmoniseret.vh_ydelser "
                "GROUP BY 1 ORDER BY 1").rows()
    assert per == [("2024-01", 2), ("2024-02", 2)]
