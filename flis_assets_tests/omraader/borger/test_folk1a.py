"""reference/FOLK1A.csv: read whole or not at all; a broken file is named with its line and reason."""

import pytest

from flis_assets.omraader.borger import referencedata as ref
from flis_assets.defs.referencedata.assets import ReferencefilFejl

HEADER = "omraade;koen;alder;tid;indhold"


def test_a_valid_file_is_read_by_kommune_sex_age_and_quarter(tmp_path):
    (tmp_path / "FOLK1A.csv").write_text(f"{HEADER}\n101;K;0;2024K2;12\n147;M;110;2024K2;3\n", encoding="utf-8")
    assert ref.read_folk1a(tmp_path / "FOLK1A.csv").rows() == [(101, "K", 0, "2024K2", 12), (147, "M", 110, "2024K2", 3)]


@pytest.mark.parametrize("linjer, fejl", [
    ("101;K;0;2024K2;12\n999;K;0;2024K2;1", "linje 3: omraade er ikke en af de 98 kommuners koder"),
    ("101;X;0;2024K2;12", "linje 2: koen skal være M eller K"),
    ("101;K;111;2024K2;12", "linje 2: alder skal være et helt antal år fra 0 til 110"),
    ("101;K;110+;2024K2;12", "linje 2: alder skal være et helt antal år fra 0 til 110"),
    ("101;K;0;2024-04;12", "linje 2: tid skal være et kvartal som 2024K1"),
    ("101;K;0;2024K2;12,5", "linje 2: indhold skal være et helt tal på mindst 0"),
    ("101;K;0;2024K2", "linje 2: linjen har 4 felter, forventede 5"),
    ("101;K;0;2024K2;12\n101;M;0;2024K2;11\n101;K;0;2024K2;12",
     "linje 4: kommunen, kønnet, alderen og kvartalet står allerede på en tidligere linje"),
])
def test_a_broken_file_names_the_file_line_and_reason(tmp_path, linjer, fejl):
    (tmp_path / "FOLK1A.csv").write_text(f"{HEADER}\n{linjer}\n", encoding="utf-8")
    with pytest.raises(ReferencefilFejl) as e:
        ref.read_folk1a(tmp_path / "FOLK1A.csv")
    assert e.value.description == f"Referencefilen FOLK1A.csv, {fejl}"


def test_a_wrong_header_is_named(tmp_path):
    (tmp_path / "FOLK1A.csv").write_text("omraade;koen;alder;tid\n", encoding="utf-8")
    with pytest.raises(ReferencefilFejl, match="FOLK1A.csv, linje 1: overskriften skal være"):
        ref.read_folk1a(tmp_path / "FOLK1A.csv")
