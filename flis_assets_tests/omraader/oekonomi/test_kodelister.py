"""Økonomi's kontoplan (an area code list, `omraader/oekonomi/kodelister/`) loads into schema kodelister
beside the platform's and names what the key figures and the VH bridge use."""

import duckdb

from flis_assets import kodelister
from flis_assets.resources import load_kodelister


def test_the_kontoplan_loads_into_duckdb_with_the_platforms_lists():
    with duckdb.connect() as con:
        load_kodelister(con)
        navne = dict(con.execute("SELECT kode, navn FROM kodelister.oekonomi_kontoplan").fetchall())
        assert con.execute("SELECT count(*) FROM kodelister.vh_kontoplan_bro").fetchone()[0] > 0
    assert navne["5.30.26"] == "Personlig og praktisk hjælp og madservice (hjemmehjælp) til hjemmeboende"
    assert navne["5.38"] == "Tilbud til voksne med særlige behov"


def test_the_kontoplan_names_the_key_figures_hovedfunktioner_and_every_funktion_of_the_vh_bridge():
    kontoplan = kodelister.load("oekonomi_kontoplan")
    koder = {(n, k) for k, n in kontoplan.select("kode", "niveau").iter_rows()}
    assert kontoplan["kode"].is_unique().all() and kontoplan["navn"].str.len_chars().min() > 0
    bro = kodelister.load("vh_kontoplan_bro")
    for hk, hf, fu in bro.select("hovedkonto", "hovedfunktion", "funktion").unique().iter_rows():
        assert ("funktion", f"{hk}.{hf:02d}.{fu:02d}") in koder
        assert ("hovedfunktion", f"{hk}.{hf:02d}") in koder and ("hovedkonto", str(hk)) in koder
    for hf in ("3.22", "5.25", "5.28", "5.30", "5.38", "6.45"):
        assert ("hovedfunktion", hf) in koder


# The prefix rule and a new area's list loading: flis_assets_tests/omraader/test_platform.py.
