"""The nettodriftsudgifter measure and the pinned rule for regions and Danmark, computed by hand.

Hovedstaden here: 101 and 147 have accounts for January 2024, 151 has none (its population must not
count); 147 books nothing on 5.30 (it counts, with 0). Nordjylland's 851 has accounts too.
"""

from decimal import Decimal

import pytest

from flis_assets.omraader.oekonomi import maal
from flis_assets_tests.omraader.oekonomi.regnskab_data import byg, con, konto  # noqa: F401 - con is a fixture

BEFOLKNING_67 = {101: 80_000, 147: 15_000, 151: 9_000, 851: 35_000}
PARAMS = {"fra": "2024-01-01", "til": "2024-01-31"}


@pytest.fixture
def regnskab(con):
    konto(con, "2024-01", "1000000,00", kommune=101)
    konto(con, "2024-01", "250000,00", kommune=101, konto="5.30.27")
    konto(con, "2024-01", "-50000,00", kommune=101, hovedart="7")  # an income, with its sign
    konto(con, "2024-01", "70000,00", kommune=101, hovedart="0")  # calculated costs: not in the figure
    konto(con, "2024-01", "80000,00", kommune=147, konto="6.45.51")  # accounts, none on 5.30
    konto(con, "2024-01", "600000,00", kommune=851)
    konto(con, "2024-02", "999,00", kommune=151)  # accounts in another month only
    byg(con, "2024-01", "2024-02")
    con.execute("CREATE TABLE befolkning_67 (periode DATE, kommunekode INTEGER, v DECIMAL(38, 0))")
    con.executemany("INSERT INTO befolkning_67 VALUES (DATE '2024-01-01', ?, ?)", list(BEFOLKNING_67.items()))
    return con


def test_the_measure_per_kommune_only_where_there_are_accounts(regnskab):
    rows = regnskab.execute(f"SELECT kommunekode, v FROM ({maal.nettodriftsudgifter('5.30')}) ORDER BY 1",
                            PARAMS).fetchall()
    assert rows == [(101, Decimal("1200000.00")), (147, Decimal("0.00")), (851, Decimal("600000.00"))]
    funktion = regnskab.execute(f"SELECT v FROM ({maal.nettodriftsudgifter('5.30.27')}) WHERE kommunekode = 101",
                                PARAMS).fetchall()
    assert funktion == [(Decimal("250000.00"),)]


def test_region_and_danmark_sum_amounts_and_populations_of_kommuner_with_accounts(regnskab):
    sql = maal.niveauer_sql(maal.nettodriftsudgifter("5.30"), "SELECT * FROM befolkning_67")
    got = {o: (t, n) for _, _, o, t, n in regnskab.execute(sql, PARAMS).fetchall()}
    assert got["101"] == (Decimal("1200000.00"), 80_000)  # 15.000 kr. pr. 67+-årig
    assert "151" not in got
    # Hovedstaden: (1.200.000 + 0) / (80.000 + 15.000), not / 104.000 with 151's population
    assert got["Hovedstaden"] == (Decimal("1200000.00"), 95_000)
    assert got["Danmark"] == (Decimal("1800000.00"), 130_000)
    assert got["Nordjylland"] == (Decimal("600000.00"), 35_000)


@pytest.mark.parametrize("konto", ["5.99", "5.30.99", "5.30' OR true --", ""])
def test_an_account_outside_the_kontoplan_is_refused(konto):
    with pytest.raises(ValueError, match="kender ikke kontoen"):
        maal.nettodriftsudgifter(konto)


def test_every_key_figure_names_a_hovedfunktion_of_the_kontoplan_and_an_age_range():
    import polars as pl

    rows = pl.read_csv(maal.__file__.replace("maal.py", "noegletal.csv"), separator=";", infer_schema=False)
    assert rows.height == 6 and rows["noegletal_id"].str.starts_with("oekonomi_").all()
    for r in rows.iter_rows(named=True):
        maal.nettodriftsudgifter(r["taeller_argument"])  # raises for an account the kontoplan lacks
        assert r["taeller_maal"] == "nettodriftsudgifter" and r["naevner_maal"] == "befolkning"
        # an age range, or empty for every resident (administration per indbygger)
        assert r["naevner_argument"] is None or pl.Series([r["naevner_argument"]]).str.contains(r"^[0-9]+-([0-9]+)?$").all()
        assert r["kun_kommuner_med_begge"] == "true"  # a region sums the kommuner with accounts only
