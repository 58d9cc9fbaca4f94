"""The package oekonomi_datamart's SELECTs on hand-made rows, and the package as written: every kommune's accounts of the periods,
and the populations of Økonomi's key figures (their denominators in the cube), no other area's."""

from datetime import date
from decimal import Decimal

from flis_assets.omraader.oekonomi import datapakker
from flis_assets_tests.omraader.borger.test_datapakker import MARTS, fil, skriv_pakker
from flis_assets_tests.omraader.oekonomi.regnskab_data import byg, con, konto  # noqa: F401 - con is a fixture

PARAMS = {"fra": "2024-02-01", "til": "2024-02-01"}


def test_the_accounts_of_every_kommune_for_the_period(con):
    konto(con, "2024-01", "10,00")
    konto(con, "2024-02", "20,00", kommune=147, konto="3.22.01")
    konto(con, "2024-02", "30,00", kommune=851)
    byg(con, "2024-01", "2024-02")
    rows = con.execute(f"SELECT kommunekode, visning, funktion, funktion_navn, beloeb FROM ({datapakker.REGNSKAB_SQL}) "
                       "WHERE visning = 'maaned' ORDER BY 1", PARAMS).fetchall()
    assert rows == [(147, "maaned", "3.22.01", "Folkeskoler", Decimal("20.00")),
                    (851, "maaned", "5.30.26", "Personlig og praktisk hjælp og madservice (hjemmehjælp) til hjemmeboende",
                     Decimal("30.00"))]


def test_the_populations_are_the_oekonomi_figures_denominators(con):
    con.execute("CREATE TABLE noegletal.kube (periode DATE, niveau VARCHAR, omraade VARCHAR, noegletal_id VARCHAR, "
                "vaerdi DOUBLE, taeller DOUBLE, naevner DOUBLE)")
    con.execute("""INSERT INTO noegletal.kube VALUES
        ('2024-02-01', 'kommune', '101', 'oekonomi_aeldre_pr_67', 15.0, 1200000, 80000),
        ('2024-02-01', 'region', 'Hovedstaden', 'oekonomi_aeldre_pr_67', 12.6, 1200000, 95000),
        ('2024-02-01', 'kommune', '101', 'vh_udgift_samlet_pr_18_64', 1.0, 1, 1),
        ('2024-01-01', 'kommune', '101', 'oekonomi_aeldre_pr_67', 15.0, 1200000, 79000)""")
    rows = con.execute(f"SELECT niveau, omraade, noegletal_id, indbyggere FROM ({datapakker.POPULATIONER_SQL}) ORDER BY 1",
                       PARAMS).fetchall()
    assert rows == [("kommune", "101", "oekonomi_aeldre_pr_67", 80000), ("region", "Hovedstaden", "oekonomi_aeldre_pr_67", 95000)]


def _oekonomi(con) -> None:
    con.executemany("INSERT INTO datamart.oekonomi_regnskab VALUES (?, ?, ?, '1', '5', 'Sociale opgaver', '5.30', "
                    "'Ældre', ?, 'Hjemmehjælp', '1', ?)", [
                        (MARTS, "maaned", 101, "5.30.26", 500), (MARTS, "aar_til_dato", 101, "5.30.26", 1500),
                        (MARTS, "maaned", 851, "5.30.26", 700), (date(2024, 2, 1), "maaned", 101, "5.30.26", 9)])
    con.execute("""INSERT INTO noegletal.kube VALUES
        ('2024-03-01', 'kommune', '101', 'oekonomi_aeldre_pr_67', 5, 500, 100),
        ('2024-03-01', 'land', 'Danmark', 'oekonomi_aeldre_pr_67', 6, 1200, 200),
        ('2024-03-01', 'kommune', '101', 'aeldre_hjemmehjaelp_pr_100_67', 1, 1, 100)""")


def test_the_package_is_registered_and_written_for_every_kommune_with_accounts(tmp_path, monkeypatch):
    """oekonomi_datamart through the catalogue (`Omraade.pakker`): the same two files to 101 and 851,
    the month's accounts of every kommune and the populations of Økonomi's figures, no CPR number."""
    con = skriv_pakker(tmp_path, monkeypatch, "oekonomi", _oekonomi)
    con.close()
    for kommune in (101, 851):
        regnskab = fil(tmp_path, kommune, "oekonomi_regnskab")
        assert regnskab.select("visning", "kommunekode", "funktion", "beloeb").rows() == [
            ("aar_til_dato", 101, "5.30.26", Decimal(1500)), ("maaned", 101, "5.30.26", Decimal(500)),
            ("maaned", 851, "5.30.26", Decimal(700))]
        assert fil(tmp_path, kommune, "oekonomi_populationer").rows() == [
            ("kommune", "101", "oekonomi_aeldre_pr_67", 100), ("land", "Danmark", "oekonomi_aeldre_pr_67", 200)]
        assert not any("cpr" in k for k in (*regnskab.columns, *fil(tmp_path, kommune, "oekonomi_populationer").columns))
    assert not (tmp_path / "datapakker" / "147").exists()  # no accounts: no package
