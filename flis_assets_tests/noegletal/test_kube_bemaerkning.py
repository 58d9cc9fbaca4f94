"""What cannot be computed is said plainly (issue 17): every figure has a row in every area of every
period of the cube, and a row without a value that discretion does not withhold says why
(`bemaerkning`), in the same words as the warning check `mangler_data`.

The hand-made shapes run through the real cube (`kube.build`, the tables written and read back):
Rødovre (175) has residents and five recipients of 1.12.0.1 but no Økonomi lines; Vallensbæk (187)
has residents and Økonomi lines only; Albertslund (165) has Økonomi lines and no residents aged
18-64 (zero, not missing); nobody delivers Skole or Udsatte, so the linked figures have no data at all.
"""

from datetime import date

import duckdb
import polars as pl
import pytest

from flis_assets.defs.noegletal import diskretion as d
from flis_assets.defs.noegletal import kube
from flis_assets.defs.noegletal.checks import DISKRETION_SQL, angreb_validator, kube_med_kendte_sql, mangler_data_sql
from flis_assets_tests.noegletal.kube_data import lager

P = date(2024, 3, 1)
SAMLET = "vh_udgift_samlet_pr_18_64"  # Økonomi's expenses per resident: no discretion
SKOLE = "skole_fravaer_0_9"  # a linked figure's companion: Skole's pupils
DATA = {P: ({(175, "1.12.0.1"): 5, (165, "1.8.1"): 0},
            {(187, "1.8.1"): 1000.0, (165, "1.8.1"): 500.0},
            {175: 1000, 187: 1000, 165: 0})}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = lager(DATA)
    kube.build(c, [P])
    return c


@pytest.fixture(scope="module")
def udgivet(con) -> pl.DataFrame:
    return kube.query_pl(con, "SELECT * FROM noegletal.kube WHERE periode = $p", {"p": P})


def _celle(udgivet: pl.DataFrame, figur: str, omraade: str) -> dict:
    (c,) = udgivet.filter((pl.col("noegletal_id") == figur) & (pl.col("omraade") == omraade)).to_dicts()
    return c


def test_every_figure_is_in_every_area_of_the_period(udgivet):
    omraader = set(udgivet["omraade"])
    assert {"175", "187", "165", "Hovedstaden", "Danmark"} <= omraader
    assert udgivet.group_by("noegletal_id").len()["len"].unique().to_list() == [len(omraader)]
    assert set(udgivet["noegletal_id"]) == set(kube.figures())


def test_a_value_that_cannot_be_computed_says_why_in_the_checks_words(con, udgivet):
    """Rødovre's expenses per resident have no Økonomi lines: no value, not withheld, and the reason
    is the warning check's own."""
    c = _celle(udgivet, SAMLET, "175")
    assert (c["vaerdi"], c["taeller"], c["naevner"], c["diskretioneret"]) == (None, None, 1000.0, False)
    advarsel = kube.query_pl(con, mangler_data_sql(), {"maaned": P}).filter(
        (pl.col("noegletal_id") == SAMLET) & (pl.col("omraade") == "175"))
    assert advarsel["aarsag"].to_list() == [c["bemaerkning"]]
    assert c["bemaerkning"] == ("tælleren mangler data: ingen udgifter fra Økonomi på nøgletallets konti for "
                                "kommunen i måneden, så nøgletallet kan ikke beregnes")


def test_a_zero_denominator_is_named(udgivet):
    c = _celle(udgivet, SAMLET, "165")
    assert (c["vaerdi"], c["taeller"], c["naevner"]) == (None, 500.0, 0.0)
    assert c["bemaerkning"] == "nævneren er nul for kommunen i måneden, så nøgletallet kan ikke beregnes"


def test_no_row_without_a_value_is_silent(udgivet):
    """The xfail of test_dataformer in small: no value and not withheld always says why; a shown
    value and a number withheld by discretion say nothing more."""
    uden = udgivet.filter(pl.col("vaerdi").is_null() & ~pl.col("diskretioneret"))
    assert uden.height > 0 and uden["bemaerkning"].null_count() == 0
    assert udgivet.filter(pl.col("vaerdi").is_not_null())["bemaerkning"].null_count() == udgivet.filter(
        pl.col("vaerdi").is_not_null()).height


def test_a_period_without_skole_has_the_linked_figures_saying_so(con, udgivet):
    """No Skole at all: each linked figure has a row in every kommune, region and Danmark, with no
    numbers, shown (it is in no sum and hides nothing), saying so; the discretion and attack checks pass."""
    skole = udgivet.filter(pl.col("noegletal_id") == SKOLE)
    assert set(skole["omraade"]) == set(udgivet["omraade"])
    assert skole.select(kube.SKJUL).null_count().row(0) == (skole.height,) * 4
    assert not skole["diskretioneret"].any() and skole["diskretion_aarsag"].null_count() == skole.height
    assert _celle(udgivet, SKOLE, "175")["bemaerkning"] == (
        "ingen elever i 0.-9. klasse fra Skole for kommunen i måneden, så nøgletallet kan ikke beregnes")
    assert _celle(udgivet, SKOLE, "Hovedstaden")["bemaerkning"].startswith(
        "ingen elever i 0.-9. klasse fra Skole for nogen kommune i regionen")
    assert kube.query_pl(con, DISKRETION_SQL, {"maaned": P}).height == 0
    assert angreb_validator()(kube.query_pl(con, kube_med_kendte_sql(), {"maaned": P})).height == 0


def test_a_region_without_any_numerator_says_so(udgivet):
    """Nobody has Økonomi lines on 1.8.2: Hovedstaden's and Danmark's expenses on it per resident say
    that no kommune of theirs has them."""
    for omraade, sted in (("Hovedstaden", "nogen kommune i regionen"), ("Danmark", "nogen kommune i landet")):
        c = _celle(udgivet, "vh_udgift_midlertidige_pr_18_64", omraade)
        assert (c["vaerdi"], c["taeller"], c["naevner"]) == (None, None, 2000.0)
        assert c["bemaerkning"] == ("tælleren mangler data: ingen udgifter fra Økonomi på nøgletallets konti for "
                                    f"{sted} i måneden, så nøgletallet kan ikke beregnes")


def test_a_cell_without_data_of_its_individuals_says_so_and_stays_primary(udgivet):
    """Vallensbæk delivers no VH: its recipients per 1000 residents have no data. It stays withheld
    `primaer` (no individuals), as discretion decided, and says why."""
    c = _celle(udgivet, "vh_modtagere_laengerevarende_pr_1000", "187")
    assert c["diskretioneret"] and c["diskretion_aarsag"] == d.PRIMAER
    assert c["bemaerkning"].startswith("tælleren mangler data: ingen helårsmodtagere fra Voksenhandicap")
    # a cell withheld by discretion with data says only its reason
    assert _celle(udgivet, "vh_udgift_pr_modtager_botilbud_sps", "175")["bemaerkning"] is None


def test_a_warehouse_from_before_gets_the_column():
    c = lager(DATA)
    kube.ensure_schemas(c)
    c.execute(kube.DDL.replace(", bemaerkning VARCHAR", ""))
    kube.build(c, [P])
    assert "bemaerkning" in c.sql("SELECT * FROM noegletal.kube LIMIT 0").columns


def test_a_package_table_from_before_gets_the_column(con):
    """The noegletal package's table of a warehouse from before takes the new column (the package
    step makes its tables in the shape of their query) and is filled, instead of failing to insert."""
    from flis_assets.defs.datapakker.katalog import NOEGLETAL_SQL
    from flis_assets.resources import create_tables_like, replace_periods

    con.execute("CREATE OR REPLACE TABLE datapakker.noegletal AS SELECT * EXCLUDE (bemaerkning) FROM noegletal.kube "
                "WHERE false")
    create_tables_like(con, {"datapakker.noegletal": NOEGLETAL_SQL})
    replace_periods(con, {"datapakker.noegletal": NOEGLETAL_SQL}, [P])
    pakke = kube.query_pl(con, "SELECT * FROM datapakker.noegletal")
    assert pakke["bemaerkning"].null_count() < pakke.height
    assert pakke.sort(kube.NOEGLE).equals(kube.query_pl(con, "SELECT * FROM noegletal.kube").select(
        pakke.columns).sort(kube.NOEGLE))
