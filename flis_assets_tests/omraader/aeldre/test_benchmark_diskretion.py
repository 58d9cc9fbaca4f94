"""The hjemmehjælp rows of aeldre_datamart and the cube's figures that sum them, through the real cube.

Per kommune, `aeldre_timer_pr_modtager` publishes Σ hours and the recipients of personlig pleje (PP)
and praktisk hjælp (PH); `aeldre_andel_privat_praktisk` publishes PH's recipients as its naevner;
`aeldre_udgift_pr_visiteret_time` the hours over the period in kommuner with accounts. Each case
runs the cube (`kube.cube`, with the area's `benchmark_diskretion.BENCHMARK`), writes the package
(`datapakker.AELDRE_DATAMART_SQL`) and attacks what is published (`BENCHMARK.angrib`, the blocking
check `aeldre_hjemmehjaelp_kan_ikke_udregnes`).
"""

from datetime import date
from pathlib import Path

import polars as pl

from flis_assets.defs.noegletal import diskretion as d
from flis_assets.defs.noegletal import kube
from flis_assets.omraader.aeldre import datamart, datapakker
from flis_assets.omraader.aeldre import referencedata as ref
from flis_assets.omraader.aeldre.benchmark_diskretion import BENCHMARK, TABEL, dage_pr_uge
from flis_assets.resources import query_pl
from flis_assets_tests.noegletal.kube_data import lager
from flis_assets_tests.omraader.aeldre.aeldre_data import MAR, PRAKTISK, indsaet

TIMER, ANDEL, UDGIFT = "aeldre_timer_pr_modtager", "aeldre_andel_privat_praktisk", "aeldre_udgift_pr_visiteret_time"
PP, PH = "PERSONLIG_PLEJE", "PRAKTISK_HJAELP"


def modtagere(con, kommune: int, pp: int, ph: int, privat: int = 0, timer: float = 1.0) -> None:
    """`pp` citizens with personlig pleje and `ph` others with praktisk hjælp (the first `privat` of
    them from a private provider), `timer` hours a week each, on 31 March in `kommune`."""
    for i in range(pp):
        indsaet(con, cpr=f"{kommune}PP{i}", kommunekode=kommune, timer_pr_uge=timer)
    for i in range(ph):
        indsaet(con, cpr=f"{kommune}PH{i}", kommunekode=kommune, timer_pr_uge=timer,
                leverandoer="PRIVAT" if i < privat else "KOMMUNAL", **PRAKTISK)


def regnskab(con, *kommuner: int) -> None:
    """Økonomi's accounts on 5.30.26 for `kommuner`: the expenses per visited hour have data there."""
    con.executemany("INSERT INTO datamart.oekonomi_regnskab (periode, visning, kommunekode, dranst, hovedkonto, "
                    "hovedfunktion, funktion, hovedart, beloeb) VALUES (?, 'maaned', ?, '1', '5', '5.30', '5.30.26', '1', ?)",
                    [(MAR, k, 10_000) for k in kommuner])


def ny() -> object:
    con = lager({})
    ingen = ref.read_aed06(Path("AED06_findes_ikke.csv"))  # noqa: F841 - read by DuckDB's replacement scan
    con.execute("CREATE TABLE referencedata.aed06 AS SELECT * FROM ingen")
    return con


def publicer(con) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The cube, the package and what the attack check reads, for March, as the assets write them."""
    kube.koblede.create_levels(con, MAR, MAR)
    cube, tabeller = kube.cube(con, MAR, MAR)
    raekker = tabeller[TABEL]  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(BENCHMARK.DDL)
    con.execute(f"INSERT INTO {TABEL} SELECT * FROM raekker")
    con.execute("CREATE TABLE noegletal.kube AS SELECT * FROM cube")
    con.execute("CREATE TABLE datapakker.noegletal AS SELECT * FROM cube")
    datamart.build(con, [MAR], [MAR])
    pakke = query_pl(con, datapakker.AELDRE_DATAMART_SQL, {"fra": MAR, "til": MAR})
    con.execute("CREATE TABLE datapakker.aeldre_datamart AS SELECT * FROM pakke")
    return cube, pakke, query_pl(con, BENCHMARK.angreb_sql(), {"maaned": MAR})


def celle(cube: pl.DataFrame, noegletal_id: str, omraade: str) -> dict:
    return cube.filter((pl.col("noegletal_id") == noegletal_id) & (pl.col("omraade") == omraade)).row(0, named=True)


def raekke(pakke: pl.DataFrame, kommune: int, indsatstype: str) -> dict:
    return pakke.filter((pl.col("kommunekode") == kommune) & (pl.col("indsatstype") == indsatstype)).row(0, named=True)


def test_four_with_personlig_pleje_are_not_the_recipients_minus_praktisk_hjaelp():
    """101: PP four recipients, PH thirty (ten private). Shown, the hours per recipient's 34 minus
    PH's 30 (in the package and as the private share's naevner) would give PP's four away."""
    con = ny()
    modtagere(con, 101, pp=4, ph=30, privat=10)
    regnskab(con, 101)
    cube, pakke, publiceret = publicer(con)
    pp, ph, timer = raekke(pakke, 101, PP), raekke(pakke, 101, PH), celle(cube, TIMER, "101")
    assert pp["hjemmehjaelp_modtagere"] is None and pp["diskretion_aarsag"] == d.PRIMAER
    assert celle(cube, ANDEL, "101")["naevner"] == 30  # praktisk hjælp's recipients are public anyway
    # so the figure goes, and the expenses per visited hour, which publish the same hours and recipients
    assert timer["diskretioneret"] and timer["individer"] is None and timer["diskretion_aarsag"] == d.SEKUNDAER
    assert celle(cube, UDGIFT, "101")["diskretioneret"]
    # the withheld figure rests on PH too: all its counts go, the recipients on the last day and in the period too
    assert ph["diskretion_aarsag"] == d.SEKUNDAER
    assert (ph["modtagere"], ph["modtagere_i_perioden"], ph["visiterede_timer"]) == (None, None, None)
    assert BENCHMARK.angrib(publiceret).height == 0


def test_a_withheld_private_share_withholds_praktisk_hjaelps_recipients():
    """101: PH twenty recipients, three of them private (the share is withheld: under five), PP ten.
    The share's naevner is PH's recipients: the package may not show them; and the hours per
    recipient's 30 minus PP's 10 would give them back, so PP goes too."""
    con = ny()
    modtagere(con, 101, pp=10, ph=20, privat=3)
    cube, pakke, publiceret = publicer(con)
    assert celle(cube, ANDEL, "101")["diskretion_aarsag"] == d.PRIMAER and not celle(cube, TIMER, "101")["diskretioneret"]
    ph, pp = raekke(pakke, 101, PH), raekke(pakke, 101, PP)
    assert ph["hjemmehjaelp_modtagere"] is None and ph["modtagere"] is None and ph["diskretion_aarsag"] == d.SEKUNDAER
    assert pp["hjemmehjaelp_modtagere"] is None and pp["diskretion_aarsag"] == d.SEKUNDAER
    assert BENCHMARK.angrib(publiceret).height == 0


def test_a_kommune_whose_figure_the_cube_withholds_for_its_region_withholds_its_rows():
    """Hovedstaden: 101 has three recipients (its figure primary), 147 and 151 more; the cube withholds
    one of them too, or 101 would be Hovedstaden minus the rest. That kommune's rows go (sekundaer),
    or they would add up to its withheld figure. 151 has no accounts: the expenses per visited hour
    rest on no row there, and its rows stay shown."""
    con = ny()
    modtagere(con, 101, pp=2, ph=1)
    modtagere(con, 147, pp=8, ph=9, privat=9)
    modtagere(con, 151, pp=12, ph=14, privat=14)
    regnskab(con, 101, 147)
    cube, pakke, publiceret = publicer(con)
    sekundaere = [k for k in (147, 151) if celle(cube, TIMER, f"{k:03d}")["diskretion_aarsag"] == d.SEKUNDAER]
    assert celle(cube, TIMER, "101")["diskretion_aarsag"] == d.PRIMAER and sekundaere
    for k in sekundaere:
        for indsatstype in (PP, PH):
            r = raekke(pakke, k, indsatstype)
            assert r["diskretion_aarsag"] == d.SEKUNDAER and r["hjemmehjaelp_modtagere"] is None and r["modtagere"] is None
    assert celle(cube, UDGIFT, "151")["diskretioneret"]  # no accounts: empty, and no cover asked of its rows
    for k in {147, 151} - set(sekundaere):
        assert raekke(pakke, k, PP)["hjemmehjaelp_modtagere"] is not None
    assert BENCHMARK.angrib(publiceret).height == 0
    assert query_pl(con, datapakker.DATAMART_DISKRETION_SQL, {"maaned": MAR}).height == 0


def angrebsramme(celler: list[dict], raekker: list[dict]) -> pl.DataFrame:
    """A hand-made month as `BENCHMARK.angreb_sql` reads it: kommune 101's figures and rows."""
    faelles = {"periode": MAR, "omraade": "101", "figurer_uden_data": []}
    rows = [{"tabel": "noegletal", **faelles, "taeller": None, "naevner": None, "individer": None,
             "visiterede_timer": None, "hjemmehjaelp_modtagere": None, **c} for c in celler]
    rows += [{"tabel": "aeldre_datamart", **faelles, "taeller": None, "naevner": None, "individer": None, **r}
             for r in raekker]
    return pl.DataFrame(rows, schema={
        "tabel": pl.String, "periode": pl.Date, "omraade": pl.String, "noegle": pl.String, "taeller": pl.Float64,
        "naevner": pl.Float64, "individer": pl.Float64, "visiterede_timer": pl.Float64,
        "hjemmehjaelp_modtagere": pl.Float64, "diskretioneret": pl.Boolean, "diskretion_aarsag": pl.String,
        "figurer_uden_data": pl.List(pl.String)})


SKJULT_PP = {"noegle": PP, "visiterede_timer": None, "hjemmehjaelp_modtagere": None, "diskretioneret": True,
             "diskretion_aarsag": d.PRIMAER}
VIST_PH = {"noegle": PH, "visiterede_timer": 30.0, "hjemmehjaelp_modtagere": 30.0, "diskretioneret": False,
           "diskretion_aarsag": None}


def test_the_attack_check_finds_a_row_the_hours_per_recipient_give_away():
    """The package with primary discretion only: 34 recipients and 34 hours minus PH's 30 are PP's 4."""
    timer = {"noegle": TIMER, "taeller": 34.0, "naevner": 34.0, "individer": 34.0, "diskretioneret": False,
             "diskretion_aarsag": None}
    found = BENCHMARK.angrib(angrebsramme([timer], [SKJULT_PP, VIST_PH]))
    assert sorted(found.select("indsatstype", "tal", "fra", "regel").rows()) == [
        (PP, "individer", 4.0, "RAEKKE_KAN_UDREGNES_AF_NOEGLETAL"),
        (PP, "visiterede_timer", 4.0, "RAEKKE_KAN_UDREGNES_AF_NOEGLETAL")]
    # the hours over the period (× 31 ÷ 7) give PP's hours away as well
    udgift = {"noegle": UDGIFT, "taeller": 5000.0, "naevner": 34.0 * dage_pr_uge(MAR), "individer": 34.0,
              "diskretioneret": False, "diskretion_aarsag": None}
    found = BENCHMARK.angrib(angrebsramme([udgift], [SKJULT_PP, VIST_PH]))
    assert found.filter(pl.col("tal") == "visiterede_timer")["fra"].to_list() == [4.0]
    # a withheld figure beside a shown one over the same rows and numbers is that one
    skjult = {**udgift, "taeller": None, "naevner": None, "individer": None, "diskretioneret": True,
              "diskretion_aarsag": d.SEKUNDAER}
    found = BENCHMARK.angrib(angrebsramme([timer, skjult], [{**SKJULT_PP, "diskretion_aarsag": d.SEKUNDAER},
                                                           {**VIST_PH, "visiterede_timer": None,
                                                            "hjemmehjaelp_modtagere": None, "diskretioneret": True,
                                                            "diskretion_aarsag": d.SEKUNDAER}]))
    assert found["regel"].to_list() == [f"NOEGLETAL_VISES_AF_{TIMER.upper()}"]
    # where the figure has no data (no accounts), it rests on no row: its withheld cell is no sum of them
    uden = angrebsramme([skjult], [VIST_PH, {**VIST_PH, "noegle": PP}]).with_columns(
        figurer_uden_data=pl.when(pl.col("tabel") == "aeldre_datamart").then(pl.lit([UDGIFT]))
        .otherwise(pl.col("figurer_uden_data")))
    assert BENCHMARK.angrib(uden).height == 0
    assert BENCHMARK.angrib(uden.with_columns(figurer_uden_data=pl.lit([], pl.List(pl.String))))["regel"].to_list() == [
        "NOEGLETAL_ER_SUMMEN_AF_VISTE_RAEKKER"]


def test_the_package_and_the_discretion_check_of_a_row_a_withheld_figure_rests_on():
    """A PH row shown although the private share's withheld cell rests on it fails the package check."""
    con = ny()
    modtagere(con, 101, pp=10, ph=20, privat=3)
    publicer(con)
    con.execute(f"""UPDATE datapakker.aeldre_datamart SET hjemmehjaelp_modtagere = 20, visiterede_timer = 20,
                    modtagere = 20, modtagere_i_perioden = 20 WHERE indsatstype = '{PH}'""")
    assert sorted(query_pl(con, datapakker.DATAMART_DISKRETION_SQL, {"maaned": MAR}).rows()) == [
        ("aeldre_datamart", "101", PH, "VIST_SKOENT_NOEGLETAL_DER_HVILER_PAA_DEN_ER_SKJULT")]


def test_the_figures_resting_on_the_rows_come_from_the_catalogue():
    figurer = {f.noegletal_id: f for f in BENCHMARK.figurer()}
    assert set(figurer) == {TIMER, ANDEL, UDGIFT}
    assert figurer[TIMER].koder == {PP, PH} and figurer[TIMER].tal == {"visiterede_timer": "taeller", "individer": "individer"}
    assert figurer[ANDEL].koder == {PH} and figurer[ANDEL].tal == {"individer": "naevner"}
    assert figurer[UDGIFT].tal == {"visiterede_timer": "naevner", "individer": "individer"}
    assert figurer[UDGIFT].skala(date(2024, 2, 1)) == 29 / 7 and figurer[UDGIFT].med_data is not None


def test_a_hjemmehjaelp_type_nobody_has_is_still_a_withheld_row():
    """Only personlig pleje in the period: praktisk hjælp's rows are there, withheld, as the cube's
    equations take them; left out, they would say zero, and the hours per recipient would be PP's."""
    con = ny()
    modtagere(con, 101, pp=10, ph=0)
    cube, pakke, publiceret = publicer(con)
    assert raekke(pakke, 101, PH)["diskretion_aarsag"] == d.PRIMAER
    assert not celle(cube, TIMER, "101")["diskretioneret"]
    assert raekke(pakke, 101, PP)["diskretion_aarsag"] == d.SEKUNDAER  # else PH would be 10 minus PP's 10
    assert BENCHMARK.angrib(publiceret).height == 0


def test_a_region_withholding_the_expenses_per_hour_withholds_the_hours_per_recipient_over_the_same_rows():
    """Where every kommune of the region has accounts, its expenses per visited hour publish the same
    hours and recipients as its hours per recipient: one withheld, the other goes too. A kommune
    without accounts makes them two sums (the hours per recipient has its rows too)."""
    raekker = {(k, y): {"visiterede_timer": 10.0, "individer": 10.0} for k in (101, 147) for y in (PP, PH)}
    celler = {TIMER: {"visiterede_timer": 40.0, "individer": 40.0}, UDGIFT: d.SEKUNDAER}
    assert BENCHMARK.afstem_omraade(celler, raekker, {}) == {TIMER}
    assert BENCHMARK.afstem_omraade(celler, raekker, {}, {147: {UDGIFT}}) == set()
