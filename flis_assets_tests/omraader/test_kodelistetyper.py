"""An area types its own code lists' columns in `kodelister/typer.csv`; the platform names no area's list."""

import pytest

from flis_assets import kodelister, omraader
from flis_assets.omraader import Omraade

LISTE = "kode;antal;andel;aktiv;navn\n01;3;0.5;true;Vuggestue\n02;12;1.25;false;Børnehave\n"


@pytest.fixture
def omraade(tmp_path, monkeypatch):
    mappe = tmp_path / "dagtilbud" / "kodelister"
    mappe.mkdir(parents=True)
    (tmp_path / "dagtilbud" / "__init__.py").write_text("")
    (mappe / "dagtilbud_typer_af_tilbud.csv").write_text(LISTE)
    monkeypatch.setattr(omraader, "__path__", [str(tmp_path)])
    monkeypatch.setattr(omraader, "omraader", lambda: (Omraade(navn="dagtilbud", titel="Dagtilbud", praefiks="dagtilbud"),))
    for f in (kodelister._stier, kodelister._typer, kodelister.load):
        f.cache_clear()
    yield mappe
    for f in (kodelister._stier, kodelister._typer, kodelister.load):
        f.cache_clear()


def test_declared_columns_are_typed_and_the_rest_stay_text(omraade):
    (omraade / "typer.csv").write_text("liste;kolonne;type\ndagtilbud_typer_af_tilbud;antal;heltal\n"
                                       "dagtilbud_typer_af_tilbud;andel;decimaltal\n"
                                       "dagtilbud_typer_af_tilbud;aktiv;ja_nej\n")
    assert "typer" not in kodelister.names()
    f = kodelister.load("dagtilbud_typer_af_tilbud")
    assert dict(f.schema) == {"kode": kodelister.pl.String, "antal": kodelister.pl.Int32,
                              "andel": kodelister.pl.Float64, "aktiv": kodelister.pl.Boolean,
                              "navn": kodelister.pl.String}
    assert f.rows() == [("01", 3, 0.5, True, "Vuggestue"), ("02", 12, 1.25, False, "Børnehave")]


@pytest.mark.parametrize("raekke, fejl", [
    ("dagtilbud_typer_af_tilbud;antal;tal", "typer.csv, linje 2: typen tal kendes ikke; brug heltal, decimaltal, ja_nej"),
    ("vh_ydelser;opholdsydelse;ja_nej", "typer.csv, linje 2: kodelisten vh_ydelser findes ikke i"),
    ("dagtilbud_typer_af_tilbud;kode;ja_nej", "dagtilbud_typer_af_tilbud.csv, linje 2: kode er '01', men skal være ja_nej"),
    ("dagtilbud_typer_af_tilbud;navn;heltal", "dagtilbud_typer_af_tilbud.csv, linje 2: navn er 'Vuggestue', men skal "
                                              "være heltal"),
    ("dagtilbud_typer_af_tilbud;pladser;heltal", "typer.csv, linje 2: kodelisten dagtilbud_typer_af_tilbud har ingen "
                                                 "kolonne pladser"),
])
def test_a_wrong_declaration_names_its_file_and_line(omraade, raekke, fejl):
    (omraade / "typer.csv").write_text(f"liste;kolonne;type\n{raekke}\n")
    with pytest.raises(ValueError, match=fejl):
        kodelister.load("dagtilbud_typer_af_tilbud")


def test_the_platform_types_none_of_an_areas_lists():
    assert [n for n in kodelister._SCHEMAS if n not in ("kommuner", "noegletal", "koblede_noegletal")] == []
    # Voksenhandicap's lists are typed from its own folder, as before.
    assert kodelister.load("vh_kontoplan_bro").schema["gruppering"] == kodelister.pl.Int32
    assert kodelister.load("vh_ydelser").schema["opholdsydelse"] == kodelister.pl.Boolean
