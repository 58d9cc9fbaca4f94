"""Changed periods: exactly the statistical periods a load month's new stock changed."""

from datetime import date

from flis_assets_tests.conftest import cpr_line, vh_line


def changed(flis, kilde, maaned):
    return flis.sql(
        "SELECT DISTINCT periode::VARCHAR AS p FROM dsa.aendrede_perioder WHERE kilde = ? AND indlaesningsmaaned = ? ORDER BY 1",
        [kilde, maaned],
    )["p"].to_list()


def months(fra: str, til: str) -> list[str]:
    """'YYYY-MM' to 'YYYY-MM', both included, as the periods' dates."""
    (fy, fm), (ty, tm) = map(int, fra.split("-")), map(int, til.split("-"))
    return [f"{y}-{m:02d}-01" for y in range(fy, ty + 1) for m in range(1, 13) if (fy, fm) <= (y, m) <= (ty, tm)]


def test_vh_corrections_touch_every_period_of_both_versions(flis):
    # one citizen per line: a citizen's other lines count too (see the test below)
    base = [
        vh_line("same", cpr="0101801111", start="20230101"),
        vh_line("end-moved", cpr="0101801112", start="20230101", slut=""),
        vh_line("end-earlier", cpr="0101801113", start="20220801", slut="20230910"),
        vh_line("start-later", cpr="0101801114", start="20230201", slut="20230531"),
        vh_line("code-fixed", cpr="0101801115", kode="9.9", start="20231001", slut="20231130"),
        vh_line("field-only", cpr="0101801116", fv="C", start="20230401", slut="20230630"),
        vh_line("no-start", cpr="0101801117", start=""),
        vh_line("removed", cpr="0101801118", start="20230601", slut="20230731"),
    ]
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", base)
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", base)  # nothing changed
    fixed = [
        vh_line("same", cpr="0101801111", start="20230101"),
        vh_line("end-moved", cpr="0101801112", start="20230101", slut="20231215"),  # closed back in December
        vh_line("end-earlier", cpr="0101801113", start="20220801", slut="20230615"),
        vh_line("start-later", cpr="0101801114", start="20230415", slut="20230531"),
        vh_line("code-fixed", cpr="0101801115", kode="1.1", start="20231001", slut="20231130"),
        vh_line("field-only", cpr="0101801116", fv="D", start="20230401", slut="20230630"),  # no aggregate moves
        vh_line("no-start", cpr="0101801117", start="20230315"),  # placed in time at last
        vh_line("late", cpr="0101801119", start="20220501", slut="20220630"),  # registered late, long ago
    ]
    flis.deliver("vh", "2024-03", 101, "NEXUS", "20240305", fixed)
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    assert changed(flis, "vh", "2024-02-01") == ["2024-02-01"]
    in_one_run = changed(flis, "vh", "2024-03-01")
    assert flis.materialize("2024-03", perioder=False).ok  # March alone: what came before read from DSA
    # Every row of a changed line changes (the packages show its dates and fields), so each
    # version's whole validity, not only the months between its old and new dates.
    assert changed(flis, "vh", "2024-03-01") == in_one_run == sorted({
        *months("2023-01", "2024-03"),  # end moved from open to 2023-12-15: every month it was open
        *months("2022-08", "2023-09"),  # end moved from 2023-09-10 to 2023-06-15
        *months("2023-02", "2023-05"),  # start moved from 2023-02-01 to 2023-04-15
        *months("2023-10", "2023-11"),  # code fixed
        *months("2023-04", "2023-06"),  # funktionsvurdering fixed
        # no-start: its old version sat in load months 2024-01 and 2024-02; the new one from 2023-03
        *months("2023-03", "2024-03"),
        *months("2023-06", "2023-07"),  # removed line
        *months("2022-05", "2022-06"),  # late registration
    })


def test_a_changed_line_touches_every_line_of_its_citizen(flis):
    """The harmonisation compares a citizen's lines: an SPS line's `sps_uden_overlap_fra` (on all its
    rows) moves when the stay it overlaps is shortened, so its periods changed too."""
    sps = vh_line("sps", kode="1.12.0.2", start="20230101", slut="20231231")
    ophold = vh_line("ophold", kode="1.8.1", start="20230301", slut="20230831", ophold="1")
    andre = vh_line("andre", cpr="0202851234", kode="1.12.0.2", start="20220101", slut="20221231")
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [sps, ophold, andre])
    kortere = vh_line("ophold", kode="1.8.1", start="20230301", slut="20230430", ophold="1")
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", [sps, kortere, andre])
    assert flis.materialize("2024-01", "2024-02", perioder=False).ok
    assert changed(flis, "vh", "2024-02-01") == [*months("2023-01", "2023-12"), "2024-02-01"]


def test_a_line_unplaceable_again_touches_the_load_months_it_sat_in_unplaced(flis):
    """harmoniseret shows an unplaceable line in every load month it was delivered so: when the
    newest version cannot be placed again, those months show it again."""
    uden = vh_line("x", start="")
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [uden])
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", [vh_line("x", start="20230315", slut="20230331")])
    flis.deliver("vh", "2024-03", 101, "NEXUS", "20240305", [uden])
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    assert changed(flis, "vh", "2024-03-01") == ["2023-03-01", "2024-01-01", "2024-03-01"]


def test_a_persons_changed_register_record_touches_every_period_of_their_vh_lines(flis):
    doed, ny, flytter = "0101801234", "0202851234", "0303901234"
    linjer = [vh_line("a", cpr=doed, start="20230101"), vh_line("b", cpr=ny, start="20220601", slut="20220831"),
              vh_line("c", cpr=flytter, start="20210101")]
    for m in ("2024-01", "2024-02", "2024-03"):
        flis.deliver("vh", m, 101, "NEXUS", m.replace("-", "") + "05", linjer)
    flis.deliver("cpr", "2024-01", 0, "CPR", "20240105", [cpr_line(doed), cpr_line(flytter)])
    # February: the person without a record gets one; the other moves (nothing VH reads)
    flis.deliver("cpr", "2024-02", 0, "CPR", "20240205",
                 [cpr_line(doed), cpr_line(ny), cpr_line(flytter, bopael="147")])
    # March: a death registered late: the open line gets its alternative end on every row
    flis.deliver("cpr", "2024-03", 0, "CPR", "20240305",
                 [cpr_line(doed, doed="20231115"), cpr_line(ny), cpr_line(flytter, bopael="147")])
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    assert changed(flis, "cpr", "2024-02-01") == [*months("2022-06", "2022-08"), "2024-02-01"]
    assert changed(flis, "cpr", "2024-03-01") == months("2023-01", "2024-03")


def test_a_line_placed_at_last_touches_the_load_months_it_sat_in_unplaced(flis):
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", [vh_line("no-start", start="")])
    flis.deliver("vh", "2024-02", 147, "NEXUS", "20240205", [vh_line("no-start", start="")])
    flis.deliver("vh", "2024-03", 147, "NEXUS", "20240305", [vh_line("no-start", start="20230315", slut="20230331")])
    expected = ["2023-03-01", "2024-01-01", "2024-02-01", "2024-03-01"]
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok  # one ranged run
    assert changed(flis, "vh", "2024-03-01") == expected
    assert flis.materialize("2024-03", perioder=False).ok  # March alone, on the stored months before
    assert changed(flis, "vh", "2024-03-01") == expected


def test_a_load_month_run_again_keeps_the_periods_its_first_run_changed(flis):
    """A later delivery in the same load month replaces its stock: a line only the first run had
    (not the month before) is gone again, and the periods that first run showed it in changed."""
    fast = vh_line("fast", cpr="0101801111", start="20230601")
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [fast])
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205",
                 [fast, vh_line("fejl", cpr="0202851234", start="20230101", slut="20230331")])
    assert flis.materialize("2024-01", "2024-02", perioder=False).ok
    assert changed(flis, "vh", "2024-02-01") == [*months("2023-01", "2023-03"), "2024-02-01"]
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240215", [fast])  # the same month, corrected
    assert flis.materialize("2024-02", perioder=False).ok
    assert flis.sql("SELECT count(*) AS n FROM dsa.vh WHERE indlaesningsmaaned = '2024-02-01' "
                    "AND ydelse_id = 'fejl'")["n"][0] == 0
    assert changed(flis, "vh", "2024-02-01") == [*months("2023-01", "2023-03"), "2024-02-01"]


def test_a_load_month_run_again_after_later_ones_recomputes_their_year_to_date(flis):
    from flis_assets.defs.dsa.aendrede_perioder import perioder_til_genberegning
    from flis_assets.resources import duckdb_resource

    for m in ("2024-01", "2024-02", "2024-03"):
        flis.deliver("vh", m, 101, "NEXUS", m.replace("-", "") + "05", [vh_line("a", start="20240101")])
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    with duckdb_resource().get_connection() as con:
        perioder = perioder_til_genberegning(con, [date(2024, 2, 1)])
    assert perioder == [date(2024, 2, 1), date(2024, 3, 1)]  # March's year to date holds February
