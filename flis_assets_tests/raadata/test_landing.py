"""Landing: file naming, quarantine with file/line/reason, the same file twice, untouched rows."""

import re

import pytest

from flis_assets import snitflader
from flis_assets.defs.raadata.landing import Karantaene, parse_filnavn, parse_linjer
from flis_assets_tests.conftest import vh_line

VH = snitflader.kilde("vh")


def test_filename_is_parsed():
    f = parse_filnavn("VH_183_NEXUS_FULD_20240305.csv", VH)
    assert (f.kommunekode, f.fagsystem, f.leverancetype, str(f.leverancedato)) == (183, "NEXUS", "FULD", "2024-03-05")


@pytest.mark.parametrize(
    "name, kilde, reason",
    [
        ("VH_183_NEXUS_20240305.csv", "vh", "filnavnet følger ikke snitfladen"),
        ("VH_999_NEXUS_FULD_20240305.csv", "vh", "kommunekode 999 er ikke en af de 98 kommuner"),
        ("SKOLE_101_NEXUS_FULD_20240305.csv", "skole", "fagsystem NEXUS er ikke tilladt for skole"),
        ("VH_101_NEXUS_AENDRING_20240305.csv", "vh", "AENDRING-leverancer"),
        ("VH_101_NEXUS_FULD_20240231.csv", "vh", "leverancedatoen 20240231 i filnavnet er ikke en gyldig dato"),
        ("CPR_101_CPR_FULD_20240305.csv", "cpr", "landsdækkende og skal have kommunekode 000"),
        ("OEKONOMI_101_OPUS_FULD_20240305.csv", "vh", "filnavnet begynder med OEKONOMI"),
        ("vh_101_NEXUS_FULD_20240305.csv", "vh", "filnavnet følger ikke snitfladen"),
    ],
)
def test_bad_filename_is_quarantined_with_reason(name, kilde, reason):
    with pytest.raises(Karantaene, match=re.escape(reason)):
        parse_filnavn(name, snitflader.kilde(kilde))


def test_lines_keep_every_field_as_text_with_line_numbers():
    data = (vh_line(ydelse_id="a", betaling="") + "\r\n" + vh_line(ydelse_id="b", ophold="0042")).encode()
    frame = parse_linjer(data, VH)  # CRLF, and the last line without its line end
    assert frame["linjenr"].to_list() == [1, 2]
    assert frame["felt_1"].to_list() == ["a", "b"]
    assert frame["felt_4"].to_list() == ["", "101"]
    assert frame["felt_10"].to_list() == ["", "0042"]  # leading zeros untouched
    assert frame["felt_11"].to_list() == ["S2S", "S2S"]


@pytest.mark.parametrize(
    "lines, linje, reason",
    [
        ([vh_line(), vh_line() + ";ekstra"], 2, "linjen har 12 felter, men snitfladen for vh har 11"),
        ([vh_line(), vh_line(), "1;2;3"], 3, "linjen har 3 felter"),
        ([vh_line(), ""], 2, "linjen er tom"),
        ([vh_line(start="2020-01-01")], 1, "felt 6 (startdato) er '2020-01-01'"),
        ([vh_line(slut="20230229")], 1, "felt 7 (slutdato) er '20230229'"),
        ([vh_line(cpr="12345")], 1, "felt 2 (cpr) er 5 tegn, men skal være ti cifre"),  # never the value
        ([vh_line(cpr="01018012x4")], 1, "felt 2 (cpr) er 10 tegn med andet end cifre"),
        ([vh_line(handle="")], 1, "felt 3 (handlekommune)"),
        ([vh_line(fv="F")], 1, "felt 9 (funktionsvurdering)"),
        ([vh_line(form="FAX")], 1, "felt 11 (indberetningsform)"),
        ([vh_line(ydelse_id="")], 1, "felt 1 (ydelse_id)"),
    ],
)
def test_malformed_line_names_line_and_reason(lines, linje, reason):
    with pytest.raises(Karantaene, match=re.escape(reason)) as e:
        parse_linjer(("\n".join(lines) + "\n").encode(), VH)
    assert e.value.linje == linje


def test_content_errors_are_not_format_errors():
    """Invalid codes, missing dates and end before start are landed (harmonisation marks them)."""
    frame = parse_linjer(vh_line(kode="9.9.9", start="", slut="20190101", maalgrupper="7.7").encode(), VH)
    assert frame.height == 1


def test_undecodable_file_names_the_line():
    data = (vh_line() + "\n" + vh_line(ophold="12") + "\n").encode().replace(b";12;", b";\xff2;")
    with pytest.raises(Karantaene, match="kan ikke læses som utf-8: byte 0xFF") as e:
        parse_linjer(data, VH)
    assert e.value.linje == 2


def test_oekonomi_is_windows_1252_with_decimal_comma():
    oek = snitflader.kilde("oekonomi")
    frame = parse_linjer("202403;1;5;38;50;001;4;40;-1234,50\n".encode("cp1252"), oek)
    assert frame["felt_9"].to_list() == ["-1234,50"]
    with pytest.raises(Karantaene, match="felt 9 \\(beloeb\\) er '1.234,50'"):
        parse_linjer(b"202403;1;5;38;50;001;4;40;1.234,50\n", oek)
    with pytest.raises(Karantaene, match="kan ikke læses som cp1252"):
        parse_linjer(b"202403;1;5;38;50;001;4;40;1,50\x81\n", oek)


def test_empty_file_is_quarantined():
    with pytest.raises(Karantaene, match="filen er tom"):
        parse_linjer(b"", VH)
