"""The cube gives the same rows for the same data as before its measures and figures moved into the
data areas (`maal.py`, `omraader/<navn>/noegletal.csv`): `forventet/` holds the cube (with what an
outsider knows to be empty), the withheld benchmark rows and the "mangler data" warnings that the
cube with hand-written VH measures computed from `kube_uaendret_data`."""

from pathlib import Path

import polars as pl

from flis_assets.defs.noegletal import kube
from flis_assets.defs.noegletal.checks import mangler_data_sql
from flis_assets_tests.noegletal.kube_data import koer, lager, med_kendte
from flis_assets_tests.noegletal.kube_uaendret_data import P1, P2, data

FORVENTET = Path(__file__).parent / "forventet"


def _som_tekst(frame: pl.DataFrame, kolonner: list[str]) -> pl.DataFrame:
    """As the CSV holds it: every column text, rows in a fixed order."""
    return frame.select(kolonner).select(pl.all().cast(pl.String)).sort(kolonner, nulls_last=True)


def _forventet(navn: str) -> pl.DataFrame:
    frame = pl.read_csv(FORVENTET / f"{navn}.csv", separator=";", infer_schema=False)
    return _som_tekst(frame, frame.columns)


def test_the_cube_of_a_fixed_data_set_is_as_before():
    con = lager(data())
    cube, raekker = koer(con, P1, P2)
    forventet = _forventet("kube")
    assert forventet.height == 320 and forventet["diskretioneret"].to_list().count("true") == 79
    # the figures computed then (areas added since have figures of their own beside them)
    figurer = pl.col("noegletal_id").is_in(forventet["noegletal_id"].unique().to_list())
    assert _som_tekst(med_kendte(con, cube).filter(figurer), forventet.columns).equals(forventet)
    forventet = _forventet("raekker")
    assert _som_tekst(raekker, forventet.columns).equals(forventet)
    mangler = pl.concat([kube.query_pl(con, mangler_data_sql(), {"maaned": p}) for p in (P1, P2)])
    forventet = _forventet("mangler")
    assert _som_tekst(mangler.filter(figurer), forventet.columns).equals(forventet)
