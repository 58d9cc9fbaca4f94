"""An area's code lists (`omraader/<navn>/kodelister/<praefiks>_*.csv`) load into schema kodelister
beside the platform's; a list without the area's prefix stops with the file and the rule."""

import duckdb
import pytest

from flis_assets import kodelister, omraader
from flis_assets.resources import load_kodelister


def test_the_kontoplan_loads_into_duckdb_with_the_platforms_lists():
    with duckdb.connect() as con:
        load_kodelister(con)
        navne = dict(con.execute("SELECT kode, navn FROM kodelister.oekonomi_kontoplan").fetchall())
        assert con.execute("SELECT count(*) FROM kodelister.kontoplan_bro").fetchone()[0] > 0
    assert navne["5.30.26"] == "Personlig og praktisk hjælp og madservice (hjemmehjælp) til hjemmeboende"
    assert navne["5.38"] == "Tilbud til voksne med særlige behov"


def test_the_kontoplan_names_the_key_figures_hovedfunktioner_and_every_funktion_of_the_vh_bridge():
    kontoplan = kodelister.load("oekonomi_kontoplan")
    koder = {(n, k) for k, n in kontoplan.select("kode", "niveau").iter_rows()}
    assert kontoplan["kode"].is_unique().all() and kontoplan["navn"].str.len_chars().min() > 0
    bro = kodelister.load("kontoplan_bro")
    for hk, hf, fu in bro.select("hovedkonto", "hovedfunktion", "funktion").unique().iter_rows():
        assert ("funktion", f"{hk}.{hf:02d}.{fu:02d}") in koder
        assert ("hovedfunktion", f"{hk}.{hf:02d}") in koder and ("hovedkonto", str(hk)) in koder
    for hf in ("3.22", "5.25", "5.28", "5.30", "5.38", "6.45"):
        assert ("hovedfunktion", hf) in koder


@pytest.fixture
def omraade_mappe(tmp_path, monkeypatch):
    """One area, `oekonomi`, whose folder is a temporary one."""
    (tmp_path / "oekonomi" / "kodelister").mkdir(parents=True)
    monkeypatch.setattr(omraader, "MAPPE", tmp_path)
    monkeypatch.setattr(omraader, "omraader", lambda: (omraader.Omraade("oekonomi", "Økonomi", "oekonomi"),))
    kodelister._stier.cache_clear()
    kodelister.load.cache_clear()
    yield tmp_path / "oekonomi" / "kodelister"
    kodelister._stier.cache_clear()
    kodelister.load.cache_clear()


def test_an_area_list_without_the_areas_prefix_is_refused(omraade_mappe):
    (omraade_mappe / "kontoplan.csv").write_text("kode;navn\n1;x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kontoplan.csv skal hedde oekonomi_<navn>.csv: dataområdet Økonomis "
                                         "kodelister begynder med områdets præfiks 'oekonomi_'"):
        kodelister.names()


def test_an_area_list_found_in_a_new_area_folder_loads(omraade_mappe):
    (omraade_mappe / "oekonomi_arter.csv").write_text("art;navn\n11;Lønninger\n", encoding="utf-8")
    assert "oekonomi_arter" in kodelister.names() and "kommuner" in kodelister.names()
    assert kodelister.load("oekonomi_arter").rows() == [("11", "Lønninger")]
