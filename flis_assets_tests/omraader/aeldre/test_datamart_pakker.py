"""Ældre's package SQL on hand-made lines: the kommune's own lines, and the benchmark with discretion."""

from datetime import date

import pytest

from flis_assets.defs.noegletal import kube
from flis_assets.omraader.aeldre import benchmark_diskretion, datamart, datapakker
from flis_assets.resources import load_kodelister
from flis_assets_tests.omraader.aeldre.aeldre_data import MAR, PLEJEBOLIG, PRAKTISK, indsaet, ny_con, sql


@pytest.fixture
def con():
    """aeldre_data's, with what the package and its check read beside the datamart: the code lists, the
    cube, the hjemmehjælp rows it withholds (none here: the package's own rule alone) and Økonomi's accounts."""
    c = ny_con()
    load_kodelister(c)
    for ddl in (benchmark_diskretion.DDL, kube.DDL,
                "CREATE TABLE datamart.oekonomi_regnskab (periode DATE, visning VARCHAR, kommunekode INTEGER)"):
        c.execute(ddl)
    yield c
    c.close()

FEB = date(2024, 2, 1)
PARAMS = {"fra": MAR, "til": MAR}


def test_individ_is_the_kommunes_own_lines_with_annotations_without_load_month(con):
    a = indsaet(con, [FEB, MAR], cpr="A", opmaerkninger="HJEMMEHJAELP_I_PLEJEBOLIG (Markeres)")
    b = indsaet(con, [MAR], cpr="B", slettes_af_dst=True, opmaerkninger="TIMER_UGYLDIGE (Slettes)")
    indsaet(con, [MAR], cpr="C", kommunekode=147)
    got = sql(con, datapakker.AELDRE_INDIVID_SQL, PARAMS)
    assert got.columns[:2] == ["periode", "modtager"] and "indlaesningsmaaned" not in got.columns
    assert {"cpr", "opmaerkninger", "slettes_af_dst", "alternativ_slutdato", "ventedage", "over_garanti"} <= set(got.columns)
    assert sorted(got.select("modtager", "kommunekode", "indsats_id", "opmaerkninger").rows()) == sorted([
        (101, 101, a, "HJEMMEHJAELP_I_PLEJEBOLIG (Markeres)"), (101, 101, b, "TIMER_UGYLDIGE (Slettes)"),
        (147, 147, got.filter(got["cpr"] == "C")["indsats_id"][0], None)])
    assert set(got["periode"]) == {MAR}


def test_datamart_package_withholds_counts_under_five_for_every_kommune_and_type(con):
    for i in range(6):  # 101: six with personlig pleje (2 h), two of them with praktisk hjælp too
        indsaet(con, cpr=f"A{i}")
    for i in range(2):
        indsaet(con, cpr=f"A{i}", timer_pr_uge=1.0, **PRAKTISK)
    indsaet(con, cpr="W", visitationsdato=date(2024, 3, 1), startdato=None, **PLEJEBOLIG)  # one waiting
    for i in range(5):  # 147: five in a care home, nobody with home help
        indsaet(con, cpr=f"B{i}", kommunekode=147, **PLEJEBOLIG)
    datamart.build(con, [MAR], [MAR])
    got = sql(con, datapakker.AELDRE_DATAMART_SQL, PARAMS)
    assert "cpr" not in got.columns
    raekker = {(r.pop("kommunekode"), r.pop("indsatstype")): r
               for r in got.drop("periode").iter_rows(named=True)}
    skjult = dict(diskretioneret=True, diskretion_aarsag="primaer")
    assert raekker == {
        (101, "PERSONLIG_PLEJE"): dict(modtagere=6, hjemmehjaelp_modtagere=6, ventende=None, modtagere_i_perioden=6,
                                       visiterede_timer=12.0, diskretioneret=False, diskretion_aarsag=None),
        (101, "PRAKTISK_HJAELP"): dict(modtagere=None, hjemmehjaelp_modtagere=None, ventende=None,
                                       modtagere_i_perioden=None, visiterede_timer=None, **skjult),
        (101, "PLEJEBOLIG"): dict(modtagere=None, hjemmehjaelp_modtagere=None, ventende=None,
                                  modtagere_i_perioden=None, visiterede_timer=None, **skjult),
        (147, "PERSONLIG_PLEJE"): dict(modtagere=None, hjemmehjaelp_modtagere=None, ventende=None,
                                       modtagere_i_perioden=None, visiterede_timer=None, **skjult),
        (147, "PRAKTISK_HJAELP"): dict(modtagere=None, hjemmehjaelp_modtagere=None, ventende=None,
                                       modtagere_i_perioden=None, visiterede_timer=None, **skjult),
        (147, "PLEJEBOLIG"): dict(modtagere=5, hjemmehjaelp_modtagere=None, ventende=None, modtagere_i_perioden=5,
                                  visiterede_timer=None, **skjult),
    }


def test_the_discretion_check_sees_a_count_under_five_or_hours_of_withheld_recipients(con):
    for i in range(6):
        indsaet(con, cpr=f"A{i}")
    indsaet(con, cpr="B", **PRAKTISK)
    datamart.build(con, [MAR], [MAR])
    con.execute(f"CREATE TABLE datapakker.aeldre_datamart AS {datapakker.AELDRE_DATAMART_SQL}", PARAMS)
    check = datapakker.DATAMART_DISKRETION_SQL
    assert sql(con, check, {"maaned": MAR}).height == 0
    con.execute("UPDATE datapakker.aeldre_datamart SET visiterede_timer = 2 WHERE indsatstype = 'PRAKTISK_HJAELP'")
    con.execute("UPDATE datapakker.aeldre_datamart SET modtagere = 1 WHERE indsatstype = 'PRAKTISK_HJAELP'")
    assert sorted(sql(con, check, {"maaned": MAR}).rows()) == [
        ("aeldre_datamart", "101", "PRAKTISK_HJAELP", "VIST_ANTAL_I_SKJULT_HJEMMEHJAELPSRAEKKE"),
        ("aeldre_datamart", "101", "PRAKTISK_HJAELP:modtagere", "FAERRE_END_5_INDIVIDER"),
        ("aeldre_datamart", "101", "PRAKTISK_HJAELP:visiterede_timer", "VISTE_TIMER_FOR_SKJULTE_MODTAGERE")]


def test_the_packages_for_the_platforms_catalogue():
    katalog = pytest.importorskip("flis_assets.defs.datapakker.katalog")  # the catalogue learning packages from areas
    pakker = {p.navn: p for p in datapakker.pakker()}
    assert set(pakker) == {"aeldre_individ", "aeldre_datamart"} and all(isinstance(p, katalog.Pakke) for p in pakker.values())
    assert pakker["aeldre_individ"].tabeller[0].per_modtager and not pakker["aeldre_datamart"].tabeller[0].per_modtager
