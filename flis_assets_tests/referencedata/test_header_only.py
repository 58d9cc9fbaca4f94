"""A reference file that is its header alone is a valid file: no systemskifte rule, no approval, no
HAND07 figure, no subscription (then every kommune gets every package). The README's own example
(two kommuner that never change system) gives such a systemskifte.csv and must run through."""

import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from openpyxl import Workbook

from flis_assets import cli
from flis_assets.defs.referencedata import assets as ref
from flis_assets.omraader.borger import referencedata as folk1a
from flis_assets.omraader.voksenhandicap import referencedata as vh
from flis_assets.resources import duckdb_resource

HEADERS = {
    "systemskifte.csv": "kommunekode;fagsystem_gammel;fagsystem_ny;skiftedato;regel",
    "HAND07.csv": "omraade;ydelse;tid;indhold",
    "FOLK1A.csv": "omraade;koen;alder;tid;indhold",
    "abonnementer.csv": "kommunekode;pakke",
}
TYPES = {
    "systemskifte": {"kommunekode": pl.Int32, "fagsystem_gammel": pl.String, "fagsystem_ny": pl.String,
                     "skiftedato": pl.Date, "regel": pl.Int32},
    "hand07": {"kommunekode": pl.Int32, "ydelseskode": pl.String, "kvartal": pl.String, "hand07": pl.Int64},
    "folk1a": {"kommunekode": pl.Int32, "koen": pl.String, "alder": pl.Int32, "kvartal": pl.String, "folk1a": pl.Int64},
    "abonnementer": {"kommunekode": pl.Int32, "pakke": pl.String, "fra_fil": pl.Boolean},
    "godkendte_kommuner": {"kommunekode": pl.Int32, "ydelseskode": pl.String, "kvartal": pl.String,
                           "godkendt": pl.String, "aar": pl.Int32, "fil": pl.String},
}


def header_only_godkendte(folder) -> None:
    wb = Workbook()
    wb.active.title = "Godkendte"
    wb.active.append(vh.GODKENDT_HEADER)
    wb.save(folder / "godkendte_kommuner_2024.xlsx")


@pytest.mark.parametrize("name, fil, reader", [
    ("systemskifte", "systemskifte.csv", ref.read_systemskifte),
    ("hand07", "HAND07.csv", vh.read_hand07),
    ("folk1a", "FOLK1A.csv", folk1a.read_folk1a),
    ("abonnementer", "abonnementer.csv", ref.read_abonnementer),
])
def test_a_header_only_csv_reads_as_no_rows(tmp_path, name, fil, reader):
    (tmp_path / fil).write_text(HEADERS[fil] + "\n", encoding="utf-8")
    frame = reader(tmp_path / fil)
    assert frame.height == 0 and dict(frame.schema) == TYPES[name]


def test_a_header_only_godkendte_list_reads_as_no_rows(tmp_path):
    header_only_godkendte(tmp_path)
    frame = vh.read_godkendte(tmp_path)
    assert frame.height == 0 and dict(frame.schema) == TYPES["godkendte_kommuner"]


def test_header_only_files_materialise_as_empty_typed_tables(flis):
    for fil, header in HEADERS.items():
        flis.reference(fil, header + "\n")
    header_only_godkendte(flis.root / "reference")
    res = dg.materialize([*ref.assets, vh.godkendte_kommuner, vh.hand07, folk1a.folk1a],
                         resources={"duckdb": duckdb_resource()}, instance=flis.instance)
    assert res.success
    for name, types in TYPES.items():
        assert flis.sql(f"SELECT count(*) AS n FROM referencedata.{name}")["n"][0] == 0
        assert dict(flis.sql(f"SELECT * FROM referencedata.{name}").schema) == types


@pytest.mark.langsom
def test_the_readme_example_runs_through(tmp_path, monkeypatch):
    """README.md, 'Getting started', word for word (each its own `flis` call, as from the shell). Long:
    the generated stocks reach back to 2013 as the spec pins, so every period since is computed
    (`make test-langsom`, run by CI after `make test`)."""
    monkeypatch.setenv("FLIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FLIS_DUCKDB", str(tmp_path / "data" / "flis.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    shutil.copy(Path(__file__).parents[2] / "dagster.yaml", tmp_path / "dagster_home")  # as `make run` does
    assert cli.main("generate --from 2024-01 --to 2024-03 --kommuner 101,183 --scale 0.1 --seed 1".split()) == 0
    assert (tmp_path / "data/reference/systemskifte.csv").read_text().strip() == HEADERS["systemskifte.csv"]
    assert cli.main("materialize --from 2024-01 --to 2024-03".split()) == cli.EXIT_OK
