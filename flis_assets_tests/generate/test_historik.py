"""A short history (`flis_assets.generate.historik.afkort`): hand-made deliveries cut to begin on a date."""

from datetime import date
from pathlib import Path

from flis_assets.generate import historik
from flis_assets_tests.conftest import cpr_line, vh_line
from flis_assets_tests.omraader.aeldre.linjer import aeldre_line, care

FRA = date(2023, 1, 1)


def skriv(root: Path, kilde: str, navn: str, linjer: list[str]) -> Path:
    sti = root / "incoming" / kilde / "2024-03" / navn
    sti.parent.mkdir(parents=True, exist_ok=True)
    sti.write_text("".join(linje + "\n" for linje in linjer), encoding="utf-8")
    return sti


def felter(sti: Path) -> list[list[str]]:
    return [linje.split(";") for linje in sti.read_text(encoding="utf-8").splitlines()]


def test_lines_begun_before_the_date_begin_on_it_and_an_end_before_it_is_a_one_day_line(tmp_path):
    vh = skriv(tmp_path, "vh", "VH_101_NEXUS_FULD_20240305.csv", [
        vh_line("gammel", start="20150301"),
        vh_line("afsluttet", start="20150301", slut="20170630"),
        vh_line("ny", start="20240101", slut="20240229"),
        vh_line("uden-start", start=""),
        vh_line("slut-foer-start", start="20160301", slut="20150101"),  # a content error: kept
    ])
    aeldre = skriv(tmp_path, "aeldre", "AELDRE_101_NEXUS_FULD_20240305.csv", [
        aeldre_line("hjemmehjaelp", "0101401234", visit="20141201", start="20150105"),
        care("venter", "0101301234", visit="20141201"),  # waiting since 2014: no startdato
        aeldre_line("foer-visitation", "0101401234", visit="20240110", start="20240105"),
        # begun before its visitation, ended before it too (after its start): moved whole
        aeldre_line("gammel-foer-visitation", "0101401234", visit="20130219", start="20130202", slut="20130214"),
    ])
    cpr = skriv(tmp_path, "cpr", "CPR_000_CPR_FULD_20240305.csv", [cpr_line(foedt="19400101")])
    foer = cpr.read_bytes()

    assert historik.afkort(tmp_path, FRA) == 2  # the interval sources' files; CPR is no interval source

    assert [(f[0], f[5], f[6]) for f in felter(vh)] == [
        ("gammel", "20230101", ""), ("afsluttet", "20230101", "20230101"), ("ny", "20240101", "20240229"),
        ("uden-start", "", ""), ("slut-foer-start", "20160301", "20150101")]
    assert [(f[0], f[4], f[5], f[6]) for f in felter(aeldre)] == [
        ("hjemmehjaelp", "20230101", "20230101", ""), ("venter", "20230101", "", ""),
        ("foer-visitation", "20240110", "20240105", ""), ("gammel-foer-visitation", "20230101", "20230101", "20230101")]
    assert cpr.read_bytes() == foer


def test_cutting_twice_changes_nothing_more(tmp_path):
    vh = skriv(tmp_path, "vh", "VH_101_NEXUS_FULD_20240305.csv", [vh_line("gammel", start="20150301", slut="20160101")])
    historik.afkort(tmp_path, FRA)
    en_gang = vh.read_bytes()
    historik.afkort(tmp_path, FRA)
    assert vh.read_bytes() == en_gang
