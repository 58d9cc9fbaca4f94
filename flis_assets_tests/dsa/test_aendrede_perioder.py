"""Changed periods: exactly the statistical periods a load month's new stock changed."""

from flis_assets_tests.conftest import vh_line


def changed(flis, kilde, maaned):
    return flis.sql(
        "SELECT DISTINCT periode::VARCHAR AS p FROM dsa.aendrede_perioder WHERE kilde = ? AND indlaesningsmaaned = ? ORDER BY 1",
        [kilde, maaned],
    )["p"].to_list()


def test_vh_corrections_touch_exactly_their_periods(flis):
    base = [
        vh_line("same", start="20230101"),
        vh_line("end-moved", start="20230101", slut=""),
        vh_line("code-fixed", kode="9.9", start="20231001", slut="20231130"),
        vh_line("no-start", start=""),
        vh_line("removed", start="20230601", slut="20230731"),
    ]
    flis.deliver("vh", "2024-01", 101, "NEXUS", "20240105", base)
    flis.deliver("vh", "2024-02", 101, "NEXUS", "20240205", base)  # nothing changed
    fixed = [
        vh_line("same", start="20230101"),
        vh_line("end-moved", start="20230101", slut="20231215"),  # closed back in December
        vh_line("code-fixed", kode="1.1", start="20231001", slut="20231130"),
        vh_line("no-start", start="20230315"),  # placed in time at last
        vh_line("late", start="20220501", slut="20220630"),  # registered late, long ago
    ]
    flis.deliver("vh", "2024-03", 101, "NEXUS", "20240305", fixed)
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok
    assert changed(flis, "vh", "2024-02-01") == ["2024-02-01"]
    in_one_run = changed(flis, "vh", "2024-03-01")
    assert flis.materialize("2024-03", perioder=False).ok  # March alone: what came before read from DSA
    assert changed(flis, "vh", "2024-03-01") == in_one_run == sorted({
        "2023-12-01", "2024-01-01", "2024-02-01", "2024-03-01",  # end moved from open to 2023-12-15
        "2023-10-01", "2023-11-01",  # code fixed: the whole validity
        # no-start: its old version sat in load months 2024-01 and 2024-02; the new one from 2023-03
        *[f"2023-{m:02d}-01" for m in range(3, 13)],
        "2023-06-01", "2023-07-01",  # removed line
        "2022-05-01", "2022-06-01",  # late registration
    })


def test_a_line_placed_at_last_touches_the_load_months_it_sat_in_unplaced(flis):
    flis.deliver("vh", "2024-01", 147, "NEXUS", "20240105", [vh_line("no-start", start="")])
    flis.deliver("vh", "2024-02", 147, "NEXUS", "20240205", [vh_line("no-start", start="")])
    flis.deliver("vh", "2024-03", 147, "NEXUS", "20240305", [vh_line("no-start", start="20230315", slut="20230331")])
    expected = ["2023-03-01", "2024-01-01", "2024-02-01", "2024-03-01"]
    assert flis.materialize("2024-01", "2024-03", perioder=False).ok  # one ranged run
    assert changed(flis, "vh", "2024-03-01") == expected
    assert flis.materialize("2024-03", perioder=False).ok  # March alone, on the stored months before
    assert changed(flis, "vh", "2024-03-01") == expected
