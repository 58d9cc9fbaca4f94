"""Discretion shared by the cube's figures and the benchmark rows of the vh_datamart package.

Hand-made cases for each rule of `benchmark_diskretion.afstem`, the attack on what a package would
publish, and a property: whatever the rows, once the cube withholds what `afstem` asks, an
attacker solving the kommune's equations exactly (`samlet_angreb`, a linear programme written
apart from the module) derives no withheld row and no withheld figure.
"""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flis_assets.omraader.voksenhandicap import benchmark_diskretion as b
from flis_assets.defs.noegletal import diskretion as d
from flis_assets_tests.noegletal.samlet_angreb import punkter

F1, F1M, F2 = "vh_modtagere_laengerevarende_pr_1000", "vh_modtagere_midlertidige_pr_1000", "vh_udgift_pr_modtager_botilbud_sps"
SEKS = ["1.8.1", "1.8.2", "1.12.0.1", "1.12.0.2", "1.18.1", "1.18.2"]
FIGUR = {f.noegletal_id: f for f in b.figurer()}


def rows(**individer) -> dict[str, dict[str, float]]:
    """Benchmark rows by ydelse (1_8_1=6 is ydelse 1.8.1 with six recipients, each a full year)."""
    return {k.replace("_", "."): {"helaarsmodtagere": 1.0 * n, "individer": float(n)} for k, n in individer.items()}


def cell(raekker, figur, shown=True):
    """A figure's numbers as the cube computes them: the sum of its rows."""
    if not shown:
        return None
    mine = [r for y, r in raekker.items() if y in FIGUR[figur].ydelser]
    return {t: sum(r[t] for r in mine) for t in ("helaarsmodtagere", "individer")}


def test_the_catalogue_gives_the_figures_and_the_rows_they_rest_on():
    assert FIGUR[F1].ydelser == {"1.8.1"} and FIGUR[F1M].ydelser == {"1.8.2"}
    assert FIGUR[F2].ydelser == set(SEKS) and FIGUR[F2].side == "naevner" and FIGUR[F1].side == "taeller"


def test_a_lone_withheld_row_under_a_shown_figure_takes_the_cheapest_free_row_with_it():
    """1.18.1 (three recipients) would be the six-ydelse figure minus the rest. 1.8.1 and 1.8.2 are
    published by their own figures, so withholding them would not help: 1.12.0.1, the smaller of
    the two free rows, goes too."""
    r = rows(**{"1_8_1": 10, "1_8_2": 8, "1_12_0_1": 7, "1_12_0_2": 20, "1_18_1": 3})
    aarsag, tving = b.afstem(r, {F1: cell(r, F1), F1M: cell(r, F1M), F2: cell(r, F2)})
    assert aarsag == {"1.18.1": d.PRIMAER, "1.12.0.1": d.SEKUNDAER} and tving == set()


def test_a_lone_withheld_row_with_no_free_row_beside_it_withholds_the_figure():
    r = rows(**{"1_8_1": 10, "1_18_2": 2})
    aarsag, tving = b.afstem(r, {F1: cell(r, F1), F2: cell(r, F2)})
    assert aarsag == {"1.18.2": d.PRIMAER} and tving == {F2}


def test_a_withheld_figure_withholds_its_rows_and_is_no_sum_of_published_ones():
    """The six-ydelse figure withheld (for its region's sake) withholds its rows; were 1.8.1 and 1.8.2
    its only rows, both published by their own figures, their sum would give it away: the cheaper
    of those figures is withheld too."""
    r = rows(**{"1_8_1": 10, "1_8_2": 8, "1_4": 2})
    aarsag, tving = b.afstem(r, {F1: cell(r, F1), F1M: cell(r, F1M), F2: None})
    assert aarsag == {"1.8.1": d.SEKUNDAER, "1.8.2": d.SEKUNDAER, "1.4": d.PRIMAER} and tving == {F1M}
    r = rows(**{"1_8_1": 10, "1_8_2": 8, "1_18_1": 9})
    assert b.afstem(r, {F1: cell(r, F1), F1M: cell(r, F1M), F2: None})[1] == set()  # 1.18.1 stays unknown


def test_two_withheld_rows_under_a_shown_figure_need_nothing_more():
    r = rows(**{"1_12_0_1": 3, "1_18_1": 2, "1_12_0_2": 20})
    assert b.afstem(r, {F2: cell(r, F2)}) == ({"1.12.0.1": d.PRIMAER, "1.18.1": d.PRIMAER}, set())


def tables(raekker, celler, aarsag) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the packages show of kommune 101: its figures (`noegletal`) and rows (`vh_datamart`),
    withheld numbers NULL, each with its reason (a withheld figure under five is `primaer`)."""
    figurer = []
    for i, v in celler.items():
        f, sand = FIGUR[i], cell(raekker, i)
        tal = dict.fromkeys(("taeller", "naevner")) | ({f.side: v["helaarsmodtagere"]} if v else {})
        figurer.append({"niveau": "kommune", "omraade": "101", "noegletal_id": i, **tal,
                        "individer": v["individer"] if v else None, "diskretioneret": v is None,
                        "diskretion_aarsag": None if v else d.PRIMAER if sand["individer"] < d.MIN_INDIVIDER
                        else d.SEKUNDAER})
    rows_ = [{"handlekommune": 101, "ydelseskode": y,
              "helaarsmodtagere": None if y in aarsag else r["helaarsmodtagere"],
              "unikke_modtagere": None if y in aarsag else r["individer"],
              "diskretioneret": y in aarsag, "diskretion_aarsag": aarsag.get(y)} for y, r in raekker.items()]
    schema = {"helaarsmodtagere": pl.Float64, "unikke_modtagere": pl.Float64, "diskretion_aarsag": pl.String}
    return (pl.DataFrame(figurer, schema_overrides={"taeller": pl.Float64, "naevner": pl.Float64,
                                                    "individer": pl.Float64, "diskretion_aarsag": pl.String}),
            pl.DataFrame(rows_, schema_overrides=schema))


def published(raekker, celler, aarsag) -> pl.DataFrame:
    """The same as the package check reads it (`FIGURER_OG_RAEKKER_SQL`)."""
    figurer, rows_ = tables(raekker, celler, aarsag)
    return pl.concat([
        figurer.select(tabel=pl.lit("noegletal"), omraade="omraade", noegle="noegletal_id", taeller="taeller",
                       naevner="naevner", individer="individer", helaarsmodtagere=pl.lit(None, pl.Float64),
                       unikke_modtagere=pl.lit(None, pl.Float64), diskretioneret="diskretioneret",
                       diskretion_aarsag="diskretion_aarsag"),
        rows_.select(tabel=pl.lit("vh_datamart"), omraade=pl.lit("101"), noegle="ydelseskode",
                     taeller=pl.lit(None, pl.Float64), naevner=pl.lit(None, pl.Float64),
                     individer=pl.lit(None, pl.Float64), helaarsmodtagere="helaarsmodtagere",
                     unikke_modtagere="unikke_modtagere", diskretioneret="diskretioneret",
                     diskretion_aarsag="diskretion_aarsag")])


def test_the_attack_finds_the_row_the_primary_rule_alone_gives_away():
    r = rows(**{"1_8_1": 10, "1_12_0_2": 20, "1_18_1": 3})
    celler = {F1: cell(r, F1), F2: cell(r, F2)}
    found = b.angrib(published(r, celler, {"1.18.1": d.PRIMAER}))
    assert found.select("ydelseskode", "tal", "fra").rows() == [("1.18.1", "helaarsmodtagere", 3.0),
                                                                ("1.18.1", "individer", 3.0)]
    aarsag, _ = b.afstem(r, celler)
    assert b.angrib(published(r, celler, aarsag)).height == 0


def test_the_attack_finds_a_withheld_figure_that_is_the_sum_of_shown_rows():
    r = rows(**{"1_8_1": 10, "1_12_0_2": 20})
    found = b.angrib(published(r, {F1: cell(r, F1), F2: None}, {"1.8.1": d.SEKUNDAER}))
    assert found["regel"].to_list() == ["NOEGLETAL_ER_SUMMEN_AF_VISTE_RAEKKER"]


@st.composite
def kommuner(draw):
    # every ydelse has its row, as in the package; none may be empty
    raekker = rows(**{y.replace(".", "_"): draw(st.integers(0, 12)) for y in SEKS})
    # the cube's own secondary suppression, for its regions' sake, may withhold any shown figure
    cube_skjuler = {f: draw(st.booleans()) for f in (F1, F1M, F2)}
    return raekker, cube_skjuler


@given(kommuner())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_nothing_withheld_can_be_derived_from_a_kommunes_figures_and_rows(case):
    raekker, cube_skjuler = case
    skjult = {f for f in (F1, F1M, F2)
              if cube_skjuler[f] or (cell(raekker, f) or {}).get("individer", 0) < d.MIN_INDIVIDER}
    while True:  # as kube.cube does: withhold what afstem asks until it asks nothing
        celler = {f: cell(raekker, f, f not in skjult) for f in (F1, F1M, F2)}
        aarsag, tving = b.afstem(raekker, celler)
        if not tving:
            break
        skjult |= tving
    assert punkter(*tables(raekker, celler, aarsag)) == []
    assert b.angrib(published(raekker, celler, aarsag)).height == 0
