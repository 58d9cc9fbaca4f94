"""Through the real graph: Windows-1252 deliveries of accounts (sources.md) to the datamart, REGK31 and
its warning check. One load month, run once for the module.

Every field of an `oekonomi` line is a code or an amount: none allows text, so a non-ASCII character
can only be an error. The file is still read as Windows-1252: the quarantine reason shows the
character as the kommune typed it (`ø`), not as mis-decoded bytes.
"""

from decimal import Decimal

import pytest

from flis_assets_tests.conftest import module_flis


def linje(periode, beloeb, funktion="26", hovedart="1", gruppering="000"):
    return f"{periode};1;5;30;{funktion};{gruppering};{hovedart};{hovedart}1;{beloeb}"


@pytest.fixture(scope="module")
def flis(tmp_path_factory):
    with module_flis(tmp_path_factory, "oekonomi_graf") as f:
        aar = [linje(f"2023{m:02d}", "100000,00") for m in range(1, 13)]
        aar += [linje(f"2023{m:02d}", "-1234,50", hovedart="7") for m in range(1, 13)]  # incomes, decimal comma
        path = f.deliver("oekonomi", "2024-01", 101, "OPUS", "20240110", aar)
        assert path.read_bytes().decode("cp1252").count("-1234,50") == 12
        f.deliver("oekonomi", "2024-01", 147, "KOER", "20240110", [linje("202312", "5,00", gruppering="0ø1")])
        # 101's 5.30: 1.200.000 - 14.814 = 1.185.186 kr.; REGK31 says 1.190 (a difference of 4.814 kr.)
        f.reference("REGK31.csv", "omraade;funktion;tid;indhold\n101;5.30;2023;1190\n")
        outcome = f.materialize("2024-01")  # warns of the quarantined file
        assert not outcome.fejlede_trin and not outcome.fejlede_blokerende, outcome
        yield f


def test_a_non_ascii_character_in_a_field_quarantines_the_file_naming_field_line_and_character(flis):
    aarsag = flis.sql("SELECT aarsag FROM raadata.leverancer WHERE kommunekode = 147")["aarsag"].to_list()
    assert len(aarsag) == 1
    assert "linje 1" in aarsag[0] and "felt 6 (gruppering) er '0ø1', men skal være tre cifre" in aarsag[0]


def test_a_negative_amount_with_decimal_comma_reaches_the_datamart(flis):
    rows = flis.sql("""SELECT visning, hovedart, beloeb FROM datamart.oekonomi_regnskab
                       WHERE kommunekode = 101 AND periode = '2023-12-01' ORDER BY ALL""").rows()
    assert rows == [("aar_til_dato", "1", Decimal("1200000.00")), ("aar_til_dato", "7", Decimal("-14814.00")),
                    ("kvartal_til_dato", "1", Decimal("300000.00")), ("kvartal_til_dato", "7", Decimal("-3703.50")),
                    ("maaned", "1", Decimal("100000.00")), ("maaned", "7", Decimal("-1234.50"))]


def test_the_difference_from_regk31_is_warned_about(flis):
    assert flis.sql("SELECT aar, kommunekode, hovedfunktion, flis, regk31, difference FROM datamart.regnskab_afstemning"
                    ).rows() == [(2023, 101, "5.30", Decimal("1185.18600"), 1190, Decimal("-4.81400"))]
    evaluering = flis.check_evaluations(["datamart/regnskab_afstemning:regk31_afvigelser"], "2023-12")
    e = evaluering["datamart/regnskab_afstemning:regk31_afvigelser"]
    assert not e.passed and e.severity.value == "WARN"
    assert "| 2023 | 101 | København | 5.30 | 1185.18600 | 1190 | -4.81400 | AFVIGER_FRA_REGK31 |" in e.metadata["fejlende_noegler"].value
