"""The harmonisation rules are one code list across areas (harmoniseringsregler.csv): every rule
of the table is implemented by some area, and a rule two areas share is one row."""

from flis_assets import kodelister
from flis_assets.omraader.aeldre import harmoniseret as aeldre
from flis_assets.omraader.voksenhandicap import harmoniseret as vh


def test_every_rule_of_the_table_is_some_areas():
    tabel = kodelister.load("harmoniseringsregler")
    assert tabel["regel"].is_unique().all()
    assert set(tabel["regel"]) == set(vh.REGLER) | set(aeldre.REGLER)


def test_the_shared_rules_are_one_row_with_one_action():
    tabel = dict(kodelister.load("harmoniseringsregler").select("regel", "dst_handling").iter_rows())
    assert set(vh.REGLER) & set(aeldre.REGLER) == {"SLUTDATO_FOER_STARTDATO", "DOEDSDATO_SOM_SLUTDATO"}
    assert (tabel["SLUTDATO_FOER_STARTDATO"], tabel["DOEDSDATO_SOM_SLUTDATO"]) == ("Slettes", "Ændres")


def test_an_areas_own_code_lists_are_code_lists():
    assert "aeldre_indsatser" in kodelister.names()
    indsatser = kodelister.load("aeldre_indsatser")
    assert indsatser.filter(indsatser["plejebolig"])["indsatstype"].sort().to_list() == ["PLEJEBOLIG", "PLEJEHJEM"]
