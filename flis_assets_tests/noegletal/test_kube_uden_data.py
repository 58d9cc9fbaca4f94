"""A kommune with residents but no Ældre data at all (issue 17), through the real cube.

Hovedstaden: Copenhagen (101) has eight recipients of hjemmehjælp among 40 residents aged 67 and
over; Frederiksberg (151) has 30 such residents and delivers no Ældre data. Midtjylland: Ikast-Brande
(730) and Randers (727) six recipients each. What happens to 151's cells and to its neighbours?
"""

from datetime import date

import polars as pl
import pytest

from flis_assets.defs.noegletal import diskretion as d
from flis_assets.defs.noegletal import kube
from flis_assets.defs.noegletal.checks import angreb_validator
from flis_assets_tests.noegletal.kube_data import koer, lager, med_kendte
from flis_assets_tests.omraader.aeldre.aeldre_data import indsaet

P = date(2024, 3, 1)
F = "aeldre_hjemmehjaelp_pr_100_67"
MODTAGERE = {101: 8, 730: 6, 727: 6}
BEBOERE = {101: 40, 151: 30, 730: 20, 727: 20}


@pytest.fixture(scope="module")
def cube() -> pl.DataFrame:
    con = lager({})
    for k, n in MODTAGERE.items():
        for i in range(n):
            indsaet(con, cpr=f"{k}{i:07d}", kommunekode=k, periode=P, indlaesningsmaaned=P, alder=70)
    con.executemany("INSERT INTO datamart.befolkning VALUES (?, ?, 'K', 70, ?)", [(P, k, n) for k, n in BEBOERE.items()])
    udgivet, _ = koer(con, P, P)
    yield med_kendte(con, udgivet)
    con.close()


def _celler(cube: pl.DataFrame) -> dict[str, dict]:
    return {c["omraade"]: c for c in cube.filter(pl.col("noegletal_id") == F).to_dicts()}


def test_a_kommune_without_aeldre_data_says_so_and_covers_no_one(cube):
    """151's cell has no numbers and says it has no data from Ældre. It stays withheld `primaer`
    (zero individuals are under five): the published reason is what every attacker reads as the
    cell's bounds, and NULL on a withheld cell reads as "at least five", false here. It covers no
    one: the check's attacker, who knows who delivers, finds nothing, and neither does one who does not."""
    c = _celler(cube)["151"]
    assert c["diskretioneret"] and c["diskretion_aarsag"] == d.PRIMAER and c["uden_individer"]
    assert c["bemaerkning"] == ("tælleren mangler data: ingen modtagere af hjemmehjælp på periodens sidste dag fra "
                                "Ældre for kommunen i måneden, så nøgletallet kan ikke beregnes")
    assert angreb_validator()(cube).height == 0
    assert d.angrib(cube.drop(d.UDEN_INDIVIDER), ["noegletal_id"], kube.cube_tal).height == 0


def test_why_its_neighbours_are_withheld(cube):
    """What really happens: Copenhagen (eight recipients) and Hovedstaden are withheld `sekundaer`
    because of 151. Discretion holds the table against an attacker who does not know who delivers
    too (`diskretion._modeller`), so 151's zero must not follow from Hovedstaden less Copenhagen;
    with both shown, it would."""
    celler = _celler(cube)
    assert celler["101"]["diskretion_aarsag"] == d.SEKUNDAER and celler["101"]["bemaerkning"] is None
    assert celler["Hovedstaden"]["diskretion_aarsag"] == d.SEKUNDAER
    assert not celler["730"]["diskretioneret"] and not celler["727"]["diskretioneret"]
    viste = {"101": (8.0, 40.0), "Hovedstaden": (8.0, 70.0)}  # (taeller, naevner): 151's 30 residents in the region
    vist = pl.DataFrame([{**c, "diskretioneret": False, "diskretion_aarsag": None, "taeller": viste[o][0],
                          "naevner": viste[o][1], "individer": int(viste[o][0]), "vaerdi": 100 * viste[o][0] / viste[o][1]}
                         if o in viste else c for o, c in celler.items()], schema=cube.schema)
    fundet = d.angrib(vist.drop(d.UDEN_INDIVIDER), ["noegletal_id"], kube.cube_tal)
    assert ("151", "individer", 0.0) in fundet.select("omraade", "tal", "fra").rows()


@pytest.mark.xfail(strict=True, reason=(
    "Kendt hul: en kommune uden Ældre-data (151) får sin nabo (101, otte modtagere) og sin region skjult "
    "sekundært, fordi diskretionen også skal holde mod en angriber, der ikke ved, hvem der leverer, og cellens nul "
    "ikke må kunne regnes ud. Når cellen nu siger 'ingen data' i bemaerkning, er det nul offentligt; at lade "
    "naboerne være kræver, at diskretion.py og uafhængige angribere (test_dataformer, samlet_angreb) læser en celle "
    "uden data som kendt nul - de hører under andre."))
def test_known_gap_a_kommune_without_data_withholds_its_neighbours(cube):
    """Strict: when the cube shows Copenhagen and Hovedstaden beside 151, this fails and the marker goes."""
    celler = _celler(cube)
    assert not celler["101"]["diskretioneret"] and not celler["Hovedstaden"]["diskretioneret"]
