"""Datamart and key figures: DST's corrections applied, full-time recipients, bridge, regions, discretion."""

import pytest

from flis_assets_tests.conftest import module_flis, cpr_line, vh_line

# 101 København and 147 Frederiksberg (Hovedstaden); 751 Aarhus (Midtjylland)
P = [f"{i:02d}0180{1000 + i}" for i in range(1, 13)]  # twelve adults born 1980
BARN = "0101101111"  # born 2010: a child
LINES = [
    vh_line("q-15-marts", cpr=P[0], kode="1.8.1", start="20230315", ophold="1"),  # 17 of 90 days in 2023K1
    vh_line("q-hele", cpr=P[1], kode="1.8.1", start="20221001", ophold="1"),  # the whole quarter
    vh_line("to-linjer-a", cpr=P[2], kode="1.8.1", start="20230101", slut="20230131", ophold="1"),
    vh_line("to-linjer-b", cpr=P[2], kode="1.8.1", start="20230201", ophold="1"),
    vh_line("barn", cpr=BARN, kode="1.8.1", start="20230101", ophold="1"),  # deleted by DST
    vh_line("ugyldig", cpr=P[3], kode="1.8.1", start="20230101", maalgrupper="9.9", ophold="1"),  # deleted
    *[vh_line(f"aarhus-{i}", cpr=P[i], handle="751", betaling="751", kode="1.8.2", start="20230101", ophold="2")
      for i in range(4, 11)],  # seven in Aarhus: shown
    vh_line("frb", cpr=P[11], handle="147", betaling="147", kode="1.8.1", start="20230101", ophold="3"),
]
OEKONOMI = [
    "202303;1;5;38;50;001;4;40;1000,00",  # 1.8.1
    "202303;1;5;38;50;002;4;40;500,50",  # 1.8.1
    "202303;1;5;38;50;001;0;00;99999,00",  # hovedart 0: not an expense
    "202303;1;5;38;99;001;4;40;77777,00",  # not in the bridge
    "202303;1;5;38;52;003;4;40;-200,25",  # 1.8.2, a refund
]


@pytest.fixture(scope="module")
def dm(tmp_path_factory):
    with module_flis(tmp_path_factory, "dm") as f:
        people = [cpr_line(c, foedt="19800101", bopael="101") for c in P[:4]]
        people += [cpr_line(c, foedt="19800101", bopael="751") for c in P[4:11]]
        people += [cpr_line(P[11], foedt="19800101", bopael="147"), cpr_line(BARN, foedt="20100101"),
                   cpr_line("0101201111", foedt="20000101", bopael="101"),  # 23: counts as 18-64
                   cpr_line("0101501111", foedt="19500101", bopael="101")]  # 73: does not
        f.deliver("cpr", "2023-03", 0, "CPR", "20230305", people)
        f.deliver("vh", "2023-03", 101, "NEXUS", "20230305", LINES)
        f.deliver("oekonomi", "2023-03", 101, "OPUS", "20230305", OEKONOMI)
        f.reference("HAND07.csv", "omraade;ydelse;tid;indhold\n101;1.8.1;2023K1;4\n751;1.8.2;2023K1;7\n")
        _godkendte(f.root / "reference" / "godkendte_kommuner_2023.xlsx",
                   [(101, "1.8.1", "2023K1", "Ja"), (751, "1.8.2", "2023K1", "Nej")])
        outcome = f.materialize("2023-01", "2023-03")
        assert outcome.fejlede_trin == [] and outcome.fejlede_blokerende == [], outcome
        yield f


def _godkendte(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Godkendte"
    ws.append(["kommunekode", "ydelseskode", "kvartal", "godkendt"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def test_full_time_recipients_quarter_example_of_the_spec(dm):
    """From 15 March to 31 March is 17 days: 17/90 + 90/90 = 1.19 (the spec pins this reading)."""
    got = dm.sql("""SELECT helaarsmodtagere FROM datamart.vh_dimensioner WHERE tidsenhed = 'kvartal'
                    AND periode = '2023-03-01' AND handlekommune = 101 AND ydelseskode = '1.8.1'
                    AND dimension = 'i_alt'""")["helaarsmodtagere"][0]
    # q-15-marts 17/90, q-hele 90/90, to-linjer a+b 90/90
    assert got == pytest.approx(17 / 90 + 1 + 1)


def test_unique_recipients_count_once_and_deleted_lines_are_gone(dm):
    row = dm.sql("""SELECT * FROM datamart.vh_benchmark WHERE periode = '2023-02-01'
                    AND handlekommune = 101 AND ydelseskode = '1.8.1'""").row(0, named=True)
    assert row["unikke_modtagere"] == 2  # q-hele and the citizen with two lines; child and invalid deleted
    assert row["helaarsmodtagere"] == pytest.approx(2.0)
    q = dm.sql("""SELECT unikke_modtagere FROM datamart.vh_dimensioner WHERE tidsenhed = 'kvartal'
                  AND periode = '2023-03-01' AND handlekommune = 101 AND ydelseskode = '1.8.1' AND dimension = 'i_alt'""")
    assert q["unikke_modtagere"][0] == 3


def test_no_cpr_numbers_in_the_datamart(dm):
    for table in ("vh_benchmark", "vh_dimensioner", "vh_udgifter", "befolkning", "vh_hand07_afstemning"):
        cols = dm.sql(f"SELECT * FROM datamart.{table} LIMIT 0").columns
        assert "cpr" not in cols, table


def test_expenses_through_the_bridge(dm):
    got = dm.sql("SELECT ydelseskode, udgifter FROM datamart.vh_udgifter WHERE periode = '2023-03-01' ORDER BY 1").rows()
    assert got == [("1.8.1", 1500.5), ("1.8.2", -200.25)]


def test_population_18_64(dm):
    from flis_assets.omraader.borger.datamart import indbyggere_sql

    got = dm.sql(f"SELECT kommunekode, antal FROM ({indbyggere_sql(18, 64)}) ORDER BY 1",
                 {"fra": "2023-03-01", "til": "2023-03-01"}).rows()
    assert got == [(101, 5), (147, 1), (751, 7)]


def test_hand07_reconciliation_on_approved_data(dm):
    got = dm.sql("SELECT kommunekode, ydelseskode, flis, hand07, difference FROM datamart.vh_hand07_afstemning "
                 "WHERE kvartal = '2023K1' ORDER BY 1").rows()
    assert got == [(101, "1.8.1", 3, 4, -1), (751, "1.8.2", 0, 7, -7)]  # Aarhus is not approved


def kube(dm, niveau, omraade, noegletal_id, periode="2023-03-01"):
    return dm.sql("SELECT * FROM noegletal.kube WHERE periode = ? AND niveau = ? AND omraade = ? AND noegletal_id = ?",
                  [periode, niveau, omraade, noegletal_id]).row(0, named=True)


def test_key_figure_and_primary_discretion(dm):
    aarhus = kube(dm, "kommune", "751", "vh_modtagere_midlertidige_pr_1000")
    assert aarhus["individer"] == 7 and not aarhus["diskretioneret"]
    assert aarhus["taeller"] == pytest.approx(7.0) and aarhus["naevner"] == 7
    assert aarhus["vaerdi"] == pytest.approx(1000.0)
    kbh = kube(dm, "kommune", "101", "vh_modtagere_laengerevarende_pr_1000")  # 3 individuals
    assert kbh["diskretioneret"] and kbh["diskretion_aarsag"] == "primaer"
    assert [kbh[c] for c in ("vaerdi", "taeller", "naevner", "individer")] == [None] * 4


def test_region_is_sum_of_numerators_over_sum_of_denominators(dm):
    hoved = kube(dm, "region", "Hovedstaden", "vh_udgift_laengerevarende_pr_18_64")
    assert hoved["taeller"] == pytest.approx(1500.5) and hoved["naevner"] == 6  # 101 (5) + 147 (1)
    assert hoved["vaerdi"] == pytest.approx(1500.5 / 6)
    # expense figures per 18-64-årig rest on accounts: always shown
    assert not kube(dm, "kommune", "147", "vh_udgift_laengerevarende_pr_18_64")["diskretioneret"]
    land = kube(dm, "land", "Danmark", "vh_modtagere_laengerevarende_pr_1000")
    assert land["diskretioneret"] and land["individer"] is None  # 3 in København + 1 in Frederiksberg
    midt = kube(dm, "region", "Midtjylland", "vh_modtagere_midlertidige_pr_1000")
    assert midt["individer"] == 7 and midt["vaerdi"] == pytest.approx(1000.0)


# Hovedgruppe in vh_dimensioner: each line counts once under each distinct hovedgruppe of its
# målgrupper, with all its days, like under i_alt. One ydelse per case, all in 101.
H = [f"{i:02d}0180{2000 + i}" for i in range(1, 5)]
HOVEDGRUPPE_LINES = [
    # two lines with 10 days each in January 2023, målgrupper of one hovedgruppe
    vh_line("lige-a", cpr=H[0], kode="1.12.0.2", start="20230101", slut="20230110", maalgrupper="2.1"),
    vh_line("lige-b", cpr=H[0], kode="1.12.0.2", start="20230121", slut="20230130", maalgrupper="2.2"),
    # 10 days in January and 10 in February
    vh_line("jan", cpr=H[1], kode="1.1", start="20230101", slut="20230110", maalgrupper="1.1"),
    vh_line("feb", cpr=H[1], kode="1.1", start="20230201", slut="20230210", maalgrupper="1.1"),
    # målgrupper of one hovedgruppe, and of two
    vh_line("psykisk", cpr=H[2], kode="1.3", start="20230101", maalgrupper="2.1,2.3"),
    vh_line("begge", cpr=H[3], kode="1.3", start="20230101", maalgrupper="1.1,2.1"),
]


@pytest.fixture(scope="module")
def hg(tmp_path_factory):
    with module_flis(tmp_path_factory, "hg") as f:
        f.deliver("cpr", "2023-03", 0, "CPR", "20230305", [cpr_line(c, foedt="19800101", bopael="101") for c in H])
        f.deliver("vh", "2023-03", 101, "NEXUS", "20230305", HOVEDGRUPPE_LINES)
        outcome = f.materialize("2023-03")
        assert outcome.fejlede_trin == [] and outcome.fejlede_blokerende == [], outcome
        yield f


def dimensioner(f, periode, tidsenhed, ydelseskode) -> dict[tuple[str, str], tuple[int, float]]:
    """(dimension, vaerdi): (unikke_modtagere, helaarsmodtagere) of a window in 101."""
    rows = f.sql("""SELECT dimension, vaerdi, unikke_modtagere, helaarsmodtagere FROM datamart.vh_dimensioner
                    WHERE periode = ? AND tidsenhed = ? AND handlekommune = 101 AND ydelseskode = ?""",
                 [periode, tidsenhed, ydelseskode]).rows()
    return {(d, v): (n, h) for d, v, n, h in rows}


def test_hovedgruppe_counts_every_line_with_equal_days_in_a_month(hg):
    got = dimensioner(hg, "2023-01-01", "maaned", "1.12.0.2")
    assert got[("i_alt", "i alt")] == (1, pytest.approx(20 / 31))
    assert got[("hovedgruppe", "Psykisk handicap")] == (1, pytest.approx(20 / 31))  # not 10/31
    assert got[("maalgruppe", "2.1")] == (1, pytest.approx(10 / 31))
    assert got[("maalgruppe", "2.2")] == (1, pytest.approx(10 / 31))


def test_hovedgruppe_adds_equal_days_of_different_months_in_quarter_and_year(hg):
    for periode, dage in (("2023-02-01", 31 + 28), ("2023-03-01", 90)):
        for tidsenhed in ("kvartal", "aar_til_dato"):
            got = dimensioner(hg, periode, tidsenhed, "1.1")
            assert got[("i_alt", "i alt")] == (1, pytest.approx(20 / dage)), (periode, tidsenhed)
            assert got[("hovedgruppe", "Fysisk handicap")] == (1, pytest.approx(20 / dage)), (periode, tidsenhed)
    februar = dimensioner(hg, "2023-02-01", "maaned", "1.1")
    assert februar[("hovedgruppe", "Fysisk handicap")] == (1, pytest.approx(10 / 28))


def test_a_line_counts_once_under_each_distinct_hovedgruppe_of_its_maalgrupper(hg):
    got = dimensioner(hg, "2023-03-01", "maaned", "1.3")
    hovedgrupper = {v: x for (d, v), x in got.items() if d == "hovedgruppe"}
    # "2.1,2.3" once under Psykisk handicap; "1.1,2.1" under both
    assert hovedgrupper == {"Psykisk handicap": (2, pytest.approx(2.0)), "Fysisk handicap": (1, pytest.approx(1.0))}
    assert got[("i_alt", "i alt")] == (2, pytest.approx(2.0))
    assert got[("maalgruppe", "2.1")] == (2, pytest.approx(2.0))
    assert got[("maalgruppe", "2.3")] == (1, pytest.approx(1.0))
    assert got[("maalgruppe", "1.1")] == (1, pytest.approx(1.0))
