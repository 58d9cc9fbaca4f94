"""The package catalogue: an area's package is written and guarded by the platform without a change
outside the area (here a test area declared in the test); names are unique across areas."""

import json

import duckdb
import polars as pl
import pytest

from flis_assets import omraader
from flis_assets.defs.datapakker import checks, katalog, pakker
from flis_assets.defs.datapakker.katalog import Katalogfejl, Pakke, Tabel, til_hver
from flis_assets.omraader import Omraade
from flis_assets_tests.datapakker.test_datapakker import PEOPLE, deliver, pk  # noqa: F401 - pk: the module's fixture
from flis_assets_tests.datapakker.test_pakker_robusthed import MARTS, kopi, write  # noqa: F401 - kopi: fixture

# The VH lines again, as a test area's own individual package: to the interpreted handlekommune
# (the line's owner), or, wrongly, to the handlekommune as delivered.
TIL = """SELECT periode, {modtager} AS modtager, fagsystem, ydelse_id, handlekommune, cpr
         FROM harmoniseret.vh_ydelser WHERE periode BETWEEN $fra AND $til"""


def egen_pakke(navn: str = "test_individ", modtager: str = "handlekommune") -> Pakke:
    return Pakke(navn, (Tabel(navn, TIL.format(modtager=modtager), "fagsystem, ydelse_id", ejere=("handlekommune",),
                              noegle="ydelse_id", regel="ANDEN_KOMMUNES_TESTLINJE",
                              individer=("harmoniseret.vh_ydelser",)),),
                 laeser=("harmoniseret/vh_ydelser",))


def med_omraader(monkeypatch, *nye: Omraade) -> None:
    """The real areas and `nye`, as if each had a folder of its own."""
    orig = omraader.omraader
    monkeypatch.setattr(omraader, "omraader", lambda: (*orig(), *nye))


def nyt_omraade(*pakker_: Pakke, navn: str = "testomraade", praefiks: str = "test") -> Omraade:
    return Omraade(navn=navn, titel="Testområde", praefiks=praefiks, pakker=lambda: list(pakker_))


def test_an_areas_package_is_written_for_its_own_kommuner(kopi, monkeypatch):  # noqa: F811
    """Declared by the area alone: every default subscriber gets it, each its own lines, in the manifest."""
    root, con = kopi
    med_omraader(monkeypatch, nyt_omraade(egen_pakke()))
    pakker.build_indhold(con, [MARTS])
    assert checks.afviste_perioder(con, [MARTS]) == {}
    write(con)
    for kommune, linjer in ((147, ["f0", "f1"]), (187, ["i-v"])):
        egne = pl.read_parquet(root / "datapakker" / f"{kommune:03d}" / "2024-03" / "test_individ.parquet")
        assert sorted(egne["ydelse_id"]) == linjer and "modtager" not in egne.columns
        manifest = json.loads((root / "datapakker" / f"{kommune:03d}" / "2024-03" / "manifest.json").read_text())
        assert {e["fil"]: e["pakke"] for e in manifest["filer"]}["test_individ.csv"] == "test_individ"


def test_an_areas_package_with_another_kommunes_person_fails_the_own_individuals_check(kopi, monkeypatch):  # noqa: F811
    """The guard is generated from the catalogue: the test area's table needs no line in checks.py."""
    root, con = kopi
    med_omraader(monkeypatch, nyt_omraade(egen_pakke(modtager="handlekommune_leveret")))
    pakker.build_indhold(con, [MARTS])
    [kontrol] = [k for k in checks.KONTROLLER if k.navn == "kun_egne_individer"]
    [fejl] = checks.maanedsfejl(con, kontrol, [MARTS])
    # Ishøj delivered Vallensbæk's line: sent to Ishøj, it is another kommune's person
    assert fejl.select("kommunekode", "tabel", "noegle", "ejere", "regel").rows() == [
        (183, "test_individ", "i-v", "187", "ANDEN_KOMMUNES_TESTLINJE")]
    assert PEOPLE[0] not in str(fejl.rows())  # the line's key, never the CPR number
    assert checks.afviste_perioder(con, [MARTS]) == {MARTS: ["kun_egne_individer"]}


def test_an_areas_failing_package_holds_back_the_period(flis, monkeypatch):
    """Through the run: the check fails for the month and no package folder is written."""
    deliver(flis)
    med_omraader(monkeypatch, nyt_omraade(egen_pakke(modtager="handlekommune_leveret")))
    flis.materialize("2024-03", perioder=False)
    outcome = flis.materialize_periods("2024-03", "2024-03")
    assert outcome.fejlede_blokerende == ["datapakker/indhold:kun_egne_individer (2024-03)"]
    assert not (flis.root / "datapakker").exists()


def test_a_row_of_two_kommuner_goes_to_each_of_them_only():
    """`til_hver` (a move from one kommune to another): each of the two gets the row; a third fails."""
    flytninger = Tabel("test_flytninger", til_hver(
        "SELECT * FROM flytninger WHERE periode BETWEEN $fra AND $til", "fra_kommune", "til_kommune"),
        "fra_kommune, til_kommune", ejere=("fra_kommune", "til_kommune"), noegle="fra_kommune || '>' || til_kommune")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA datapakker")
    con.execute("CREATE TABLE flytninger AS SELECT DATE '2024-03-01' AS periode, * FROM "
                "(VALUES (101, 147, 12), (147, 101, 7), (151, 151, 1)) v(fra_kommune, til_kommune, antal)")
    con.execute(f"CREATE TABLE datapakker.test_flytninger AS {flytninger.sql}", {"fra": MARTS, "til": MARTS})
    assert con.sql("SELECT modtager, fra_kommune, til_kommune FROM datapakker.test_flytninger ORDER BY ALL").fetchall() \
        == [(101, 101, 147), (101, 147, 101), (147, 101, 147), (147, 147, 101), (151, 151, 151)]

    with pytest.MonkeyPatch.context() as mp:  # the check reads the catalogue when it runs
        mp.setattr(katalog, "pakker", lambda: (Pakke("test_datamart", (flytninger,)),))
        kontrol = next(k for k in checks.kontroller() if k.navn == "kun_egne_individer")
        assert checks.maanedsfejl(con, kontrol, [MARTS]) == []
        con.execute("UPDATE datapakker.test_flytninger SET modtager = 153 WHERE fra_kommune = 101")
        [fejl] = checks.maanedsfejl(con, kontrol, [MARTS])
    assert fejl.select("kommunekode", "noegle", "ejere", "regel").rows() == [
        (153, "101>147", "101 og 147", "ANDEN_KOMMUNES_RAEKKE")] * 2


def test_a_package_name_declared_by_two_areas_fails_clearly(monkeypatch):
    med_omraader(monkeypatch, nyt_omraade(egen_pakke()), nyt_omraade(egen_pakke(), navn="andetomraade"))
    with pytest.raises(Katalogfejl, match="^Datapakken test_individ erklæres af både testomraade og andetomraade: "
                                          "en datapakkes navn skal være entydigt på tværs af dataområderne$"):
        katalog.pakker()


def test_a_platform_package_name_taken_by_an_area_fails_clearly(monkeypatch):
    noegletal = Pakke("noegletal", (Tabel("noegletal_ny", "SELECT 1", "1"),))
    med_omraader(monkeypatch, nyt_omraade(noegletal, praefiks="noegletal"))
    with pytest.raises(Katalogfejl, match="^Datapakken noegletal erklæres af både platformen og testomraade"):
        katalog.pakker()


def test_a_table_name_in_two_packages_fails_clearly(monkeypatch):
    anden = Pakke("test_anden", egen_pakke().tabeller)
    med_omraader(monkeypatch, nyt_omraade(egen_pakke(), anden))
    with pytest.raises(Katalogfejl, match="^Tabellen test_individ i datapakken test_anden .erklæret af testomraade. "
                                          "findes også i datapakken test_individ"):
        katalog.pakker()


@pytest.mark.parametrize("pakke, fejl", [
    (Pakke("vh_individ", egen_pakke().tabeller), "skal begynde med områdets præfiks test_"),
    (Pakke("test_Individ", egen_pakke().tabeller), "må kun have små bogstaver a-z, cifre og _"),
    (Pakke("test_x", (Tabel("test_x", "SELECT 1", "1", individer=("harmoniseret.vh_ydelser",)),)),
     "viser individer, men ikke hvis"),
])
def test_a_package_that_does_not_fit_fails_clearly(monkeypatch, pakke, fejl):
    med_omraader(monkeypatch, nyt_omraade(pakke))
    with pytest.raises(Katalogfejl, match=fejl):
        katalog.pakker()


def test_a_subscription_to_a_package_that_does_not_exist_names_it(kopi):  # noqa: F811
    root, con = kopi
    con.execute("INSERT INTO datapakker.abonnenter VALUES (?, 101, 'vh_ukendt')", [MARTS])
    with pytest.raises(Katalogfejl, match="abonnementer.csv nævner datapakken vh_ukendt, som ikke findes"):
        write(con)


def test_a_table_without_the_columns_it_declares_fails_clearly(kopi, monkeypatch):  # noqa: F811
    """A per-recipient table that gives no `modtager` is named, with what it lacks."""
    root, con = kopi
    uden = Pakke("test_uden", (Tabel("test_uden", "SELECT periode, ydelse_id FROM harmoniseret.vh_ydelser "
                                     "WHERE periode BETWEEN $fra AND $til", "ydelse_id", ejere=("handlekommune",)),))
    med_omraader(monkeypatch, nyt_omraade(uden))
    with pytest.raises(Katalogfejl, match="^Tabellen test_uden i datapakken test_uden .erklæret af testomraade. "
                                          "mangler kolonnerne modtager, handlekommune; den har periode, ydelse_id$"):
        pakker.build_indhold(con, [MARTS])
