"""The cube learns its measures and figures from the data areas (`maal.py`, `Omraade.maal`, each
area's `noegletal.csv`): a test area registered here (its folder in tmp_path, its Omraade added to the
area list) brings a measure of its own, a figure on it, and a figure that is another's number."""

from datetime import date

import dagster as dg
import polars as pl
import pytest

from flis_assets import omraader
from flis_assets.defs.noegletal import diskretion as d
from flis_assets.defs.noegletal import kube, maal
from flis_assets.defs.noegletal.checks import kube_med_kendte_sql
from flis_assets_tests.noegletal.kube_data import koer, lager, med_kendte
from flis_assets_tests.noegletal.kube_uaendret_data import P1, P2, data

KOLONNER = ("noegletal_id;navn;taeller_maal;taeller_argument;naevner_maal;naevner_argument;faktor;diskretion;individer;"
            "henviser_til;kun_kommuner_med_begge")
TILFAELDE = dg.AssetKey(["datamart", "test_tilfaelde"])


def _tilfaelde(argument: str, fra: str, til: str) -> str:
    return (f"SELECT periode, kommunekode, count(*)::DECIMAL(38, 0) AS v FROM datamart.test_tilfaelde "
            f"WHERE periode BETWEEN {fra} AND {til} GROUP BY ALL")


def _personer(argument: str, fra: str, til: str) -> str:
    return f"SELECT periode, kommunekode, cpr FROM datamart.test_tilfaelde WHERE periode BETWEEN {fra} AND {til}"


def _kommuner(fra: str, til: str) -> str:
    return f"SELECT DISTINCT periode, kommunekode FROM datamart.test_tilfaelde WHERE periode BETWEEN {fra} AND {til}"


TEST_MAAL = {"test_tilfaelde": maal.Maal(sql=_tilfaelde, individer=_personer, med_data=_kommuner, kommuner=_kommuner,
                                         kilde="tilfælde fra testområdet", laeser=(TILFAELDE,))}


@pytest.fixture
def testomraade(monkeypatch, tmp_path):
    """Registers a test area with the given measures and catalogue rows; forgets it afterwards."""
    aegte_omraader, aegte_mapper = omraader.omraader(), omraader.mapper()

    def registrer(maalene: dict, *raekker: str, afstemninger=()):
        mappe = tmp_path / "testomraade"
        mappe.mkdir()
        (mappe / "noegletal.csv").write_text("\n".join([KOLONNER, *raekker]) + "\n", encoding="utf-8")
        o = omraader.Omraade(navn="testomraade", titel="Testområde", praefiks="test", maal=lambda: maalene,
                             afstemninger=lambda: afstemninger)
        monkeypatch.setattr(omraader, "omraader", lambda: (*aegte_omraader, o))
        monkeypatch.setattr(omraader, "mapper", lambda: [*aegte_mapper, mappe])
        maal.nulstil()

    yield registrer
    monkeypatch.undo()
    maal.nulstil()


def test_a_test_areas_measure_is_in_the_cube_with_discretion(testomraade):
    testomraade(TEST_MAAL, "test_tilfaelde_pr_1000;Tilfælde pr. 1000 18-64-årige;test_tilfaelde;;befolkning;18-64;1000;true;taeller;")
    assert TILFAELDE in kube.deps() and dg.AssetKey(["datamart", "vh_benchmark"]) in kube.deps()
    # København three people (under five), Frederiksberg ten, Ballerup eight; Nordjylland delivered nothing
    con = _tilfaelde_lager({101: 3, 147: 10, 151: 8})
    cube, _ = koer(con, P1, P1)
    celler = {(c["niveau"], c["omraade"]): c for c in cube.filter(pl.col("noegletal_id") == "test_tilfaelde_pr_1000").to_dicts()}
    assert celler[("kommune", "101")]["diskretion_aarsag"] == d.PRIMAER and celler[("kommune", "101")]["taeller"] is None
    for k, n in (("147", 10), ("151", 8)):
        assert (celler[("kommune", k)]["taeller"], celler[("kommune", k)]["individer"], celler[("kommune", k)]["vaerdi"]
                ) == (n, n, n * 1000 / 1000)
    # else København would be Hovedstaden (or Danmark) minus its neighbours
    assert celler[("region", "Hovedstaden")]["diskretion_aarsag"] == celler[("land", "Danmark")]["diskretion_aarsag"] == d.SEKUNDAER
    kendte = med_kendte(con, cube).filter(pl.col("noegletal_id") == "test_tilfaelde_pr_1000")
    tomme = set(kendte.filter(d.UDEN_INDIVIDER)["omraade"])
    assert "851" in tomme and "Nordjylland" in tomme and not tomme & {"101", "147", "151", "Hovedstaden", "Danmark"}
    assert d.angrib(kendte, ["noegletal_id"], kube.cube_tal).height == 0
    assert "test_tilfaelde_pr_1000" in kube_med_kendte_sql()


def _tilfaelde_lager(antal: dict[int, int]):
    """København, Frederiksberg, Ballerup and Aalborg with 1000 residents each; `antal` people per kommune."""
    con = lager({P1: ({}, {}, {101: 1000, 147: 1000, 151: 1000, 851: 1000})})
    con.execute("CREATE TABLE datamart.test_tilfaelde (periode DATE, kommunekode INTEGER, cpr VARCHAR)")
    for k, n in antal.items():
        con.executemany("INSERT INTO datamart.test_tilfaelde VALUES (?, ?, ?)", [(P1, k, f"{k}-{i}") for i in range(n)])
    return con


class Tvang:
    """A table a test area publishes beside the cube (`maal.Afstemning`): it asks, once, for
    Frederiksberg's figure to be withheld, and lists what it asked for."""

    TABEL = "noegletal.test_tvang"
    DDL = "CREATE TABLE IF NOT EXISTS noegletal.test_tvang (periode DATE, omraade VARCHAR)"
    BESKRIVELSE = "Test"
    LAESER = (TILFAELDE,)
    RAEKKER_SQL = "SELECT DISTINCT periode FROM datamart.test_tilfaelde WHERE periode BETWEEN $fra AND $til"

    def nedre_graenser(self, kube):
        return {}

    def afstem_alle(self, foer, kube, raekker):
        celle = kube.filter((pl.col("omraade") == "147") & (pl.col("noegletal_id") == "test_tilfaelde_pr_1000"))
        tving = [] if celle["diskretioneret"].all() else [(p, "test_tilfaelde_pr_1000", "147") for p in raekker["periode"]]
        return pl.DataFrame({"periode": raekker["periode"], "omraade": ["147"] * raekker.height}), tving


def test_a_table_published_beside_the_cube_withholds_its_cells_through_the_areas_hook(testomraade):
    testomraade(TEST_MAAL, "test_tilfaelde_pr_1000;Tilfælde pr. 1000;test_tilfaelde;;befolkning;18-64;1000;true;taeller;",
                afstemninger=(Tvang(),))
    con = _tilfaelde_lager({101: 10, 147: 10, 151: 8})
    kube.koblede.create_levels(con, P1, P1)
    cube, tabeller = kube.cube(con, P1, P1)
    assert {"noegletal.vh_benchmark_diskretion", "noegletal.test_tvang"} <= set(tabeller)
    celler = {c["omraade"]: c for c in cube.filter(pl.col("noegletal_id") == "test_tilfaelde_pr_1000").to_dicts()}
    # forced by the table, and then a neighbour, or Frederiksberg would be Hovedstaden minus the rest
    assert celler["147"]["diskretion_aarsag"] == d.SEKUNDAER and celler["147"]["taeller"] is None
    assert [o for o in ("101", "151", "Hovedstaden") if celler[o]["diskretioneret"]]
    assert d.angrib(med_kendte(con, cube), ["noegletal_id"], kube.cube_tal).height == 0


def test_a_figure_that_refers_to_another_gives_the_same_numbers_under_its_own_id(testomraade):
    testomraade({}, "test_samme;Samme som VH's længerevarende pr. 1000;;;;;;;;vh_modtagere_laengerevarende_pr_1000",
                "test_samme_udgift;Samme som VH's samlede udgift;;;;;;;;vh_udgift_samlet_pr_18_64")
    katalog = {f["noegletal_id"]: f for f in maal.figurer()}
    assert katalog["test_samme"]["navn"] == "Samme som VH's længerevarende pr. 1000"
    assert katalog["test_samme"]["dataomraade"] == "testomraade" and katalog["test_samme"]["diskretion"]
    con = lager(data())
    cube, _ = koer(con, P1, P2)
    for henvisning, definition in (("test_samme", "vh_modtagere_laengerevarende_pr_1000"),
                                   ("test_samme_udgift", "vh_udgift_samlet_pr_18_64")):
        def celler(i):
            return cube.filter(pl.col("noegletal_id") == i).drop("noegletal_id").sort("periode", "niveau", "omraade")
        assert celler(definition).height == cube.filter(pl.col("noegletal_id") == definition).height > 30
        assert celler(henvisning).equals(celler(definition))
    assert cube.filter(pl.col("noegletal_id") == "test_samme")["diskretioneret"].any()


@pytest.mark.parametrize("raekke, besked", [
    ("test_x;X;;;;;2;;;vh_udgift_samlet_pr_18_64", "test_x henviser til vh_udgift_samlet_pr_18_64 og må derfor ikke "
     "selv angive faktor: definitionen står ét sted"),
    ("test_x;X;;;;;;;;findes_ikke", "test_x henviser til findes_ikke, som ingen dataområde definerer"),
    ("vh_udgift_samlet_pr_18_64;X;udgifter;*;befolkning;;1;false;;", "vh_udgift_samlet_pr_18_64 findes allerede"),
    ("test_x;X;ukendt_maal;;befolkning;;1;false;;", "taeller_maal ukendt_maal er intet dataområdes mål"),
    ("test_x;X;udgifter;*;befolkning;;1;true;taeller;", "målet udgifter tæller ingen personer"),
])
def test_a_wrong_catalogue_row_fails_with_a_danish_error_naming_it(testomraade, raekke, besked):
    testomraade({}, raekke)
    with pytest.raises(ValueError, match=besked):
        maal.figurer()


def test_two_areas_offering_the_same_measure_name_fail_with_a_danish_error(testomraade):
    testomraade({"befolkning": TEST_MAAL["test_tilfaelde"]})
    with pytest.raises(ValueError) as fejl:
        maal.alle()
    assert str(fejl.value) == ("Målet befolkning tilbydes af både dataområdet borger og testomraade: målenes navne er "
                               "fælles for alle områder og må kun bruges ét sted")


def test_a_measure_counting_people_must_say_who_delivered():
    with pytest.raises(ValueError, match="skal også sige, hvilke kommuner der har leveret data"):
        maal.Maal(sql=_tilfaelde, individer=_personer, kommuner=_kommuner, kilde="x", laeser=())


def test_the_population_measure_reads_an_age_range():
    from flis_assets.omraader.borger import maal as borger

    assert borger.aldre("18-64") == (18, 64) and borger.aldre("67-") == (67, None) and borger.aldre("") == (None, None)
    assert [borger._kilde(a) for a in ("18-64", "80-", "")] == ["18-64-årige fra CPR", "80+-årige fra CPR",
                                                               "indbyggere fra CPR"]
    with pytest.raises(ValueError, match="Aldersgruppen »18 til 64« i et nøgletals befolkning forstås ikke"):
        borger.aldre("18 til 64")
    con = lager({date(2024, 3, 1): ({}, {}, {101: 700})})  # 700 aged 18-64 of 1400 residents
    alle = con.execute(borger._befolkning("", "$fra", "$til"), {"fra": P1, "til": P1}).fetchall()
    atten = con.execute(borger._befolkning("18-64", "$fra", "$til"), {"fra": P1, "til": P1}).fetchall()
    assert (alle[0][2], atten[0][2]) == (1400, 700)


def test_a_region_may_sum_only_the_kommuner_with_both_sides(testomraade):
    """Økonomi's rule (borger-oekonomi.md): a kommune without accounts is left out of both the
    region's amounts and its population; VH's figures sum each side over every kommune."""
    testomraade({}, "test_begge;Udgift pr. indbygger;udgifter;1.8.1;befolkning;;1;false;;;true",
                "test_hver;Udgift pr. indbygger;udgifter;1.8.1;befolkning;;1;false;;;")
    # København has accounts and 1000 residents (2000 in all), Frederiksberg 500 residents (1000) and no accounts
    cube, _ = koer(lager({P1: ({}, {(101, "1.8.1"): 3000.0}, {101: 1000, 147: 500})}), P1, P1)
    region = {c["noegletal_id"]: (c["taeller"], c["naevner"], c["vaerdi"]) for c in cube.filter(
        (pl.col("omraade") == "Hovedstaden") & pl.col("noegletal_id").str.starts_with("test_")).to_dicts()}
    assert region == {"test_begge": (3000.0, 2000.0, 1.5), "test_hver": (3000.0, 3000.0, 1.0)}


def test_a_figure_with_discretion_cannot_leave_kommuner_out_of_its_regions(testomraade):
    testomraade({}, "test_begge;X;udgifter;1.8.1;helaarsmodtagere;1.8.1;1;true;naevner;;true")
    with pytest.raises(ValueError, match="kun_kommuner_med_begge kan ikke bruges med diskretion"):
        maal.figurer()
