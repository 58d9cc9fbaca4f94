"""datamart.aeldre_benchmark and datamart.aeldre_aed06_afstemning on hand-made harmonised lines (aeldre.md)."""

from datetime import date

import dagster as dg
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from flis_assets.omraader.aeldre import referencedata as ref
from flis_assets.omraader.aeldre import checks_datamart, datamart
from flis_assets.resources import duckdb_resource, ensure_schemas
from flis_assets_tests.omraader.aeldre.aeldre_data import MAR, PLEJEBOLIG, PLEJEHJEM, PRAKTISK, con, indsaet, sql  # noqa: F401

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)
KVARTAL = [JAN, FEB, MAR]


def benchmark(con, kommune=101) -> dict:
    rows = sql(con, "SELECT * EXCLUDE (periode, kommunekode) FROM datamart.aeldre_benchmark "
                    "WHERE periode = ? AND kommunekode = ?", [MAR, kommune])
    return {r.pop("indsatstype"): r for r in rows.iter_rows(named=True)}


def test_benchmark_counts_residents_waiting_and_home_help_outside_a_care_home_stay(con):
    indsaet(con, cpr="A", timer_pr_uge=3.0)
    indsaet(con, cpr="A", timer_pr_uge=1.5, **PRAKTISK)
    indsaet(con, cpr="B", slutdato=date(2024, 3, 15))  # ended in the period
    indsaet(con, cpr="C", midlertidig="J", hjemmehjaelp=False, timer_pr_uge=5.0)  # temporary: no hjemmehjælp
    indsaet(con, cpr="D", timer_pr_uge=4.0)  # moved into a care home: home help no longer counts
    indsaet(con, cpr="D", startdato=date(2024, 3, 10), **PLEJEBOLIG)
    indsaet(con, cpr="E", slettes_af_dst=True)  # DST deletes it
    indsaet(con, cpr="F", visitationsdato=date(2024, 3, 1), startdato=None, **PLEJEBOLIG)  # waiting
    indsaet(con, cpr="G", visitationsdato=date(2024, 2, 1), startdato=date(2024, 4, 10), **PLEJEHJEM)  # moves in later
    indsaet(con, cpr="H", alternativ_slutdato=date(2024, 3, 20))  # died on 20 March
    indsaet(con, cpr="K", kommunekode=147, **PRAKTISK)
    datamart.build(con, [MAR], [MAR])
    assert benchmark(con) == {
        "PERSONLIG_PLEJE": dict(modtagere=3, hjemmehjaelp_modtagere=1, ventende=None, modtagere_i_perioden=5,
                                visiterede_timer=3.0),
        "PRAKTISK_HJAELP": dict(modtagere=1, hjemmehjaelp_modtagere=1, ventende=None, modtagere_i_perioden=1,
                                visiterede_timer=1.5),
        "PLEJEBOLIG": dict(modtagere=1, hjemmehjaelp_modtagere=None, ventende=1, modtagere_i_perioden=1,
                           visiterede_timer=None),
        "PLEJEHJEM": dict(modtagere=0, hjemmehjaelp_modtagere=None, ventende=1, modtagere_i_perioden=0,
                          visiterede_timer=None),
    }
    assert benchmark(con, 147)["PRAKTISK_HJAELP"]["hjemmehjaelp_modtagere"] == 1
    assert "cpr" not in sql(con, "SELECT * FROM datamart.aeldre_benchmark").columns


def test_home_help_counts_again_the_day_after_a_care_home_stay_ends(con):
    indsaet(con, cpr="A", timer_pr_uge=2.5)
    indsaet(con, cpr="A", startdato=date(2024, 2, 1), slutdato=date(2024, 3, 30), **PLEJEHJEM)
    indsaet(con, cpr="B", timer_pr_uge=1.0)
    indsaet(con, cpr="B", startdato=date(2024, 2, 1), slutdato=date(2024, 3, 31), **PLEJEHJEM)
    datamart.build(con, [MAR], [MAR])
    pp = benchmark(con)["PERSONLIG_PLEJE"]
    assert (pp["modtagere"], pp["hjemmehjaelp_modtagere"], pp["visiterede_timer"]) == (2, 1, 2.5)


def aed06(tmp_path, linjer: list[str]):
    path = tmp_path / "AED06.csv"
    path.write_text("omraade;ydelsestype;tid;indhold\n" + "".join(f"{linje}\n" for linje in linjer), encoding="utf-8")
    return path


@pytest.fixture
def kvartal(con, tmp_path):
    """Q1 2024: the lines in each month they belong to, and AED06 for the quarter."""
    indsaet(con, [JAN], cpr="P1", startdato=date(2024, 1, 5), slutdato=date(2024, 1, 20))  # January only
    indsaet(con, [FEB, MAR], cpr="P2", startdato=date(2024, 2, 1))  # always inside a care-home stay
    indsaet(con, [FEB, MAR], cpr="P2", startdato=date(2024, 2, 1), **PLEJEBOLIG)
    indsaet(con, [JAN, FEB], cpr="P3", slutdato=date(2024, 2, 20))  # in a stay until 10 February, not on the 11th-20th
    indsaet(con, [JAN, FEB], cpr="P3", startdato=date(2023, 12, 1), slutdato=date(2024, 2, 10), **PLEJEHJEM)
    indsaet(con, KVARTAL, cpr="P4", midlertidig="J", hjemmehjaelp=False, **PRAKTISK)  # temporary
    indsaet(con, KVARTAL, cpr="P5", slettes_af_dst=True)
    indsaet(con, [MAR], cpr="P6", kommunekode=147, startdato=date(2024, 3, 31), **PRAKTISK)
    frame = ref.read_aed06(aed06(tmp_path, [
        "101;PERSONLIG_PLEJE;2024K1;2", "101;PRAKTISK_HJAELP;2024K1;3", "147;PERSONLIG_PLEJE;2024K1;4",
        "101;PERSONLIG_PLEJE;2023K4;9"]))
    con.execute("CREATE OR REPLACE TABLE referencedata.aed06 AS SELECT * FROM frame")
    return con


def afstemning(con) -> set[tuple]:
    return set(sql(con, "SELECT periode, kvartal, kommunekode, ydelsestype, flis, aed06, difference "
                        "FROM datamart.aeldre_aed06_afstemning").iter_rows())


def test_aed06_counts_every_day_of_the_quarter_outside_care_home_stays(kvartal):
    datamart.build(kvartal, [MAR], KVARTAL)  # the quarter's months are materialised, the run is March alone
    assert afstemning(kvartal) == {
        (MAR, "2024K1", 101, "PERSONLIG_PLEJE", 2, 2, 0),
        (MAR, "2024K1", 101, "PRAKTISK_HJAELP", 0, 3, -3),
        (MAR, "2024K1", 147, "PERSONLIG_PLEJE", 0, 4, -4),
        (MAR, "2024K1", 147, "PRAKTISK_HJAELP", 1, None, None),
    }


def test_aed06_only_for_quarters_whose_three_months_are_materialised(kvartal):
    datamart.build(kvartal, KVARTAL, [FEB, MAR])
    assert afstemning(kvartal) == set()
    datamart.build(kvartal, [FEB], KVARTAL)  # no quarter ends in February
    assert afstemning(kvartal) == set()


def test_aed06_warning_names_kommune_ydelsestype_and_quarter_not_the_matches(kvartal):
    datamart.build(kvartal, [MAR], KVARTAL)
    fejl = sql(kvartal, checks_datamart.AED06_SQL, {"maaned": MAR})
    assert fejl.select("kommunekode", "ydelsestype", "kvartal", "regel").rows() == [
        (147, "PERSONLIG_PLEJE", "2024K1", "AFVIGER_FRA_AED06"), (101, "PRAKTISK_HJAELP", "2024K1", "AFVIGER_FRA_AED06"),
        (147, "PRAKTISK_HJAELP", "2024K1", "MANGLER_I_AED06")]
    assert "cpr" not in fejl.columns
    [check] = checks_datamart.checks
    assert [s.name for s in check.check_specs] == ["aed06_afvigelser"]
    assert not next(iter(check.check_specs)).blocking


def test_aed06_reference_file_header_only_and_bad_lines(tmp_path):
    tom = ref.read_aed06(aed06(tmp_path, []))
    assert tom.height == 0 and dict(tom.schema) == {"kommunekode": pl.Int32, "ydelsestype": pl.String,
                                                     "kvartal": pl.String, "aed06": pl.Int64}
    for linje, aarsag in [("999;PERSONLIG_PLEJE;2024K1;2", "omraade er ikke en af de 98 kommuners koder"),
                          ("101;PERSONLIG_PLEJE;2024Q1;2", "tid skal være et kvartal som 2024K1"),
                          ("101;PERSONLIG_PLEJE;2024K1;to", "indhold skal være et heltal"),
                          ("101;;2024K1;2", "ydelsestype skal være angivet")]:
        with pytest.raises(dg.Failure) as fejl:
            ref.read_aed06(aed06(tmp_path, ["101;PRAKTISK_HJAELP;2024K1;1", linje]))
        assert f"AED06.csv, linje 3: {aarsag}" in fejl.value.description


def test_the_datamart_asset_loads_with_its_deps():
    defs = dg.Definitions(assets=datamart.assets, resources={"duckdb": duckdb_resource()})
    dg.Definitions.validate_loadable(defs)
    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    assert {d.asset_key.to_user_string() for d in specs["datamart/aeldre_aed06_afstemning"].deps} == {
        "harmoniseret/aeldre_indsatser", "referencedata/aed06"}


def test_the_asset_reconciles_a_quarter_once_its_three_months_are_materialised(flis):
    """Through Dagster: which months of harmoniseret.aeldre_indsatser are materialised is the instance's word."""
    from flis_assets import partitions

    @dg.asset(key=["harmoniseret", "aeldre_indsatser"], partitions_def=partitions.maaned)
    def harmoniseret_stub(context, duckdb: DuckDBResource):  # a line of P1 in every month it runs for
        with duckdb.get_connection() as c:
            ensure_schemas(c)
            c.execute(datamart.INDSATSER_DDL)
            indsaet(c, [date.fromisoformat(context.partition_key)], cpr="P1")

    flis.reference("AED06.csv", "omraade;ydelsestype;tid;indhold\n101;PERSONLIG_PLEJE;2024K1;1\n")
    resources = {"duckdb": duckdb_resource()}
    assert dg.materialize([ref.aed06], instance=flis.instance, resources=resources).success

    def koer(maaned: str):
        assert dg.materialize([harmoniseret_stub, *datamart.assets], partition_key=f"{maaned}-01",
                              instance=flis.instance, resources=resources).success
        return flis.sql("SELECT kvartal, kommunekode, flis, aed06, difference FROM datamart.aeldre_aed06_afstemning").rows()

    assert koer("2024-03") == []  # January and February never materialised
    koer("2024-01")
    assert koer("2024-02") == []  # no quarter ends in February
    assert koer("2024-03") == [("2024K1", 101, 1, 1, 0)]
