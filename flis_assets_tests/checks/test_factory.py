"""A check that cannot read what it guards fails, saying so; a month materialised without rows passes."""

from datetime import date

import duckdb
import pytest

from flis_assets.checks import factory
from flis_assets_tests.checks.test_blokerende import omdoeb_foerste_tabel
from flis_assets_tests.conftest import vh_line

SKEMA = "dsa/vh:skema"


@pytest.fixture
def januar(flis):
    """January loaded with Voksenhandicap alone: Skole's DSA table is materialised, and empty."""
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("1")])
    assert flis.materialize("2024-01", perioder=False).ok
    return flis


def test_a_month_materialised_without_rows_passes(januar):
    assert januar.sql("SELECT count(*) AS n FROM dsa.skole")["n"][0] == 0
    checks = ["dsa/skole:skema", "dsa/skole:ingen_linjer_tabt", "dsa/udsatte:skema"]
    evaluations = januar.check_evaluations(checks, "2024-01")
    assert all(e.passed and e.metadata["maaneder_kontrolleret"].value == "2024-01" for e in evaluations.values())


def test_a_missing_table_fails_naming_table_and_month(januar, monkeypatch):
    """A misspelt or renamed table used to pass with antal_fejl 0."""
    laest, orig = factory.LAESER[next(k for k in factory.LAESER if k.name == "skema" and
                                      k.asset_key.path == ["dsa", "vh"])], factory.frames_in_turn
    monkeypatch.setattr(factory, "frames_in_turn", lambda con, sql, *a: orig(
        con, omdoeb_foerste_tabel(sql) if sql == laest else sql, *a))
    e = januar.check_evaluations([SKEMA], "2024-01")[SKEMA]
    assert not e.passed and e.metadata["maaneder_med_fejl"].value == "2024-01"
    assert e.metadata["maaneder_kontrolleret"].value == "ingen"
    assert e.metadata["ikke_kontrolleret"].value == (
        "Checket fejler, fordi det ikke kunne kontrollere 2024-01: tabellen dsa.vh_omdoebt findes ikke (2024-01), "
        "så checket kan ikke læse det, det skal kontrollere (er navnet stavet forkert, er tabellen omdøbt, "
        "eller er asset'et aldrig materialiseret?).")


def test_a_table_in_a_missing_schema_is_named_whole():
    with duckdb.connect() as con, pytest.raises(factory.TabelMangler, match="tabellen noegletal.kube findes ikke"):
        list(factory.frames_in_turn(con, "SELECT * FROM noegletal.kube WHERE periode = $maaned",
                                    [date(2024, 1, 1)]))


def test_a_month_never_materialised_fails_and_the_others_are_checked(januar):
    """Run alone over January and February, of which only January was ever loaded."""
    e = januar.check_evaluations([SKEMA], "2024-01", "2024-02")[SKEMA]
    assert not e.passed and e.metadata["maaneder_med_fejl"].value == "2024-02"
    assert e.metadata["maaneder_kontrolleret"].value == "2024-01"
    assert "asset'et dsa/vh er aldrig materialiseret for måneden" in e.metadata["ikke_kontrolleret"].value
