"""Check results per month, seen through Dagster's GraphQL API as the UI sees them, and every
failing key in the validation table.

Three months of Voksenhandicap are loaded once; February gets a line without handlekommune. A
ranged run over the three months records each month's result for its own partition, and a later
run over March alone leaves January's and February's in place."""

import json
from datetime import date

import dagster as dg
import polars as pl
import pytest

from flis_assets.checks import factory, validering
from flis_assets_tests.conftest import Flis, module_flis, vh_line

SKEMA = "dsa/vh:skema"
MAANEDER = ["2024-01", "2024-02", "2024-03"]

EXECUTIONS = """
query ($assetKey: AssetKeyInput!, $checkName: String!, $partition: String) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, partition: $partition, limit: 10) {
    runId partition status
    evaluation { success partition metadataEntries { label ... on IntMetadataEntry { intValue } } }
  }
  assetNodes(assetKeys: [$assetKey]) {
    assetCheckOrError(checkName: $checkName) {
      ... on AssetCheck { partitionStatuses { ... on AssetCheckTimePartitionStatuses {
          ranges { startKey endKey status } } } }
    }
  }
}"""


@pytest.fixture(scope="module")
def kvartal(tmp_path_factory):
    from dagster._core.test_utils import instance_for_test

    # a persistent instance (not ephemeral) so the GraphQL workspace can read it
    with module_flis(tmp_path_factory, "pr_maaned") as tmp, instance_for_test() as inst:
        flis = Flis(tmp.root, inst)
        for i, m in enumerate(MAANEDER):
            flis.deliver("vh", m, 101, "NEXUS", f"{m.replace('-', '')}05",
                         [vh_line(str(n), handle="147" if n == 2 else "101") for n in range(1, 4)])
        assert flis.materialize(MAANEDER[0], MAANEDER[-1], perioder=False).ok
        flis.execute("""UPDATE dsa.vh SET handlekommune = NULL WHERE indlaesningsmaaned = '2024-02-01'
                        AND ydelse_id IN ('1', '2')""")
        yield flis


def seneste(flis) -> tuple[dict[str, tuple[bool, int, str]], list[tuple[str, str, str]]]:
    """Per month: the latest execution's result, its antal_fejl and run, asked through GraphQL per
    partition as the UI asks for a check's months; and the check's partition status ranges (the
    UI's bar of months)."""
    from dagster._core.test_utils import in_process_test_workspace
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
    from dagster_graphql.test.utils import execute_dagster_graphql

    out = {}
    origin = LoadableTargetOrigin(module_name="flis_assets.definitions", attribute="defs")
    with in_process_test_workspace(flis.instance, origin) as ctx:
        for m in MAANEDER:
            res = execute_dagster_graphql(ctx, EXECUTIONS, {
                "assetKey": {"path": ["dsa", "vh"]}, "checkName": "skema", "partition": f"{m}-01"})
            e = res.data["assetCheckExecutions"][0]
            assert e["partition"] == e["evaluation"]["partition"] == f"{m}-01"
            antal = {x["label"]: x.get("intValue") for x in e["evaluation"]["metadataEntries"]}["antal_fejl"]
            out[m] = (e["evaluation"]["success"], antal, e["runId"])
        statuser = res.data["assetNodes"][0]["assetCheckOrError"]["partitionStatuses"]["ranges"]
    return out, [(r["startKey"], r["endKey"], r["status"]) for r in statuser]


def test_each_month_keeps_its_own_result_through_later_runs(kvartal):
    samlet = kvartal.check_evaluations([SKEMA], MAANEDER[0], MAANEDER[-1])[SKEMA]
    assert not samlet.passed and samlet.metadata["maaneder_med_fejl"].value == "2024-02"  # the run's summary

    foer, statuser = seneste(kvartal)
    assert {m: r[:2] for m, r in foer.items()} == {"2024-01": (True, 0), "2024-02": (False, 2), "2024-03": (True, 0)}
    assert statuser == [("2024-01-01", "2024-01-01", "SUCCEEDED"), ("2024-02-01", "2024-02-01", "FAILED"),
                        ("2024-03-01", "2024-03-01", "SUCCEEDED")]
    run_ids = {r[2] for r in foer.values()}
    assert len(run_ids) == 1  # one ranged run, and the blocking check still fails it
    assert kvartal.instance.get_run_by_id(run_ids.pop()).status == dg.DagsterRunStatus.FAILURE

    kvartal.check_evaluations([SKEMA], "2024-03")
    efter, statuser = seneste(kvartal)
    assert efter["2024-03"][2] != foer["2024-03"][2] and efter["2024-03"][:2] == (True, 0)
    assert efter["2024-01"] == foer["2024-01"] and efter["2024-02"] == foer["2024-02"]  # still shown
    assert ("2024-02-01", "2024-02-01", "FAILED") in statuser


def test_every_failing_key_is_in_the_validation_table_once_with_kommune_names(kvartal):
    for _ in range(2):  # a re-run replaces the month's keys, never adds to them
        e = kvartal.check_evaluations([SKEMA], "2024-02")[SKEMA]
    fejl = kvartal.sql(f"SELECT maaned::VARCHAR AS maaned, regel, kommunekode, noegle FROM {validering.TABEL} "
                       "WHERE tjek = ? ORDER BY noegle", [SKEMA])
    assert fejl["maaned"].to_list() == ["2024-02-01"] * 2
    assert set(fejl["regel"]) == {"not_nullable (handlekommune)"}
    noegler = [json.loads(n) for n in fejl["noegle"]]
    assert [n["linjenr"] for n in noegler] == ["1", "2"] and all(n["kommunekode"] == "101" for n in noegler)
    assert fejl["kommunekode"].to_list() == [101, 101]

    assert "| kommunekode | kommunenavn |" in e.metadata["fejlende_noegler"].value
    assert "| 101 | København |" in e.metadata["fejlende_noegler"].value
    alle = e.metadata["alle_fejl"].value
    assert validering.TABEL in alle and f"tjek = '{SKEMA}' AND maaned = DATE '2024-02-01'" in alle


def test_a_month_that_passes_again_has_no_keys_left(kvartal):
    kvartal.check_evaluations([SKEMA], MAANEDER[0], MAANEDER[-1])
    kvartal.execute("UPDATE dsa.vh SET handlekommune = '147' WHERE handlekommune IS NULL")
    try:
        assert kvartal.check_evaluations([SKEMA], "2024-02")[SKEMA].passed
        assert kvartal.sql(f"SELECT count(*) AS n FROM {validering.TABEL} WHERE tjek = ?", [SKEMA])["n"][0] == 0
    finally:
        kvartal.execute("""UPDATE dsa.vh SET handlekommune = NULL WHERE indlaesningsmaaned = '2024-02-01'
                           AND ydelse_id IN ('1', '2')""")


def test_cpr_columns_never_reach_the_table():
    rows = validering.raekker(pl.DataFrame({"cpr": ["0101801234"], "handlekommune": ["751"], "regel": ["R"],
                                            "maaned": [date(2024, 1, 1)]}))
    assert rows["kommunekode"].to_list() == [751] and "0101801234" not in rows["noegle"][0]


def test_past_the_shown_keys_the_metadata_points_to_the_table():
    maaned = date(2024, 2, 1)
    fejl = pl.DataFrame({"kommunekode": [101] * 250, "linjenr": list(range(250)), "regel": ["R"] * 250,
                         "maaned": [maaned] * 250})
    r = factory.result([fejl], [maaned], dg.AssetCheckSeverity.WARN, tjek=SKEMA)
    assert r.metadata["fejlende_noegler"].value.endswith(
        f"… og 50 flere: alle står i `{validering.TABEL}` (se alle_fejl)")
    assert "SELECT maaned, regel, kommunekode, noegle FROM validering.fejl" in r.metadata["alle_fejl"].value
