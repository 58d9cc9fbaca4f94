"""Plausibility against a kommune's own history: a hand-made history in a small DuckDB, no graph."""

from datetime import date

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions
from flis_assets.checks import factory
from flis_assets.defs.datamart import plausibilitet
from flis_assets.resources import load_kodelister

MAANED = date(2024, 6, 1)
VH = dg.AssetCheckKey(dg.AssetKey(["harmoniseret", "vh_ydelser"]), "plausibel_vh_unikke_modtagere")


def month(i: int) -> date:
    """`i` months after MAANED (negative: before)."""
    n = MAANED.year * 12 + MAANED.month - 1 + i
    return date(n // 12, n % 12 + 1, 1)


def recipients(con, kommune: int, per_month: dict[date, int], slettes: int = 0) -> None:
    """Lines of harmoniseret.vh_ydelser: `n` recipients of `kommune` in each month (plus `slettes`
    lines DST deletes, which must not count)."""
    rows = [(m, kommune, f"{kommune}-{i}", i < slettes) for m, n in per_month.items() for i in range(n + slettes)]
    con.executemany("INSERT INTO harmoniseret.vh_ydelser VALUES (?, ?, ?, ?)", rows)


def database(con) -> None:
    """The code lists and the columns of harmoniseret.vh_ydelser that the Voksenhandicap measure reads."""
    load_kodelister(con)
    con.execute("CREATE TABLE harmoniseret.vh_ydelser (periode DATE, handlekommune INTEGER, cpr VARCHAR, "
                "slettes_af_dst BOOLEAN)")


@pytest.fixture
def con():
    with duckdb.connect() as c:
        database(c)
        yield c


def flagged(con, m: date = MAANED, check: dg.AssetCheckKey = VH) -> pl.DataFrame:
    """The check's failing rows for month `m`, read as the check reads them."""
    ((_, frame),) = factory.frames_in_turn(con, factory.LAESER[check], [m])
    return frame


def history(n_months: int, value: int) -> dict[date, int]:
    return {month(-i): value for i in range(1, n_months + 1)}


def test_a_kommune_that_doubles_is_flagged_with_its_expected_range(con):
    # Aarhus: 40 recipients for a year (one odd month does not move the median), then 80
    recipients(con, 751, {**history(12, 40), month(-3): 90, MAANED: 80}, slettes=2)
    recipients(con, 101, {**history(12, 200), MAANED: 210})  # København within range
    rows = flagged(con).to_dicts()
    assert rows == [{"kommunekode": 751, "kommunenavn": "Aarhus", "maal": "unikke modtagere", "vaerdi": 80,
                     "forventet_fra": 20.0, "forventet_til": 80.0, "median_historik": 40.0,
                     "maaneder_historik": 12, "regel": "UDEN_FOR_EGEN_HISTORIK"}]


def test_a_small_kommune_going_from_3_to_7_is_not_flagged(con):
    recipients(con, 825, {**history(12, 3), MAANED: 7})  # Læsø: more than doubles, but by 4 people
    assert flagged(con).is_empty()


def test_too_little_history_is_not_judged(con):
    recipients(con, 751, {**history(5, 40), MAANED: 400})  # five months before: a new source
    assert flagged(con).is_empty()
    recipients(con, 751, {month(-6): 40})  # the sixth month makes it judged
    assert flagged(con)["vaerdi"].to_list() == [400]


def test_a_month_within_range_passes(con):
    recipients(con, 751, {**history(12, 40), MAANED: 79})
    recipients(con, 101, {**history(12, 200), MAANED: 101})
    assert flagged(con).is_empty()


def test_zero_after_a_history_is_flagged_but_a_month_without_any_rows_is_not_judged(con):
    recipients(con, 751, history(12, 40))
    assert flagged(con).is_empty()  # nothing delivered in June for anyone: not judged here
    recipients(con, 825, history(12, 3))  # Læsø's 3 to 0 is flagged too, below the minimum difference
    recipients(con, 101, {**history(12, 200), MAANED: 200})
    rows = flagged(con)
    assert rows.select("kommunekode", "vaerdi", "regel").to_dicts() == [
        {"kommunekode": 751, "vaerdi": 0, "regel": "NUL_EFTER_HISTORIK"},
        {"kommunekode": 825, "vaerdi": 0, "regel": "NUL_EFTER_HISTORIK"}]


def test_the_check_warns_naming_kommune_measure_month_value_and_range(con, tmp_path):
    """Run through Dagster as a run does (a stand-in for the asset): a warning, never blocking."""
    path = tmp_path / "flis.duckdb"
    with duckdb.connect(str(path)) as disk:
        database(disk)
        recipients(disk, 751, {**history(12, 40), MAANED: 100})
        recipients(disk, 751, {month(1): 41})
    check = next(c for c in plausibilitet.checks if VH in c.check_keys)

    @dg.asset(key=VH.asset_key, partitions_def=partitions.maaned, backfill_policy=partitions.single_run)
    def stand_in() -> None:
        return None

    result = dg.materialize([stand_in, check], resources={"duckdb": DuckDBResource(database=str(path))},
                            tags={"dagster/asset_partition_range_start": "2024-06-01",
                                  "dagster/asset_partition_range_end": "2024-07-01"})
    evals = result.get_asset_check_evaluations()
    # each month's own result (checks/factory), then the run's summary
    assert {x.partition: x.passed for x in evals if x.partition} == {"2024-06-01": False, "2024-07-01": True}
    (e,) = [x for x in evals if x.partition is None]
    assert not e.passed and e.severity == dg.AssetCheckSeverity.WARN
    assert e.metadata["maaneder_kontrolleret"].value == "2024-06, 2024-07"
    assert e.metadata["maaneder_med_fejl"].value == "2024-06"
    vist = e.metadata["fejlende_noegler"].value
    assert "| 751 | Aarhus | unikke modtagere | 100 | 20.0 | 80.0 | 40.0 | 12 | UDEN_FOR_EGEN_HISTORIK | 2024-06-01 |" in vist
    spec = next(iter(check.check_specs))
    assert not spec.blocking and "for lidt historik" in spec.description


def test_net_expenses_are_judged_by_their_own_factor_and_a_negative_median_too(con):
    """Økonomi: factor 3 and a minimum of 100.000 kr.; a net income (negative) has its range turned round."""
    udgifter = dg.AssetCheckKey(dg.AssetKey(["datamart", "vh_udgifter"]), "plausibel_oekonomi_nettoudgifter")
    con.execute("CREATE TABLE datamart.vh_udgifter (periode DATE, kommunekode INTEGER, ydelseskode VARCHAR, "
                "udgifter DOUBLE)")
    rows = [(m, 751, "1.8.1", v) for m, v in {**history(12, 1_000_000), MAANED: 2_500_000}.items()]  # within 3x
    rows += [(m, 101, "1.8.1", v) for m, v in {**history(12, -300_000), MAANED: -1_000_000}.items()]
    rows += [(m, 825, "1.8.1", v) for m, v in {**history(12, 20_000), MAANED: 90_000}.items()]  # under 100.000 kr.
    con.executemany("INSERT INTO datamart.vh_udgifter VALUES (?, ?, ?, ?)", rows)
    assert flagged(con, check=udgifter).select("kommunekode", "vaerdi", "forventet_fra", "forventet_til").to_dicts() == [
        {"kommunekode": 101, "vaerdi": -1_000_000.0, "forventet_fra": -900_000.0, "forventet_til": -100_000.0}]


def katalog_med(**aendret) -> dict:
    """Voksenhandicap's row of the catalogue (written in its area's folder), changed."""
    katalog = kodelister.load("plausibilitet")
    return {**katalog.filter(pl.col("maal") == "vh_unikke_modtagere").row(0, named=True), **aendret}


@pytest.mark.parametrize("aendret, besked", [
    ({"tabel": "dsa.cpr"}, "linje 7: tabel 'dsa.cpr' er ikke tilladt"),
    ({"kolonne": "cpr) FROM dsa.cpr --"}, "linje 7: kolonne 'cpr) FROM dsa.cpr --' er ikke tilladt"),
    ({"kommunekolonne": "kommunekode"}, "linje 7: kommunekolonne 'kommunekode' er ikke tilladt"),
    ({"aggregat": "max"}, "linje 7: aggregat 'max' er ikke tilladt"),
    ({"maal": "x'; DROP TABLE y; --"}, "linje 7: maal"),
    ({"faktor": "1"}, "linje 7: faktor '1' skal være et tal over 1"),
    ({"minimum_afvigelse": "mange"}, "linje 7: minimum_afvigelse 'mange' skal være et tal på mindst 0"),
])
def test_a_catalogue_row_outside_the_allow_list_is_refused_naming_its_line(aendret, besked):
    with pytest.raises(ValueError, match="^omraader/voksenhandicap/plausibilitet.csv " + besked.replace("(", r"\(").replace(")", r"\)")):
        plausibilitet.sql(katalog_med(**aendret), 7)


def test_every_catalogue_measure_reads_its_table_at_the_grain_of_kommune_and_month():
    """Each measure's SQL runs (identifiers, aggregate, catalogue join) against empty tables of the allow-list."""
    with duckdb.connect() as c:
        load_kodelister(c)
        for tabel, kolonner in plausibilitet.TILLADTE.items():
            typer = {k: "BOOLEAN" if k == "slettes_af_dst" else "INTEGER" if "kommune" in k else
                     "VARCHAR" if k == "cpr" else "BIGINT" for k in kolonner}
            c.execute(f"CREATE TABLE {tabel} (periode DATE, {', '.join(f'{k} {t}' for k, t in typer.items())})")
        katalog = kodelister.load("plausibilitet")
        assert set(katalog["omraade"]) == {"Voksenhandicap", "Skole", "Udsatte", "Økonomi", "CPR"}
        for linje, maal in enumerate(katalog.iter_rows(named=True), start=2):
            assert c.sql(plausibilitet.sql(maal, linje), params={"maaned": MAANED}).fetchall() == []
