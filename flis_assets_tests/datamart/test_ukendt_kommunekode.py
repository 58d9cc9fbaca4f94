"""End to end: Roskilde (265) delivers a VH line and a measure with the handlekommune 999, which is
no kommune. They stay 265's, marked UKENDT_KOMMUNEKODE; no table, report or package has a 999."""

import polars as pl
import pytest

from flis_assets_tests.conftest import cpr_line, module_flis, vh_line
from flis_assets_tests.datapakker.test_datapakker import folder
from flis_assets_tests.noegletal.test_koblede import measure

EGEN, FEJL, BARN, UDE = "0101804322", "0201804322", "0301154322", "0401804322"  # none passes modulus 11
REGEL = "UKENDT_KOMMUNEKODE"


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    with module_flis(tmp_path_factory, "ukendt") as f:
        f.deliver("cpr", "2024-03", 0, "CPR", "20240305",
                  [cpr_line(EGEN, bopael="265"), cpr_line(FEJL, bopael="265"),
                   cpr_line(BARN, foedt="20150101", bopael="265"), cpr_line(UDE, bopael="999")])
        f.deliver("vh", "2024-03", 265, "NEXUS", "20240305", [
            vh_line("egen", cpr=EGEN, handle="265", betaling="265", kode="1.8.1", start="20230101", ophold="1"),
            vh_line("fejl", cpr=FEJL, handle="999", betaling="", kode="1.8.1", start="20230101", ophold="1"),
        ])
        f.deliver("udsatte", "2024-03", 265, "DUBU", "20240305", [measure("m-fejl", BARN, "999")])
        assert not f.materialize("2024-03", perioder=False).fejlede_trin
        outcome = f.materialize_periods("2024-03", "2024-03")
        assert outcome.ok, outcome
        yield f


def test_no_datamart_row_for_a_kommune_that_does_not_exist(k):
    assert k.sql("SELECT * FROM datamart.vh_benchmark WHERE handlekommune = 999").height == 0
    assert k.sql("SELECT * FROM datamart.vh_dimensioner WHERE handlekommune = 999 OR vaerdi = '999'").height == 0
    assert k.sql("SELECT * FROM datamart.udsatte_foranstaltninger WHERE handlekommune = 999").height == 0
    assert k.sql("SELECT kommunekode, sum(antal) FROM datamart.befolkning GROUP BY 1").rows() == [(265, 3)]  # not UDE's 999
    # DST's action Slettes: the line is not counted for 265 either, nor the measure
    got = k.sql("SELECT unikke_modtagere FROM datamart.vh_benchmark WHERE handlekommune = 265 AND ydelseskode = '1.8.1'")
    assert got["unikke_modtagere"].to_list() == [1]
    assert k.sql("SELECT * FROM datamart.udsatte_foranstaltninger").height == 0


def test_the_line_is_marked_for_the_delivering_kommune(k):
    marked = k.sql("SELECT handlekommune, regel, dst_handling FROM harmoniseret.vh_opmaerkninger "
                   "WHERE ydelse_id = 'fejl' AND periode = '2024-03-01'").rows()
    assert marked == [(265, REGEL, "Slettes")]
    rapport = k.sql("SELECT handlekommune, unikke_borgere FROM rapporter.harmoniseringsregelrapport "
                    "WHERE regel = ? AND periode = '2024-03-01'", [REGEL]).rows()
    assert rapport == [(265, 1)]


def test_packages_only_for_the_delivering_kommune_with_its_marked_lines(k):
    assert not (k.root / "datapakker" / "999").exists()
    individ = pl.read_parquet(folder(k, 265) / "vh_individ.parquet").sort("ydelse_id")
    assert individ["ydelse_id"].to_list() == ["egen", "fejl"]
    fejl = individ.row(1, named=True)
    assert (fejl["handlekommune"], fejl["handlekommune_leveret"]) == (265, 999)
    assert fejl["opmaerkninger"] == f"{REGEL} (Slettes)"
    assert pl.read_parquet(folder(k, 265) / "vh_regelrapport.parquet")["regel"].to_list() == [REGEL]
    udsatte = pl.read_parquet(folder(k, 265) / "udsatte_individ.parquet")
    assert udsatte.select("foranstaltning_id", "handlekommune", "handlekommune_leveret", "opmaerkninger").rows() == [
        ("m-fejl", 265, 999, f"{REGEL} (Slettes)")]
    assert k.sql("SELECT * FROM noegletal.koblede_populationer WHERE omraade = '999'").height == 0
