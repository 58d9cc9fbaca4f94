"""The package borger_datamart written for a hand-made month (as flis_assets_tests/datapakker/test_katalog.py
writes an area's package): every kommune's population by sex and age group and its movements, and
each move between two kommuner in the packages of those two only. Counts, no CPR number."""

from datetime import date

import duckdb
import polars as pl
import pytest

from flis_assets.defs.datapakker import checks, katalog, pakker
from flis_assets.omraader import omraader
from flis_assets.resources import ensure_schemas, load_kodelister

MARTS = date(2024, 3, 1)
TABELLER = [
    "CREATE TABLE referencedata.abonnementer (kommunekode INTEGER, pakke VARCHAR)",
    "CREATE TABLE datamart.befolkning (periode DATE, kommunekode INTEGER, koen VARCHAR, alder INTEGER, antal BIGINT)",
    "CREATE TABLE datamart.befolkningsbevaegelser (periode DATE, kommunekode INTEGER, bevaegelse VARCHAR, antal BIGINT)",
    "CREATE TABLE datamart.flytninger (periode DATE, fra_kommune INTEGER, til_kommune INTEGER, antal BIGINT)",
    """CREATE TABLE datamart.oekonomi_regnskab (periode DATE, visning VARCHAR, kommunekode INTEGER, dranst VARCHAR,
        hovedkonto VARCHAR, hovedkonto_navn VARCHAR, hovedfunktion VARCHAR, hovedfunktion_navn VARCHAR,
        funktion VARCHAR, funktion_navn VARCHAR, hovedart VARCHAR, beloeb DECIMAL(18, 2))""",
    """CREATE TABLE noegletal.kube (periode DATE, niveau VARCHAR, omraade VARCHAR, noegletal_id VARCHAR,
        vaerdi DOUBLE, taeller DOUBLE, naevner DOUBLE)""",
]


def skriv_pakker(tmp_path, monkeypatch, omraade: str, fyld) -> duckdb.DuckDBPyConnection:
    """A data root in tmp_path whose catalogue is `omraade`'s packages only, filled by `fyld(con)`,
    with March's packages built, checked and written (`pakker.build_indhold`, `write_files`)."""
    monkeypatch.setenv("FLIS_DATA_DIR", str(tmp_path))
    egne = tuple(katalog.replace(p, omraade=omraade) for o in omraader() if o.navn == omraade for p in o.pakker())
    monkeypatch.setattr(katalog, "pakker", lambda: egne)
    con = duckdb.connect(str(tmp_path / "flis.duckdb"))
    ensure_schemas(con)
    load_kodelister(con)
    for ddl in TABELLER:
        con.execute(ddl)
    fyld(con)
    pakker.build_indhold(con, [MARTS])
    for kontrol in checks.kontroller():  # the blocking checks, generated from this catalogue
        assert checks.maanedsfejl(con, kontrol, [MARTS]) == [], kontrol.navn
    list(pakker.write_files(con, [MARTS]))
    return con


def fil(tmp_path, kommune: int, tabel: str) -> pl.DataFrame:
    return pl.read_parquet(tmp_path / "datapakker" / f"{kommune:03d}" / "2024-03" / f"{tabel}.parquet")


def _borger(con) -> None:
    con.executemany("INSERT INTO datamart.befolkning VALUES (?, ?, ?, ?, ?)", [
        (MARTS, 101, "K", 3, 10), (MARTS, 101, "K", 4, 5), (MARTS, 101, "K", 5, 7), (MARTS, 101, "M", 104, 1),
        (MARTS, 101, "M", 110, 2), (MARTS, 147, "K", 40, 20), (MARTS, 851, "M", 67, 30),
        (date(2024, 2, 1), 101, "K", 3, 99)])  # another month: not in March's packages
    con.executemany("INSERT INTO datamart.befolkningsbevaegelser VALUES (?, ?, ?, ?)", [
        (MARTS, 101, "tilflyttede", 4), (MARTS, 147, "fraflyttede", 3), (MARTS, 851, "foedte", 1)])
    con.executemany("INSERT INTO datamart.flytninger VALUES (?, ?, ?, ?)", [
        (MARTS, 147, 101, 3), (MARTS, 851, 101, 1)])


@pytest.fixture
def borger(tmp_path, monkeypatch):
    con = skriv_pakker(tmp_path, monkeypatch, "borger", _borger)
    yield tmp_path
    con.close()


def test_every_kommune_gets_the_population_by_sex_and_age_group(borger):
    for kommune in (101, 147, 851):
        befolkning = fil(borger, kommune, "borger_befolkning")
        assert befolkning.select("kommunekode", "koen", "aldersgruppe", "antal").rows() == [
            (101, "K", "0-4", 15), (101, "K", "5-9", 7), (101, "M", "100+", 3),
            (147, "K", "40-44", 20), (851, "M", "65-69", 30)]
        assert fil(borger, kommune, "borger_bevaegelser").rows() == [
            (101, "tilflyttede", 4), (147, "fraflyttede", 3), (851, "foedte", 1)]


def test_a_move_is_in_the_packages_of_its_two_kommuner_only(borger):
    assert fil(borger, 101, "borger_flytninger").rows() == [(147, 101, 3), (851, 101, 1)]
    assert fil(borger, 147, "borger_flytninger").rows() == [(147, 101, 3)]
    assert fil(borger, 851, "borger_flytninger").rows() == [(851, 101, 1)]
    assert fil(borger, 851, "borger_flytninger").columns == ["fra_kommune", "til_kommune", "antal"]


def test_no_table_of_the_package_has_a_cpr_number(borger):
    for tabel in ("borger_befolkning", "borger_bevaegelser", "borger_flytninger"):
        assert not any("cpr" in k.lower() for k in fil(borger, 101, tabel).columns)
