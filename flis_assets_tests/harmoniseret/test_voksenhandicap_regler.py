"""The harmonisation rules of voksenhandicap.md, each with hand-made cases at its boundaries."""

import pytest

from flis_assets_tests.conftest import module_flis, cpr_line, vh_line

# Persons: (cpr, foedselsdato, doedsdato)
A17 = ("0101031111", "20030101", "")  # exactly 17 on 1 January 2020
B16 = ("0201031111", "20030102", "")  # one day short of 17 on 1 January 2020
DOED = ("0303601111", "19600303", "20240210")
OPH = ("0404701111", "19700404", "")
SPS = ("0505701111", "19700505", "")
EJ = ("0606701111", "19700606", "")

LINES = [
    vh_line("barn-17", cpr=A17[0], start="20200101"),
    vh_line("barn-16", cpr=B16[0], start="20200101"),
    vh_line("doed-aaben", cpr=DOED[0], start="20230101"),
    vh_line("doed-slut", cpr=DOED[0], kode="1.1", start="20230101", slut="20231231"),
    vh_line("107-100", cpr=EJ[0], kode="1.8.2", start="20240323", ophold="1"),  # 23/3..30/6 = 100 days
    vh_line("107-101", cpr=EJ[0], kode="1.8.2", start="20240322", ophold="1"),
    vh_line("107-1000", cpr=EJ[0], kode="1.8.2", start="20211005", ophold="1"),
    vh_line("107-1001", cpr=EJ[0], kode="1.8.2", start="20211004", ophold="1"),
    vh_line("ugyldig-kode", cpr=EJ[0], kode="9.9", start="20240101"),
    vh_line("ugyldig-mg", cpr=EJ[0], kode="1.1", start="20240101", maalgrupper="2.1,7.7"),
    vh_line("tom-mg", cpr=EJ[0], kode="1.4", start="20240101", maalgrupper=""),
    vh_line("uden-start", cpr=EJ[0], kode="1.3", start=""),
    vh_line("slut-foer", cpr=EJ[0], kode="1.17", start="20240301", slut="20240201"),
    vh_line("oph-a", cpr=OPH[0], kode="1.8.1", start="20240101", slut="20240415", ophold="7"),
    vh_line("oph-b", cpr=OPH[0], kode="1.12.0.1", start="20240410", ophold="8"),
    vh_line("oph-c-ugyldig", cpr=OPH[0], kode="1.8.2", start="20240101", maalgrupper="", ophold="9"),
    vh_line("sps", cpr=SPS[0], kode="1.12.0.2", start="20240101"),
    vh_line("sps-ophold", cpr=SPS[0], kode="1.8.1", start="20240201", slut="20240420", ophold="5"),
    # Ishøj/Tårnby: every row of the table, and an ordinary kommune
    vh_line("i-v", cpr=EJ[0], handle="183", betaling="187", start="20240101"),
    vh_line("i-i", cpr=EJ[0], handle="183", betaling="183", start="20240101"),
    vh_line("i-0", cpr=EJ[0], handle="183", betaling="", start="20240101"),
    vh_line("i-3", cpr=EJ[0], handle="183", betaling="101", start="20240101"),
    vh_line("t-d", cpr=EJ[0], handle="185", betaling="155", start="20240101"),
    vh_line("t-t", cpr=EJ[0], handle="185", betaling="185", start="20240101"),
    vh_line("t-0", cpr=EJ[0], handle="185", betaling="", start="20240101"),
    vh_line("t-3", cpr=EJ[0], handle="185", betaling="147", start="20240101"),
    vh_line("a-0", cpr=EJ[0], handle="147", betaling="", start="20240101"),
    vh_line("a-3", cpr=EJ[0], handle="147", betaling="151", start="20240101"),
    # kommune codes outside kommuner.csv, delivered by 101: the lines stay 101's (or the known handlekommune's)
    vh_line("u-h", cpr=EJ[0], handle="999", betaling="", start="20240101"),
    vh_line("u-hb", cpr=EJ[0], handle="999", betaling="147", start="20240101"),
    vh_line("u-b", cpr=EJ[0], handle="147", betaling="998", start="20240101"),
    vh_line("u-ib", cpr=EJ[0], handle="183", betaling="000", start="20240101"),
]


@pytest.fixture(scope="module")
def h(tmp_path_factory):
    with module_flis(tmp_path_factory, "harm") as f:
        f.deliver("cpr", "2024-06", 0, "CPR", "20240605",
                  [cpr_line(c, foedt=b, doed=d) for c, b, d in (A17, B16, DOED, OPH, SPS, EJ)])
        f.deliver("vh", "2024-06", 101, "NEXUS", "20240605", LINES)
        outcome = f.materialize("2024-06", perioder=False)
        assert not outcome.fejlede_trin, outcome.fejlede_trin
        # the periods the tests read (the lines reach back to 2020; computing those too only costs time)
        outcome = f.materialize_periods("2023-01", "2024-06")
        assert not outcome.fejlede_trin, outcome.fejlede_trin
        yield f


def rules(h, ydelse_id, periode="2024-06-01"):
    return sorted(h.sql("SELECT regel FROM harmoniseret.vh_opmaerkninger WHERE ydelse_id = ? AND periode = ?",
                        [ydelse_id, periode])["regel"])


def line(h, ydelse_id, periode="2024-06-01"):
    got = h.sql("SELECT * FROM harmoniseret.vh_ydelser WHERE ydelse_id = ? AND periode = ?", [ydelse_id, periode])
    assert got.height == 1, (ydelse_id, periode, got.height)
    return got.row(0, named=True)


def test_barn_boundary_exactly_17_on_1_january(h):
    assert rules(h, "barn-17") == []
    assert rules(h, "barn-16") == ["BARN"]


def test_invalid_codes_and_missing_maalgruppe(h):
    assert rules(h, "ugyldig-kode") == ["UGYLDIG_YDELSESKODE"]
    assert rules(h, "ugyldig-mg") == ["UGYLDIG_MAALGRUPPE"]
    assert rules(h, "tom-mg") == ["UGYLDIG_MAALGRUPPE"]


def test_lines_that_cannot_be_placed_belong_to_their_load_month(h):
    assert rules(h, "uden-start") == ["MANGLENDE_STARTDATO"]
    assert rules(h, "slut-foer") == ["SLUTDATO_FOER_STARTDATO"]
    periods = h.sql("SELECT DISTINCT periode::VARCHAR AS p FROM harmoniseret.vh_ydelser WHERE ydelse_id = 'uden-start'")
    assert periods["p"].to_list() == ["2024-06-01"]
    assert line(h, "slut-foer")["dage_i_periode"] == 0


def test_death_date_becomes_alternative_end_of_open_lines_only(h):
    aaben = line(h, "doed-aaben", "2024-02-01")
    assert str(aaben["alternativ_slutdato"]) == "2024-02-10" and aaben["slutdato"] is None
    assert aaben["dage_i_periode"] == 10
    assert rules(h, "doed-aaben", "2024-02-01") == ["DOEDSDATO_SOM_SLUTDATO"]
    assert h.sql("SELECT count(*) AS n FROM harmoniseret.vh_ydelser WHERE ydelse_id = 'doed-aaben' "
                 "AND periode > '2024-02-01'")["n"][0] == 0
    assert line(h, "doed-slut", "2023-12-01")["alternativ_slutdato"] is None
    assert rules(h, "doed-slut", "2023-12-01") == []


def test_open_107_days_counted_both_ends_included(h):
    assert line(h, "107-100", "2024-06-01")["aaben_107_varighed"] == "0-100 dage"  # exactly 100 days
    assert line(h, "107-100", "2024-05-01")["aaben_107_varighed"] == "0-100 dage"
    assert line(h, "107-101")["aaben_107_varighed"] == "101-200 dage"
    assert line(h, "107-1000")["aaben_107_varighed"] == "501-1000 dage"
    assert line(h, "107-1001")["aaben_107_varighed"] == "over 1000 dage"
    assert line(h, "ugyldig-kode")["aaben_107_varighed"] is None


def test_full_time_days_over_a_leap_february(h):
    assert line(h, "sps", "2024-02-01")["dage_i_periode"] == 29
    assert line(h, "doed-slut", "2023-02-01")["dage_i_periode"] == 28


def test_overlapping_stays_marked_where_they_overlap(h):
    assert rules(h, "oph-a", "2024-04-01") == ["OVERLAPPENDE_OPHOLD"]
    assert rules(h, "oph-b", "2024-04-01") == ["OVERLAPPENDE_OPHOLD"]
    assert rules(h, "oph-a", "2024-03-01") == [] and rules(h, "oph-b", "2024-05-01") == []
    # a line DST deletes takes no part in the overlap
    assert rules(h, "oph-c-ugyldig", "2024-04-01") == ["UGYLDIG_MAALGRUPPE"]


def test_sps_during_a_stay_and_the_date_from_which_no_overlap(h):
    assert rules(h, "sps", "2024-01-01") == []
    assert rules(h, "sps", "2024-03-01") == ["SPS_UNDER_OPHOLD"]
    assert str(line(h, "sps", "2024-03-01")["sps_uden_overlap_fra"]) == "2024-04-21"
    assert rules(h, "sps-ophold", "2024-03-01") == []  # only the 1.12.0.2 line is marked


@pytest.mark.parametrize(
    "ydelse_id, handle, betaling",
    [("i-v", 187, 187), ("i-i", 183, 183), ("i-0", 183, 183), ("i-3", 183, 101),
     ("t-d", 155, 155), ("t-t", 185, 185), ("t-0", 185, 185), ("t-3", 185, 147),
     ("a-0", 147, 147), ("a-3", 147, 151)],
)
def test_handle_and_betalingskommune_interpreted(h, ydelse_id, handle, betaling):
    row = line(h, ydelse_id)
    assert (row["handlekommune"], row["betalingskommune"]) == (handle, betaling)


def test_delivered_values_are_kept_beside_the_interpreted(h):
    row = line(h, "i-0")
    assert (row["handlekommune_leveret"], row["betalingskommune_leveret"]) == (183, None)


def test_every_rule_carries_dst_handling(h):
    got = h.sql("SELECT DISTINCT regel, dst_handling FROM harmoniseret.vh_opmaerkninger ORDER BY 1").rows()
    assert ("DOEDSDATO_SOM_SLUTDATO", "Ændres") in got and ("BARN", "Slettes") in got
    assert ("OVERLAPPENDE_OPHOLD", "Markeres") in got


@pytest.mark.parametrize(
    "ydelse_id, handle, betaling, leveret",
    [("u-h", 101, 101, (999, None)), ("u-hb", 101, 147, (999, 147)), ("u-b", 147, 147, (147, 998)),
     ("u-ib", 183, 183, (183, 0))],
)
def test_unknown_kommune_code_stays_with_a_kommune_and_is_marked(h, ydelse_id, handle, betaling, leveret):
    row = line(h, ydelse_id)
    assert (row["handlekommune"], row["betalingskommune"]) == (handle, betaling)
    assert (row["handlekommune_leveret"], row["betalingskommune_leveret"]) == leveret
    assert row["kommunekode"] == 101 and row["slettes_af_dst"]
    assert rules(h, ydelse_id) == ["UKENDT_KOMMUNEKODE"]
    marked = h.sql("SELECT DISTINCT handlekommune, dst_handling FROM harmoniseret.vh_opmaerkninger "
                   "WHERE ydelse_id = ?", [ydelse_id]).rows()
    assert marked == [(handle, "Slettes")]


def test_known_kommune_codes_are_not_marked_and_no_unknown_kommune_is_interpreted(h):
    assert all(rules(h, y) == [] for y in ("i-v", "i-0", "i-3", "t-d", "a-0", "a-3"))
    unknown = h.sql("""SELECT count(*) AS n FROM harmoniseret.vh_ydelser
                       WHERE handlekommune NOT IN (SELECT kommunekode FROM kodelister.kommuner)
                          OR betalingskommune NOT IN (SELECT kommunekode FROM kodelister.kommuner)""")
    assert unknown["n"][0] == 0
