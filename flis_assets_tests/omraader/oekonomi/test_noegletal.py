"""Økonomi's six key figures in the real cube, computed by hand: nettodriftsudgifter (dranst 1,
hovedart not 0, incomes with their sign) ÷ the age group's residents; a region and Danmark sum
amounts and residents of the kommuner with accounts only; always shown (no discretion)."""

from datetime import date

import polars as pl
import pytest

from flis_assets_tests.noegletal.kube_data import koer, lager

MARTS = date(2024, 3, 1)


def _cube() -> pl.DataFrame:
    con = lager({})
    # Residents: 101 (Hovedstaden) 100 aged 70 and 50 aged 3; 147 (Hovedstaden) 40 aged 70; 151 (Hovedstaden)
    # 10 aged 70 and no accounts; 751 (Midtjylland) 20 aged 80.
    con.executemany("INSERT INTO datamart.befolkning VALUES (?, ?, ?, ?, ?)", [
        (MARTS, 101, "K", 70, 100), (MARTS, 101, "M", 3, 50), (MARTS, 147, "M", 70, 40),
        (MARTS, 151, "K", 70, 10), (MARTS, 751, "K", 80, 20)])
    regnskab = [  # (kommune, dranst, hovedfunktion, funktion, hovedart, beloeb)
        (101, "1", "5.30", "5.30.26", "1", 500_000), (101, "1", "5.30", "5.30.27", "5", 300_000),
        (101, "1", "5.30", "5.30.26", "7", -60_000),  # an income: in, with its sign
        (101, "1", "5.30", "5.30.26", "0", 999_999),  # calculated costs: out
        (101, "3", "5.30", "5.30.26", "1", 777_777),  # construction: out
        (101, "1", "5.25", "5.25.11", "1", 250_000),
        (147, "1", "5.30", "5.30.26", "1", 140_000),
        (751, "1", "5.30", "5.30.26", "1", 90_000),
    ]
    con.executemany("""INSERT INTO datamart.oekonomi_regnskab (periode, visning, kommunekode, dranst, hovedkonto, hovedfunktion, funktion, hovedart, beloeb)
                       VALUES (?, 'maaned', ?, ?, '5', ?, ?, ?, ?)""",
                    [(MARTS, k, d, hf, f, ha, b) for k, d, hf, f, ha, b in regnskab])
    cube, _ = koer(con, MARTS, MARTS)
    return cube.filter(pl.col("noegletal_id").str.starts_with("oekonomi_"))


def _vaerdi(cube: pl.DataFrame, figur: str, omraade: str) -> tuple:
    row = cube.filter((pl.col("noegletal_id") == figur) & (pl.col("omraade") == omraade)).row(0, named=True)
    return row["taeller"], row["naevner"], row["vaerdi"], row["diskretioneret"]


def test_aeldre_pr_67_for_a_kommune_and_its_region_by_hand():
    cube = _cube()
    # 101: 500,000 + 300,000 - 60,000 (hovedart 0 and dranst 3 out) over its 100 residents aged 67+
    assert _vaerdi(cube, "oekonomi_aeldre_pr_67", "101") == (740_000, 100, 7_400, False)
    # Hovedstaden: 101 and 147 (151 has no accounts: left out of both sums) = 880,000 / 140
    assert _vaerdi(cube, "oekonomi_aeldre_pr_67", "Hovedstaden") == (880_000, 140, pytest.approx(880_000 / 140, abs=1e-6), False)
    # Danmark: 880,000 + 90,000 over 140 + 20
    assert _vaerdi(cube, "oekonomi_aeldre_pr_67", "Danmark") == (970_000, 160, 970_000 / 160, False)


def test_a_kommune_without_accounts_has_no_figure_and_small_counts_are_shown():
    cube = _cube()
    taeller, naevner, vaerdi, skjult = _vaerdi(cube, "oekonomi_aeldre_pr_67", "151")
    assert taeller is None and vaerdi is None and not skjult  # not computed, not withheld
    # 147's 40 residents, 751's 20: accounts are public, no discretion however few
    assert _vaerdi(cube, "oekonomi_aeldre_pr_67", "751") == (90_000, 20, 4_500, False)
    assert _vaerdi(cube, "oekonomi_dagtilbud_pr_0_5", "101") == (250_000, 50, 5_000, False)
    assert _vaerdi(cube, "oekonomi_dagtilbud_pr_0_5", "147")[0] == 0  # accounts, nothing on 5.25
