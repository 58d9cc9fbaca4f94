"""Ældre's measures, and its nine key figures computed by hand for a kommune through the real cube (aeldre.md)."""

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flis_assets.defs.noegletal import kube as noegletal_kube
from flis_assets.defs.noegletal import maal as kube_maal
from flis_assets.omraader.aeldre import maal
from flis_assets.resources import load_kodelister, query_pl
from flis_assets_tests.noegletal.kube_data import koer, lager
from flis_assets_tests.omraader.aeldre.aeldre_data import MAR, PLEJEBOLIG, PLEJEHJEM, PRAKTISK, indsaet, ny_con, sql

NOEGLETAL = pl.read_csv(Path(maal.__file__).parent / "noegletal.csv", separator=";", infer_schema=False)
PARAMS = {"fra": MAR, "til": MAR}


def regler_og_plejeboliger(c) -> None:
    """Kommune 101's lines that are no hjemmehjælp on the last day, and its care homes: D and I moved
    in in March (D over the guarantee), H lives there, J waits."""
    indsaet(c, cpr="D", alder=90, timer_pr_uge=2.0, leverandoer="PRIVAT", **PRAKTISK)  # in a care home from 10 March
    indsaet(c, cpr="F", alder=68, midlertidig="J", hjemmehjaelp=False)  # temporary
    indsaet(c, cpr="G", alder=75, slettes_af_dst=True)  # DST deletes it
    indsaet(c, cpr="N", alder=82, slutdato=date(2024, 3, 30))  # ended before the last day
    indsaet(c, cpr="D", alder=90, visitationsdato=date(2024, 1, 5), startdato=date(2024, 3, 10), ventedage=65,
            over_garanti=True, **PLEJEBOLIG)
    indsaet(c, cpr="I", alder=78, visitationsdato=date(2024, 2, 20), startdato=date(2024, 3, 5), ventedage=14,
            over_garanti=False, **PLEJEBOLIG)
    indsaet(c, cpr="H", alder=85, visitationsdato=date(2023, 4, 1), startdato=date(2023, 5, 1), ventedage=30,
            over_garanti=False, **PLEJEHJEM)
    indsaet(c, cpr="J", alder=88, visitationsdato=date(2024, 3, 1), startdato=None, ventedage=30, ventende=True,
            **PLEJEBOLIG)


@pytest.fixture(scope="module")
def con():
    c = ny_con()
    load_kodelister(c)
    # Hjemmehjælp on 31 March 2024 in kommune 101: A (84), B (70), C (66), E (81).
    indsaet(c, cpr="A", alder=84, timer_pr_uge=3.0)
    indsaet(c, cpr="A", alder=84, timer_pr_uge=1.5, leverandoer="PRIVAT", **PRAKTISK)
    indsaet(c, cpr="B", alder=70, timer_pr_uge=2.0)
    indsaet(c, cpr="C", alder=66, timer_pr_uge=1.0, **PRAKTISK)
    indsaet(c, cpr="E", alder=81, timer_pr_uge=0.5, **PRAKTISK)
    regler_og_plejeboliger(c)
    # Kommune 147: two recipients (under five), one of them PRIVAT praktisk hjælp.
    indsaet(c, cpr="X", kommunekode=147, alder=72, leverandoer="PRIVAT", **PRAKTISK)
    indsaet(c, cpr="Y", kommunekode=147, alder=91)
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


def test_the_catalogue_names_only_known_measures_and_valid_arguments(con):
    assert NOEGLETAL.height == 9 and NOEGLETAL["noegletal_id"].str.starts_with("aeldre_").all()
    alle = kube_maal.alle()  # every area's measures: Borger's befolkning and Økonomi's too
    for f in NOEGLETAL.filter(pl.col("henviser_til").is_null()).iter_rows(named=True):
        for side in ("taeller", "naevner"):
            alle[f[f"{side}_maal"]].sql(f[f"{side}_argument"] or "", "$fra", "$til")  # raises on a bad argument
        # the figure's individuals are a side whose measure counts people
        assert alle[f[f"{f['individer']}_maal"]].individer is not None
    # one place for each fact: no measure of Ældre's own counts residents or reads the accounts
    assert {f["naevner_maal"] for f in NOEGLETAL.iter_rows(named=True) if "indbyggere" in f["navn"]} == {"befolkning"}
    assert not any(k.path[0] == "dsa" for m in maal.maal().values() for k in m.laeser)


@pytest.mark.parametrize("navn, argument, besked", [
    ("aeldre_hjemmehjaelp_modtagere", "alder=67", "skal skrives som 67- (67 år og derover) eller 18-64"),
    ("aeldre_hjemmehjaelp_modtagere", "leverandoer=PRIVATE", "leverandoer=PRIVATE er ikke en gyldig værdi"),
    ("aeldre_hjemmehjaelp_modtagere", "indsatstype=X'; DROP TABLE x; --", "er ikke en gyldig værdi"),
    ("aeldre_hjemmehjaelp_modtagere", "koen=K", "er ikke et af filtrene"),
    ("aeldre_nye_beboere", "over_garanti", "tager intet argument eller 'inden_for_garanti'"),
])
def test_a_bad_argument_is_named(navn, argument, besked):
    with pytest.raises(maal.MaalFejl, match=re.escape(besked)):
        maal.MAAL[navn]["sql"](argument, "$fra", "$til")


def test_the_cubes_maal_takes_every_measure():
    got = maal.maal()
    assert set(got) == {*maal.MAAL, "aeldre_nettodriftsudgifter", "aeldre_visiterede_timer_med_regnskab"}
    assert all(isinstance(m, kube_maal.Maal) for m in got.values())


# The nine figures through the real cube (`noegletal.kube.cube`), each computed by hand. Kommune 101
# (Hovedstaden) has enough people for every figure to be shown; 151 (Hovedstaden) accounts and
# residents but no Ældre data; 730 and 727 (Midtjylland) five recipients each; 751 (Midtjylland)
# two recipients in `kube_lille` only, withheld (primary).
PRIVAT_85 = [f"P{i}" for i in range(6)]  # praktisk hjælp from PRIVAT, 1.5 h; P0 also personlig pleje 2 h
NYE_82 = [f"N{i}" for i in range(6)]  # moved into a care home in March within the guarantee, 10 days' wait


def _lager(lille: bool):
    c = lager({})
    for p in PRIVAT_85:
        indsaet(c, cpr=p, alder=85, timer_pr_uge=1.5, leverandoer="PRIVAT", **PRAKTISK)
    indsaet(c, cpr="P0", alder=85, timer_pr_uge=2.0)
    indsaet(c, cpr="K1", alder=70, timer_pr_uge=1.0, **PRAKTISK)
    indsaet(c, cpr="K2", alder=70, timer_pr_uge=1.0, **PRAKTISK)
    indsaet(c, cpr="U", alder=60, timer_pr_uge=4.0)
    regler_og_plejeboliger(c)  # D, F, G and N are no hjemmehjælp on the last day
    for n in NYE_82:
        indsaet(c, cpr=n, alder=82, visitationsdato=date(2024, 2, 20), startdato=date(2024, 3, 1), ventedage=10,
                over_garanti=False, **PLEJEBOLIG)
    if lille:
        indsaet(c, cpr="X", kommunekode=751, alder=72, leverandoer="PRIVAT", **PRAKTISK)
        indsaet(c, cpr="Y", kommunekode=751, alder=91)
    for i in range(5):
        indsaet(c, cpr=f"R{i}", kommunekode=730, alder=75, timer_pr_uge=1.0)
        indsaet(c, cpr=f"S{i}", kommunekode=727, alder=75, timer_pr_uge=1.0)
    # Borger's datamart.befolkning: 101 has 20 aged 67-79 and 20 aged 80+, and 30 younger
    c.executemany("INSERT INTO datamart.befolkning VALUES (?, ?, ?, ?, ?)", [
        (MAR, 101, "K", 70, 12), (MAR, 101, "M", 79, 8), (MAR, 101, "K", 80, 15), (MAR, 101, "M", 95, 5),
        (MAR, 101, "K", 66, 30), (MAR, 730, "K", 75, 9), (MAR, 727, "K", 75, 9), *[(MAR, 751, "K", 75, 5)] * lille])
    # Økonomi's datamart.oekonomi_regnskab: 101's 5.30.26 net 36,000 and 5.30.27 100,000
    regnskab = [(101, "1", "5.30.26", "1", 40_000), (101, "1", "5.30.26", "7", -4_000),  # an income, with its sign
                (101, "1", "5.30.27", "1", 100_000), (101, "1", "5.30.26", "0", 9_999),  # calculated costs: out
                (101, "3", "5.30.26", "1", 5_000),  # anlæg: out
                (730, "1", "5.30.26", "1", 20_000), (727, "1", "5.30.26", "1", 20_000),
                *[(751, "1", "5.30.26", "1", 10_000)] * lille,
                *[(151, "1", "5.30.26", "1", 50_000)] * lille]  # 151 has no Ældre data
    c.executemany("INSERT INTO datamart.oekonomi_regnskab (periode, visning, kommunekode, dranst, hovedkonto, hovedfunktion, funktion, hovedart, beloeb) "
                  "VALUES (?, 'maaned', ?, ?, '5', '5.30', ?, ?, ?)",
                  [(MAR, k, d, f, ha, b) for k, d, f, ha, b in regnskab])
    return c


def _kube(lille: bool) -> pl.DataFrame:
    c = _lager(lille)
    try:
        return koer(c, MAR, MAR)[0]
    finally:
        c.close()


@pytest.fixture(scope="module")
def kube() -> pl.DataFrame:
    return _kube(lille=False)


@pytest.fixture(scope="module")
def kube_lille() -> pl.DataFrame:
    """The same with 751's two recipients and 151's accounts: the cube withholds 751 (and, to protect
    it and the kommune without Ældre data, others)."""
    return _kube(lille=True)


def celle(cube: pl.DataFrame, noegletal_id: str, omraade: str) -> dict:
    return cube.filter((pl.col("noegletal_id") == noegletal_id) & (pl.col("omraade") == omraade)).row(0, named=True)


TIMER_101 = 6 * 1.5 + 2.0 + 2 * 1.0 + 4.0  # 17 h a week: D's in a care home, F, G and N are no hjemmehjælp


@pytest.mark.parametrize("noegletal_id, taeller, naevner, vaerdi, personer", [
    ("aeldre_hjemmehjaelp_pr_100_67", 8, 40, 20.0, 8),  # P0-P5, K1, K2 (U is 60)
    ("aeldre_andel_80_hjemmehjaelp", 6, 20, 30.0, 6),
    # withheld: 101's personlig pleje row has two recipients (P0, U), and 9 recipients minus praktisk
    # hjælp's 8, which the package and aeldre_andel_privat_praktisk show, would give it away
    # (raekkediskretion; the numbers before discretion: test_expenses_per_visited_hour_sum_only_kommuner_with_both)
    ("aeldre_timer_pr_modtager", None, None, None, None),
    ("aeldre_andel_privat_praktisk", 6, 8, 75.0, 6),
    ("aeldre_plejebolig_pr_100_80", 8, 20, 40.0, 8),  # N0-N5, D, H (I is 78)
    ("aeldre_plejeboliggaranti_overholdt", 7, 8, 87.5, 7),  # N0-N5 and I of N0-N5, I, D
    ("aeldre_ventedage_nye_beboere", 6 * 10 + 14 + 65, 8, 139 / 8, 8),
    ("aeldre_udgift_pr_67", 136_000, 40, 3_400.0, None),  # Økonomi's figure: always shown
    ("aeldre_udgift_pr_visiteret_time", None, None, None, None),  # the same numbers as the hours per recipient
])
def test_each_figure_for_a_kommune_by_hand_in_the_cube(kube, noegletal_id, taeller, naevner, vaerdi, personer):
    got = celle(kube, noegletal_id, "101")
    skjult = taeller is None and personer is None
    assert (got["taeller"], got["naevner"], got["vaerdi"], got["individer"], got["diskretioneret"]) == pytest.approx(
        (taeller, naevner, vaerdi, personer, skjult), abs=1e-6)


def test_expenses_per_67_year_old_are_oekonomis_figure(kube):
    """aeldre_udgift_pr_67 refers to oekonomi_aeldre_pr_67 (one place for each fact): the same cells."""
    f = NOEGLETAL.filter(pl.col("noegletal_id") == "aeldre_udgift_pr_67").row(0, named=True)
    assert f["henviser_til"] == "oekonomi_aeldre_pr_67"
    assert all(v is None for k, v in f.items() if k not in ("noegletal_id", "navn", "henviser_til"))
    for omraade in ("101", "727", "Hovedstaden", "Danmark"):
        assert ({k: v for k, v in celle(kube, "aeldre_udgift_pr_67", omraade).items() if k != "noegletal_id"}
                == {k: v for k, v in celle(kube, "oekonomi_aeldre_pr_67", omraade).items() if k != "noegletal_id"})


def test_a_kommune_under_five_recipients_is_withheld(kube_lille):
    for noegletal_id in ("aeldre_timer_pr_modtager", "aeldre_udgift_pr_visiteret_time"):
        got = celle(kube_lille, noegletal_id, "751")
        assert got["diskretioneret"] and got["diskretion_aarsag"] == "primaer"
        assert got["vaerdi"] is None and got["taeller"] is None and got["naevner"] is None


def test_expenses_per_visited_hour_sum_only_kommuner_with_both():
    """A region sums the accounts of the kommuner with Ældre data and their hours only (the cube's
    figure SQL, before discretion): 151's 50,000 without hours stays out, so Hovedstaden is 101 with
    151 and Danmark (36,000 + 10,000 + 20,000 + 20,000) ÷ ((17 + 2 × 2 + 5 + 5) h × 31 ÷ 7)."""
    c = _lager(lille=True)
    try:
        raekker = query_pl(c, noegletal_kube.figures()["aeldre_udgift_pr_visiteret_time"][1], {"fra": MAR, "til": MAR})
    finally:
        c.close()
    tal = {r["omraade"]: (r["taeller"], r["naevner"], r["individer"]) for r in raekker.iter_rows(named=True)}
    assert tal["151"] == (None, None, 0)
    assert tal["Hovedstaden"] == pytest.approx((36_000, TIMER_101 * 31 / 7, 9))
    assert tal["Danmark"] == pytest.approx((86_000, 31 * 31 / 7, 21))
