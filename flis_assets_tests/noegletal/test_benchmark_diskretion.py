"""Discretion shared by the cube's figures and the benchmark rows of the vh_datamart package.

Hand-made cases for each rule of `benchmark_diskretion.afstem`, the attack on what a package would
publish, and a property: whatever the rows, once the cube withholds what `afstem` asks, an
attacker solving each kommune's equations exactly (a linear programme, written here on its own)
derives no withheld row and no withheld figure.
"""

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from flis_assets.defs.noegletal import benchmark_diskretion as b
from flis_assets.defs.noegletal import diskretion as d

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


def published(raekker, celler, aarsag) -> pl.DataFrame:
    """What a package shows of one kommune: the figures and rows, withheld numbers NULL."""
    out = []
    for i, v in celler.items():
        f = FIGUR[i]
        tal = dict.fromkeys(("taeller", "naevner")) | ({f.side: v["helaarsmodtagere"]} if v else {})
        out.append({"tabel": "noegletal", "omraade": "101", "noegle": i, **tal,
                    "individer": v["individer"] if v else None, "helaarsmodtagere": None, "unikke_modtagere": None,
                    "diskretioneret": v is None, "diskretion_aarsag": None if v else d.SEKUNDAER})
    for y, r in raekker.items():
        vist = y not in aarsag
        out.append({"tabel": "vh_datamart", "omraade": "101", "noegle": y, "taeller": None, "naevner": None,
                    "individer": None, "helaarsmodtagere": r["helaarsmodtagere"] if vist else None,
                    "unikke_modtagere": r["individer"] if vist else None,
                    "diskretioneret": not vist, "diskretion_aarsag": aarsag.get(y)})
    return pl.DataFrame(out)


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


# -- the attacker, independently: one LP over all of a kommune's equations ---------------------------

def lp_points(raekker, celler, aarsag) -> list[str]:
    """Withheld rows and figures whose number an LP over the kommune's equations pins to a point."""
    skjulte = sorted(y for y in aarsag if not any(celler.get(f) for f in celler if FIGUR[f].ydelser == {y}))
    idx = {y: i for i, y in enumerate(skjulte)}
    fundet = []
    for t in ("helaarsmodtagere", "individer"):
        A, rhs = [], []
        for i, v in celler.items():
            if v is None:
                continue
            row, known = np.zeros(len(skjulte)), v[t]
            for y in FIGUR[i].ydelser & raekker.keys():
                if y in idx:
                    row[idx[y]] = 1
                else:
                    known -= raekker[y][t]
            if row.any():
                A.append(row)
                rhs.append(known)
        bounds = [(0, d.MIN_INDIVIDER - 1) if t == "individer" and aarsag[y] == d.PRIMAER
                  else (d.MIN_INDIVIDER, None) if t == "individer" else (0, None) for y in skjulte]
        maal = {y: {y} for y in skjulte}
        # a withheld figure with no rows at all is zero, as the absent rows say: nobody to identify
        maal.update({i: FIGUR[i].ydelser & raekker.keys() for i, v in celler.items()
                     if v is None and FIGUR[i].ydelser & raekker.keys()})
        for navn, ydelser in maal.items():
            c = np.zeros(len(skjulte))
            for y in ydelser & idx.keys():
                c[idx[y]] = 1
            if not c.any():
                fundet.append(navn)  # every row of the figure published
                continue
            kw = dict(A_eq=np.array(A), b_eq=rhs) if A else {}
            lo, hi = linprog(c, bounds=bounds, method="highs", **kw), linprog(-c, bounds=bounds, method="highs", **kw)
            if lo.status == 0 and hi.status == 0 and d.er_punkt(lo.fun, -hi.fun):
                fundet.append(f"{navn}:{t}")
    return fundet


@st.composite
def kommuner(draw):
    raekker = rows(**{y.replace(".", "_"): n for y in SEKS
                      if (n := draw(st.one_of(st.none(), st.integers(1, 12)))) is not None})
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
    assert lp_points(raekker, celler, aarsag) == []
    assert b.angrib(published(raekker, celler, aarsag)).height == 0
