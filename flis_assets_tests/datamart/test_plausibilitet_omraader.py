"""Each area writes its own plausibility measures and their allowed tables in its folder."""

from pathlib import Path

import pytest

from flis_assets import kodelister, omraader
from flis_assets.defs.datamart import plausibilitet

HOVED = "maal;omraade;navn;tabel;kommunekolonne;aggregat;kolonne;udeluk;faktor;minimum_afvigelse\n"


@pytest.fixture
def dagtilbud(tmp_path, monkeypatch):
    mappe = tmp_path / "dagtilbud"
    mappe.mkdir()
    (mappe / "__init__.py").write_text("")
    (mappe / "plausibilitet.csv").write_text(
        HOVED + "dagtilbud_boern;Dagtilbud;børn i dagtilbud;datamart.dagtilbud_boern;kommunekode;sum;antal;;2;10\n"
        "dagtilbud_pladser;Dagtilbud;pladser;datamart.dagtilbud_boern;kommunekode;sum;pladser;;2;10\n")
    (mappe / "plausibilitet_tabeller.csv").write_text("tabel;kolonne\ndatamart.dagtilbud_boern;kommunekode\n"
                                                      "datamart.dagtilbud_boern;antal\n")
    monkeypatch.setattr(omraader, "__path__", [str(tmp_path)])
    kodelister.load.cache_clear()
    yield mappe
    kodelister.load.cache_clear()


def test_an_areas_measures_become_checks_on_its_own_table(dagtilbud, monkeypatch):
    monkeypatch.setattr(plausibilitet, "TILLADTE", plausibilitet.tilladte())
    assert plausibilitet.TILLADTE == {"datamart.dagtilbud_boern": {"kommunekode", "antal"}}
    # The second row names a column the area does not allow: refused, naming the area's file and line.
    with pytest.raises(ValueError, match=r"^omraader/dagtilbud/plausibilitet.csv linje 3: kolonne 'pladser' er "
                                         r"ikke tilladt \(tilladt: antal, kommunekode\)"):
        plausibilitet.build_checks()
    (dagtilbud / "plausibilitet.csv").write_text(HOVED + "dagtilbud_boern;Dagtilbud;børn i dagtilbud;"
                                                 "datamart.dagtilbud_boern;kommunekode;sum;antal;;2;10\n")
    kodelister.load.cache_clear()
    [check] = plausibilitet.build_checks()
    [spec] = check.check_specs
    assert (spec.asset_key.path, spec.name) == (["datamart", "dagtilbud_boern"], "plausibel_dagtilbud_boern")
    assert "børn i dagtilbud (Dagtilbud)" in spec.description


@pytest.mark.parametrize("raekke", ["dsa.dagtilbud;antal", "datamart.dagtilbud_boern;antal) FROM dsa.cpr --"])
def test_an_allow_list_names_only_plain_tables_of_the_period_layers(dagtilbud, raekke):
    (dagtilbud / "plausibilitet_tabeller.csv").write_text(f"tabel;kolonne\ndatamart.dagtilbud_boern;antal\n{raekke}\n")
    with pytest.raises(ValueError, match=r"plausibilitet_tabeller.csv, linje 3: .* skal være en tabel i harmoniseret"):
        plausibilitet.tilladte()


def test_the_platform_module_names_no_area_table():
    kilde = Path(plausibilitet.__file__).read_text(encoding="utf-8")
    tabeller = {t.split(".")[1] for t in plausibilitet.TILLADTE}
    assert tabeller and [t for t in tabeller if t in kilde] == []
    assert not (Path(kodelister.__file__).parent / "plausibilitet.csv").exists()
