"""Ældre's measures and its nine key figures, each computed by hand for a kommune (aeldre.md)."""

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flis_assets.defs.dsa import common
from flis_assets.omraader.aeldre import maal
from flis_assets.resources import load_kodelister
from flis_assets_tests.omraader.aeldre.aeldre_data import MAR, PLEJEBOLIG, PLEJEHJEM, PRAKTISK, indsaet, ny_con, sql

NOEGLETAL = pl.read_csv(Path(maal.__file__).parent / "noegletal.csv", separator=";", infer_schema=False)
PARAMS = {"fra": MAR, "til": MAR}


def cpr(con, nr: str, foedt: date, kommune=101, doed=None, maaned=MAR) -> None:
    con.execute("""INSERT INTO dsa.cpr BY NAME SELECT ? AS indlaesningsmaaned, 0 AS kommunekode, 'CPR' AS fagsystem,
        ? AS leverancedato, ? AS leverancemaaned, ? AS indlaesningsdato, 'cpr.csv' AS fil, 1 AS linjenr, ? AS cpr,
        ? AS foedselsdato, 'K' AS koen, ? AS bopaelskommune, ? AS doedsdato""",
                [maaned, maaned, maaned, maaned, nr, foedt, kommune, doed])


def konto(con, funktion: str, beloeb: float, dranst="1", hovedart="1", kommune=101) -> None:
    hovedkonto, hovedfunktion, fkt = funktion.split(".")
    con.execute("""INSERT INTO dsa.oekonomi BY NAME SELECT ? AS indlaesningsmaaned, ? AS kommunekode, 'OEK' AS fagsystem,
        ? AS leverancedato, ? AS leverancemaaned, ? AS indlaesningsdato, 'oek.csv' AS fil, 1 AS linjenr, ? AS periode,
        ? AS dranst, ? AS hovedkonto, ? AS hovedfunktion, ? AS funktion, '000' AS gruppering, ? AS hovedart,
        ? || '0' AS art, ? AS beloeb""",
                [MAR, kommune, MAR, MAR, MAR, MAR, dranst, hovedkonto, hovedfunktion, fkt, hovedart, hovedart, beloeb])


@pytest.fixture(scope="module")
def con():
    c = ny_con()
    common.ensure_all(c)
    load_kodelister(c)
    # Hjemmehjælp on 31 March 2024 in kommune 101: A (84), B (70), C (66), E (81).
    indsaet(c, cpr="A", alder=84, timer_pr_uge=3.0)
    indsaet(c, cpr="A", alder=84, timer_pr_uge=1.5, leverandoer="PRIVAT", **PRAKTISK)
    indsaet(c, cpr="B", alder=70, timer_pr_uge=2.0)
    indsaet(c, cpr="C", alder=66, timer_pr_uge=1.0, **PRAKTISK)
    indsaet(c, cpr="D", alder=90, timer_pr_uge=2.0, leverandoer="PRIVAT", **PRAKTISK)  # in a care home from 10 March
    indsaet(c, cpr="E", alder=81, timer_pr_uge=0.5, **PRAKTISK)
    indsaet(c, cpr="F", alder=68, midlertidig="J", hjemmehjaelp=False)  # temporary
    indsaet(c, cpr="G", alder=75, slettes_af_dst=True)  # DST deletes it
    indsaet(c, cpr="N", alder=82, slutdato=date(2024, 3, 30))  # ended before the last day
    # Care homes: D and I moved in in March (D over the guarantee), H lives there, J waits.
    indsaet(c, cpr="D", alder=90, visitationsdato=date(2024, 1, 5), startdato=date(2024, 3, 10), ventedage=65,
            over_garanti=True, **PLEJEBOLIG)
    indsaet(c, cpr="I", alder=78, visitationsdato=date(2024, 2, 20), startdato=date(2024, 3, 5), ventedage=14,
            over_garanti=False, **PLEJEBOLIG)
    indsaet(c, cpr="H", alder=85, visitationsdato=date(2023, 4, 1), startdato=date(2023, 5, 1), ventedage=30,
            over_garanti=False, **PLEJEHJEM)
    indsaet(c, cpr="J", alder=88, visitationsdato=date(2024, 3, 1), startdato=None, ventedage=30, ventende=True,
            **PLEJEBOLIG)
    # Kommune 147: two recipients (under five), one of them PRIVAT praktisk hjælp.
    indsaet(c, cpr="X", kommunekode=147, alder=72, leverandoer="PRIVAT", **PRAKTISK)
    indsaet(c, cpr="Y", kommunekode=147, alder=91)
    # Residents of 101 on 31 March 2024: ten aged 67+, four of them 80+; one died, one is young.
    for i, foedt in enumerate([date(1957, 3, 31), date(1950, 1, 1), date(1945, 6, 1), date(1960, 1, 1),
                               date(1955, 5, 5), date(1948, 8, 8), date(1944, 4, 1),
                               date(1944, 3, 31), date(1930, 1, 1), date(1920, 12, 24), date(1940, 1, 1)]):
        cpr(c, f"P{i}", foedt)  # 1957-03-31 turns 67 on the day; 1944-04-01 is 79, 1944-03-31 is 80; 1960: 64
    cpr(c, "DOED", date(1930, 1, 1), doed=date(2024, 3, 15))
    cpr(c, "UNG", date(2000, 1, 1))
    cpr(c, "ANDEN", date(1930, 1, 1), kommune=147)
    # Expenses of 101 in March: 5.30.26 net 36,000 and 5.30.27 100,000; the rest is no nettodriftsudgift on 5.30.
    konto(c, "5.30.26", 40000)
    konto(c, "5.30.26", -4000, hovedart="7")  # an income, with its sign
    konto(c, "5.30.27", 100000)
    konto(c, "5.30.26", 9999, hovedart="0")  # calculated costs
    konto(c, "5.30.26", 5000, dranst="2")  # anlæg
    konto(c, "5.38.50", 7777)
    yield c
    c.close()


def maaling(con, navn: str, argument: str, kommune=101):
    got = sql(con, maal.MAAL[navn]["sql"](argument, "$fra", "$til"), PARAMS).filter(pl.col("kommunekode") == kommune)
    assert got.height <= 1 and got.schema["v"].is_decimal(), got
    return got["v"][0] if got.height else None


def individer(con, navn: str, argument: str, kommune=101) -> set[str]:
    got = sql(con, maal.MAAL[navn]["individer"](argument, "$fra", "$til"), PARAMS)
    assert got.columns == ["periode", "kommunekode", "cpr"]
    return set(got.filter(pl.col("kommunekode") == kommune)["cpr"])


@pytest.mark.parametrize("navn, argument, kommune, vaerdi, personer", [
    ("aeldre_hjemmehjaelp_modtagere", "", 101, 4, {"A", "B", "C", "E"}),
    ("aeldre_hjemmehjaelp_modtagere", "alder=67-", 101, 3, {"A", "B", "E"}),
    ("aeldre_hjemmehjaelp_modtagere", "alder=80-", 101, 2, {"A", "E"}),
    ("aeldre_hjemmehjaelp_modtagere", "indsatstype=PRAKTISK_HJAELP", 101, 3, {"A", "C", "E"}),
    ("aeldre_hjemmehjaelp_modtagere", "indsatstype=PRAKTISK_HJAELP, leverandoer=PRIVAT", 101, 1, {"A"}),
    ("aeldre_hjemmehjaelp_modtagere", "", 147, 2, {"X", "Y"}),
    ("aeldre_hjemmehjaelp_modtagere", "indsatstype=PRAKTISK_HJAELP,leverandoer=PRIVAT", 147, 1, {"X"}),
    ("aeldre_visiterede_timer", "", 101, 8, {"A", "B", "C", "E"}),
    ("aeldre_visiterede_timer", "perioden", 101, 8 * 31 / 7, {"A", "B", "C", "E"}),
    ("aeldre_plejebolig_beboere", "alder=80-", 101, 2, {"D", "H"}),
    ("aeldre_plejebolig_beboere", "", 101, 3, {"D", "H", "I"}),
    ("aeldre_nye_beboere", "", 101, 2, {"D", "I"}),
    ("aeldre_nye_beboere", "inden_for_garanti", 101, 1, {"I"}),
    ("aeldre_ventedage", "", 101, 65 + 14, None),  # a sum: its figure's individuals are the denominator's
])
def test_citizen_measures_and_their_individuals(con, navn, argument, kommune, vaerdi, personer):
    assert float(maaling(con, navn, argument, kommune)) == pytest.approx(vaerdi, abs=1e-9)
    if personer is None:
        assert maal.MAAL[navn]["individer"] is None
    else:
        assert individer(con, navn, argument, kommune) == personer


@pytest.mark.parametrize("navn, argument, vaerdi", [
    ("aeldre_udgifter", "5.30", 136000), ("aeldre_udgifter", "5.30.26", 36000),
    ("aeldre_indbyggere", "67-", 10), ("aeldre_indbyggere", "80-", 4), ("aeldre_indbyggere", "18-66", 2),
])
def test_measures_without_individuals(con, navn, argument, vaerdi):
    assert maaling(con, navn, argument) == vaerdi
    assert maal.MAAL[navn].get("individer") is None


def figur(con, f: dict, kommune=101) -> tuple:
    t = maaling(con, f["taeller_maal"], f["taeller_argument"] or "", kommune)
    n = maaling(con, f["naevner_maal"], f["naevner_argument"] or "", kommune)
    return float(t), float(n), float(f["faktor"]) * float(t) / float(n)


@pytest.mark.parametrize("noegletal_id, taeller, naevner, vaerdi", [
    ("aeldre_hjemmehjaelp_pr_100_67", 3, 10, 30.0),
    ("aeldre_andel_80_hjemmehjaelp", 2, 4, 50.0),
    ("aeldre_timer_pr_modtager", 8, 4, 2.0),
    ("aeldre_andel_privat_praktisk", 1, 3, 100 / 3),
    ("aeldre_plejebolig_pr_100_80", 2, 4, 50.0),
    ("aeldre_plejeboliggaranti_overholdt", 1, 2, 50.0),
    ("aeldre_ventedage_nye_beboere", 79, 2, 39.5),
    ("aeldre_udgift_pr_visiteret_time", 36000, 8 * 31 / 7, 36000 * 7 / (8 * 31)),
])
def test_each_figure_for_a_kommune_by_hand(con, noegletal_id, taeller, naevner, vaerdi):
    f = NOEGLETAL.filter(pl.col("noegletal_id") == noegletal_id).row(0, named=True)
    assert figur(con, f) == pytest.approx((taeller, naevner, vaerdi), abs=1e-9)


def test_expenses_per_67_year_old_are_oekonomis_figure(con):
    """aeldre_udgift_pr_67 refers to oekonomi_aeldre_pr_67 (one place for each fact): 5.30 ÷ 67+."""
    f = NOEGLETAL.filter(pl.col("noegletal_id") == "aeldre_udgift_pr_67").row(0, named=True)
    assert f["henviser_til"] == "oekonomi_aeldre_pr_67"
    assert all(v is None for k, v in f.items() if k not in ("noegletal_id", "navn", "henviser_til"))
    assert maaling(con, "aeldre_udgifter", "5.30") / maaling(con, "aeldre_indbyggere", "67-") == 13600


def test_the_catalogue_names_only_known_measures_and_valid_arguments(con):
    assert NOEGLETAL.height == 9 and NOEGLETAL["noegletal_id"].str.starts_with("aeldre_").all()
    for f in NOEGLETAL.filter(pl.col("henviser_til").is_null()).iter_rows(named=True):
        for side in ("taeller", "naevner"):
            maal.MAAL[f[f"{side}_maal"]]["sql"](f[f"{side}_argument"] or "", "$fra", "$til")  # raises on a bad argument
        # the figure's individuals are a side whose measure counts people
        assert maal.MAAL[f[f"{f['individer']}_maal"]]["individer"] is not None


@pytest.mark.parametrize("navn, argument, besked", [
    ("aeldre_hjemmehjaelp_modtagere", "alder=67", "skal skrives som 67- (67 år og derover) eller 18-64"),
    ("aeldre_hjemmehjaelp_modtagere", "leverandoer=PRIVATE", "leverandoer=PRIVATE er ikke en gyldig værdi"),
    ("aeldre_hjemmehjaelp_modtagere", "indsatstype=X'; DROP TABLE x; --", "er ikke en gyldig værdi"),
    ("aeldre_hjemmehjaelp_modtagere", "koen=K", "er ikke et af filtrene"),
    ("aeldre_udgifter", "5.3", "skal skrives som 5.30 eller 5.30.26"),
    ("aeldre_nye_beboere", "over_garanti", "tager intet argument eller 'inden_for_garanti'"),
])
def test_a_bad_argument_is_named(navn, argument, besked):
    with pytest.raises(maal.MaalFejl, match=re.escape(besked)):
        maal.MAAL[navn]["sql"](argument, "$fra", "$til")


def test_the_cubes_maal_takes_every_measure():
    kube_maal = pytest.importorskip("flis_assets.defs.noegletal.maal")  # the cube learning measures from areas
    got = maal.maal()
    assert set(got) == set(maal.MAAL) and all(isinstance(m, kube_maal.Maal) for m in got.values())
