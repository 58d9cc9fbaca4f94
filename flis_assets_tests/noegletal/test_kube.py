"""noegletal.kube: the cube's discretion ends, and forced cells stay withheld.

The hand-made case is the one that spun for 18 minutes: Rødovre (175) has five recipients of
1.12.0.1 and no Økonomi lines, so the expenses per recipient have no numerator. Its benchmark
rows would give the figure away (the published row and the zero rows add up to it), so the rows
force the figure withheld; Hovedstaden then equals Rødovre plus an empty Vallensbæk (187) and is
withheld too, and the old give-back step released Rødovre again - every round the same.
"""

from datetime import date
from unittest import mock

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flis_assets.defs.noegletal import diskretion as d
from flis_assets.defs.noegletal import kube
from flis_assets.omraader.voksenhandicap import benchmark_diskretion
from flis_assets.defs.noegletal.checks import mangler_data_sql
from flis_assets_tests.noegletal.kube_data import koer, lager, med_kendte, tomme_raekker, vh_datamart
from flis_assets_tests.noegletal.samlet_angreb import punkter
from flis_assets_tests.noegletal.test_diskretion import celle, lp_intervaller, tabel
from flis_assets_tests.noegletal.test_diskretion import punkter as lp_punkter

P = date(2024, 3, 1)
F2 = "vh_udgift_pr_modtager_botilbud_sps"
# The shape that spun, with Vallensbæk delivering VH data (one recipient of 1.4, in no figure): a
# kommune without any would be known to be empty, and Rødovre withheld in the first round already.
SPANDT = {P: ({(175, "1.12.0.1"): 5, (187, "1.4"): 1}, {}, {175: 1000, 187: 1000})}


def test_a_forced_cell_is_not_given_back_when_a_region_is_protected():
    """Nordjylland's two primaries protect each other, so 851 is not needed by this table; it is
    withheld because a linked table withholds it, and Midtjylland (under five) makes the greedy
    step run, whose give-back used to release 851."""
    t = tabel({"751": celle(2), "101": celle(30), "147": celle(40), "151": celle(9),
               "849": celle(3), "810": celle(2), "851": celle(20), "860": celle(25)})
    vaegt = {o: v["individer"] for o, v in t.vaerdier.items()}
    aarsag = d.undertryk(t, [o for o, n in vaegt.items() if n < d.MIN_INDIVIDER], vaegt, foelg=["851"])
    assert aarsag["851"] == d.SEKUNDAER
    assert lp_punkter(lp_intervaller(t, aarsag)) == []


def test_vh_without_oekonomi_ends_with_the_figure_withheld():
    con = lager(SPANDT)
    with mock.patch.object(benchmark_diskretion, "afstem_alle",
                           wraps=benchmark_diskretion.afstem_alle) as runder:
        cube, raekker = koer(con, P, P)
    assert runder.call_count == 2  # one round forces Rødovre's figure, the next asks nothing
    celler = {(c["niveau"], c["omraade"]): c for c in cube.filter(pl.col("noegletal_id") == F2).to_dicts()}
    assert celler[("kommune", "175")]["diskretion_aarsag"] == d.SEKUNDAER
    assert celler[("kommune", "175")]["naevner"] is None
    assert celler[("region", "Hovedstaden")]["diskretioneret"]
    assert punkter(cube, vh_datamart(con, P, raekker)) == []


def test_a_round_that_asks_again_for_a_forced_cell_stops_with_a_danish_error():
    """Should a forced cell ever be shown again, the cube stops at once, naming period and figure."""
    con = lager(SPANDT)
    glemsom = d.anvend  # the cube without its forced cells: the benchmark rows ask for them again

    def anvend_uden_tvang(frame, noegle, tal, skjul, foelg=None, nedre=lambda key: {}):
        return glemsom(frame, noegle, tal, skjul, nedre=nedre)

    with mock.patch.object(kube.diskretion, "anvend", anvend_uden_tvang), pytest.raises(d.DiskretionFejl) as fejl:
        koer(con, P, P)
    assert f"nøgletallet {F2} for perioden 2024-03 kommer ikke videre: kommune 175" in str(fejl.value)


def test_the_same_data_in_another_order_and_thread_count_gives_the_same_bytes():
    """Full-time recipients and expenses whose float sums depend on their order (0.1 + 0.2 + 0.3):
    inserted in reverse and summed with four threads instead of one, the cube is identical, and
    every value has its stated precision (`praecision`)."""
    kommuner = [int(k) for ks in d.regioner().values() for k in ks[:6]]
    seks = ["1.8.1", "1.8.2", "1.12.0.1", "1.12.0.2", "1.18.1", "1.18.2"]
    modtagere = {(k, y): (7, 0.1 * (1 + (i + j) % 3)) for i, k in enumerate(kommuner) for j, y in enumerate(seks)}
    udgifter = {(k, y): 254168.35 / (3 + (i + j) % 7) for i, k in enumerate(kommuner) for j, y in enumerate(seks)}
    data = {P: (modtagere, udgifter, {k: 1000 + k for k in kommuner})}
    kuber = []
    for threads, omvendt in ((1, False), (4, True)):
        cube, _ = koer(lager(data, threads=threads, omvendt=omvendt), P, P)
        kuber.append(cube.sort("noegletal_id", "niveau", "omraade"))
    assert kuber[0].equals(kuber[1])
    vaerdier = kuber[0]["vaerdi"].drop_nulls()
    assert vaerdier.len() > 0 and (vaerdier == vaerdier.round(kube.praecision.VAERDI_DECIMALER)).all()


# -- property: any data shape on the real 98-kommune structure ends, and gives nothing away ----------

REGIONER = d.regioner()
SEKS = ["1.8.1", "1.8.2", "1.12.0.1", "1.12.0.2", "1.18.1", "1.18.2"]
FORMER = ("blandet", "en_kommune_i_regionen", "alle_kommuner_under_fem", "alle_nul")
KILDER = ("vh_og_oekonomi", "vh_uden_oekonomi", "oekonomi_uden_vh")


@st.composite
def perioder(draw):
    """One or two periods, each with its own shape: kommuner of one to three regions, each with VH
    and Økonomi, VH without Økonomi or Økonomi without VH, residents or none, tiny counts."""
    data = {}
    for periode in draw(st.sampled_from([[P], [P, date(2024, 4, 1)]])):
        form = draw(st.sampled_from(FORMER))
        modtagere, udgifter, befolkning = {}, {}, {}
        for r in draw(st.lists(st.sampled_from(sorted(REGIONER)), min_size=1, max_size=3, unique=True)):
            antal = 1 if form == "en_kommune_i_regionen" else draw(st.integers(1, 4))
            for k in draw(st.lists(st.sampled_from(REGIONER[r]), min_size=antal, max_size=antal, unique=True)):
                k, kilde = int(k), draw(st.sampled_from(KILDER))
                if draw(st.integers(0, 4)):  # now and then no residents (CPR) either
                    befolkning[k] = draw(st.integers(0, 3000))
                ydelser = draw(st.lists(st.sampled_from([*SEKS, "1.4"]), min_size=1,
                                        max_size=1 if form == "alle_kommuner_under_fem" else 4, unique=True))
                for y in ydelser:
                    n = (0 if form == "alle_nul" else draw(st.integers(0, 4)) if form == "alle_kommuner_under_fem"
                         else draw(st.one_of(st.integers(0, 6), st.integers(0, 25))))
                    if kilde != "oekonomi_uden_vh":
                        modtagere[(k, y)] = n
                    if kilde != "vh_uden_oekonomi":
                        udgifter[(k, y)] = draw(st.integers(-10_000, 500_000)) / 100
        data[periode] = (modtagere, udgifter, befolkning)
    return data


@given(perioder())
@example({P: ({(175, "1.12.0.1"): 5}, {}, {175: 1000, 187: 1000})})  # the shape that spun
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_every_shape_ends_within_as_many_rounds_as_cells_and_gives_nothing_away(data):
    con = lager(data)
    with mock.patch.object(benchmark_diskretion, "afstem_alle",
                           wraps=benchmark_diskretion.afstem_alle) as runder:
        cube, raekker = koer(con, min(data), max(data))
    # each round but the last forces a cell not forced before: at most one round per cell, plus one
    assert 1 <= runder.call_count <= cube.height + 1
    for periode in data:  # the attackers know which cells and rows are empty (no VH data delivered);
        # the linear programme only that they are no secret: used in its equations, it finds the gap
        # test_tomme_celler.test_known_gap_country_rows_pinned_across_figures
        publiceret = med_kendte(con, cube.filter(pl.col("periode") == periode))
        tomme = tomme_raekker(con, periode)
        assert punkter(publiceret, vh_datamart(con, periode, raekker), tomme, binder=False) == []
        assert d.angrib(publiceret, ["noegletal_id"], kube.cube_tal).height == 0


def test_a_kommune_with_only_oekonomi_is_in_the_rows_and_a_lone_kommune_gives_no_zeros_away():
    """Horsens (615) alone has recipients (six of 1.8.1), three kommuner of Hovedstaden have only
    Økonomi lines, and nobody has residents. The package must show the three kommuner's (empty)
    rows, withheld, as the cube shows their cells; and Danmark's expenses per recipient, equal to
    Horsens' published 1.8.1 figure, would say that every other withheld row is zero."""
    data = {P: ({(615, "1.8.1"): 6}, {(k, "1.8.1"): 0.0 for k in (101, 147, 151)}, {})}
    con = lager(data)
    cube, raekker = koer(con, P, P)
    pakke = vh_datamart(con, P, raekker)
    assert pakke.filter(pl.col("handlekommune") == 101)["diskretioneret"].to_list() == [True] * 13
    assert punkter(cube, pakke) == []


@pytest.mark.parametrize("data", [
    # Danmark's figure over six ydelser equals Danmark's shown 1.8.1 figure: the other rows are zero
    {P: ({(101, "1.8.1"): 3, (147, "1.8.1"): 0, (151, "1.8.1"): 0, (615, "1.8.1"): 0, (657, "1.8.1"): 0,
          (661, "1.8.1"): 3}, {(k, "1.8.1"): 0.0 for k in (147, 151, 615, 657, 661)}, {101: 1005, 151: 0, 657: 0})},
    # Hovedstaden's 1.8.1 figure is withheld as secondary (at least five), its six-ydelse figure shows five
    {P: ({(101, "1.8.1"): 1, (147, "1.8.1"): 0, (151, "1.8.1"): 4}, {(101, "1.8.1"): 0.0}, {})},
])
def test_a_region_or_the_country_gives_no_rows_away_through_its_single_ydelse_figures(data):
    con = lager(data)
    cube, raekker = koer(con, P, P)
    assert punkter(cube, vh_datamart(con, P, raekker)) == []


@pytest.mark.xfail(strict=True, reason="Kendt hul: Danmark viser 1.8.1, 1.8.2 og de seks ydelser, hvis forskel er nul "
                   "efter at Hovedstaden er skjult; angrebet på tværs af nøgletal og områder er ikke fuldt lukket.")
def test_known_gap_country_figures_across_withheld_regions():
    """Found by the property test with --hypothesis-seed=99; strict: when it is fixed, this fails
    and the marker goes."""
    data = {P: ({(101, "1.8.1"): 5, (147, "1.8.2"): 1, (151, "1.8.1"): 0, (153, "1.12.0.1"): 0, (615, "1.8.1"): 0,
                 (615, "1.8.2"): 4, (615, "1.12.0.1"): 0, (615, "1.12.0.2"): 0},
                {(101, "1.8.1"): 0.0, (147, "1.8.2"): 0.0, (151, "1.8.1"): 0.02, (153, "1.12.0.1"): 0.01}, {147: 0})}
    con = lager(data)
    cube, raekker = koer(con, P, P)
    assert punkter(cube, vh_datamart(con, P, raekker)) == []


def test_a_figure_without_its_oekonomi_says_so():
    """Rødovre's expenses per recipient have recipients and no Økonomi lines: the warning check
    says which side is missing and why; Vallensbæk has neither, so nothing is missing."""
    con = lager({P: ({(175, "1.12.0.1"): 5}, {}, {175: 1000, 187: 1000})})
    fundet = kube.query_pl(con, mangler_data_sql(), {"maaned": P})
    raekke = fundet.filter(pl.col("noegletal_id") == F2).to_dicts()
    assert [(r["omraade"], r["regel"]) for r in raekke] == [("175", "NOEGLETAL_MANGLER_DATA")]
    assert raekke[0]["aarsag"].startswith("tælleren mangler data: ingen udgifter fra Økonomi")
    assert "187" not in fundet.filter(pl.col("noegletal_id") == F2)["omraade"].to_list()
