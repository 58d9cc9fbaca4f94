"""datamart.regnskab_afstemning and its warning check against REGK31, and REGK31's reader."""

from decimal import Decimal

import pytest

from flis_assets.omraader.oekonomi import referencedata as ref
from flis_assets.defs.referencedata.assets import ReferencefilFejl
from flis_assets.omraader.oekonomi import checks
from flis_assets_tests.omraader.oekonomi.regnskab_data import byg, con, konto  # noqa: F401 - con is a fixture


def regk31(con, *rows) -> None:
    con.executemany("INSERT INTO referencedata.regk31 VALUES (?, ?, ?, ?)", list(rows))


@pytest.fixture
def aar_2023(con):
    for m in range(1, 13):
        konto(con, f"2023-{m:02d}", "100000,00")  # 5.30: 1.200.000 kr. in the year
        konto(con, f"2023-{m:02d}", "-5000,00", hovedart="7")  # its incomes: -60.000
        konto(con, f"2023-{m:02d}", "50000,00", konto="3.22.01")  # 3.22: 600.000 kr.
        konto(con, f"2023-{m:02d}", "9999,00", hovedart="0")  # calculated costs: not in REGK31
        if m < 12:  # 147 misses December: its year is not complete
            konto(con, f"2023-{m:02d}", "100,00", kommune=147)
    regk31(con, (2023, 101, "5.30", 1140), (2023, 101, "3.22", 598), (2023, 147, "5.30", 7))
    return con


def afvigelser(con) -> list[tuple]:
    return con.execute(f"SELECT aar, kommunekode, hovedfunktion, flis, regk31, difference, regel FROM ({checks.REGK31_SQL})",
                       {"maaned": "2023-12-01"}).fetchall()


def test_a_complete_year_is_reconciled_and_only_differences_over_1000_kr_are_shown(aar_2023):
    byg(aar_2023, "2023-01", "2023-12")
    rows = aar_2023.execute("""SELECT periode::VARCHAR, aar, kommunekode, hovedfunktion, flis, regk31, difference
                               FROM datamart.regnskab_afstemning ORDER BY hovedfunktion""").fetchall()
    assert rows == [("2023-12-01", 2023, 101, "3.22", Decimal("600.00000"), 598, Decimal("2.00000")),
                    ("2023-12-01", 2023, 101, "5.30", Decimal("1140.00000"), 1140, Decimal("0.00000"))]
    # the match is not named; the difference of 2.000 kr. is
    assert afvigelser(aar_2023) == [(2023, 101, "3.22", Decimal("600.00000"), 598, Decimal("2.00000"), "AFVIGER_FRA_REGK31")]


def test_a_difference_of_a_rounding_is_no_warning(con):
    for m in range(1, 13):
        konto(con, f"2023-{m:02d}", "100041,75")  # 1.200.501 kr.: REGK31 rounds to 1.201
    regk31(con, (2023, 101, "5.30", 1201))
    byg(con, "2023-01", "2023-12")
    assert con.execute("SELECT difference FROM datamart.regnskab_afstemning").fetchall() == [(Decimal("-0.49900"),)]
    assert afvigelser(con) == []


def test_an_incomplete_year_is_not_reconciled(aar_2023):
    byg(aar_2023, "2023-01", "2023-12")
    assert aar_2023.execute("SELECT count(*) FROM datamart.regnskab_afstemning WHERE kommunekode = 147").fetchone() == (0,)


def test_a_year_regk31_does_not_hold_yet_is_not_reconciled(con):
    for m in range(1, 13):
        konto(con, f"2024-{m:02d}", "100,00")
    regk31(con, (2023, 101, "5.30", 1))
    byg(con, "2024-01", "2024-12")
    assert con.execute("SELECT count(*) FROM datamart.regnskab_afstemning").fetchone() == (0,)


def test_a_hovedfunktion_missing_on_either_side_is_a_difference(con):
    for m in range(1, 13):
        konto(con, f"2023-{m:02d}", "1000,00", konto="6.45.51")  # 12.000 kr. on 6.45, not in REGK31
    regk31(con, (2023, 101, "5.30", 50))  # 5.30 in REGK31, nothing in FLIS
    byg(con, "2023-01", "2023-12")
    got = {r[2]: r for r in afvigelser(con)}
    assert got["5.30"][3:] == (Decimal("0.00000"), 50, Decimal("-50.00000"), "AFVIGER_FRA_REGK31")
    assert got["6.45"][3:] == (Decimal("12.00000"), None, Decimal("12.00000"), "MANGLER_I_REGK31")


HEADER = "omraade;funktion;tid;indhold\n"


def test_regk31_reads_typed_and_a_header_alone_is_a_valid_file(tmp_path):
    path = tmp_path / "REGK31.csv"
    path.write_text(HEADER, encoding="utf-8")
    tom = ref.read_regk31(path)
    assert tom.height == 0 and list(tom.schema.items()) == [
        ("aar", ref.pl.Int32), ("kommunekode", ref.pl.Int32), ("hovedfunktion", ref.pl.String), ("regk31", ref.pl.Int64)]
    path.write_text(HEADER + "101;5.30;2023;1140\n851;6.45;2023;-3\n", encoding="utf-8")
    assert ref.read_regk31(path).rows() == [(2023, 101, "5.30", 1140), (2023, 851, "6.45", -3)]


@pytest.mark.parametrize("linje, aarsag", [
    ("999;5.30;2023;1", "omraade er ikke en af de 98 kommuners koder"),
    ("101;5.30.26;2023;1", "funktion skal være en hovedfunktion som 5.30"),
    ("101;5.30;2023K1;1", "tid skal være et år som 2024"),
    ("101;5.30;2023;1,5", "indhold skal være et helt antal 1.000 kr."),
    ("101;5.30;2023;7", "kommunen, funktionen og året står allerede på en tidligere linje"),
    ("101;5.30;2023", "linjen har 3 felter, forventede 4"),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path, linje, aarsag):
    path = tmp_path / "REGK31.csv"
    path.write_text(HEADER + "101;5.30;2023;1\n" + linje + "\n", encoding="utf-8")
    with pytest.raises(ReferencefilFejl) as fejl:
        ref.read_regk31(path)
    assert fejl.value.description == f"Referencefilen REGK31.csv, linje 3: {aarsag}"
