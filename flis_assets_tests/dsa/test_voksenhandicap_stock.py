"""DSA VH stock: systemskifte rules 1-3, which delivery is the newest, the two-systems warning."""

import pytest

from flis_assets_tests.conftest import module_flis, vh_line

SYSTEMSKIFTE = "kommunekode;fagsystem_gammel;fagsystem_ny;skiftedato;regel\n147;NEXUS;CURA;20240201;2\n151;NEXUS;WEB;;3\n"


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    with module_flis(tmp_path_factory, "vh") as f:
        f.reference("systemskifte.csv", SYSTEMSKIFTE)
        # Rule 1: 101's newest delivery is all of its stock.
        f.deliver("vh", "2024-01", 101, "NEXUS", "20240105", [vh_line("r1-a"), vh_line("r1-b")])
        f.deliver("vh", "2024-02", 101, "NEXUS", "20240205", [vh_line("r1-a")])
        # Rule 1 for a kommune not listed that delivers from two systems: the newest wins, and a warning.
        f.deliver("vh", "2024-02", 101, "CURA", "20240206", [vh_line("r1-cura")])
        # Rule 2: 147 changes NEXUS -> CURA. Before CURA delivers, NEXUS counts whole.
        f.deliver("vh", "2024-01", 147, "NEXUS", "20240105",
                  [vh_line("n-open", handle="147"), vh_line("n-ended", handle="147", slut="20231130")])
        f.deliver("vh", "2024-02", 147, "CURA", "20240205",
                  [vh_line("c-migrated", handle="147"), vh_line("c-new", handle="147", start="20240201")])
        # Rule 3: 151 reports in parallel from NEXUS and WEB; each system's newest delivery counts.
        f.deliver("vh", "2024-01", 151, "NEXUS", "20240105", [vh_line("p-nexus", handle="151")])
        f.deliver("vh", "2024-01", 151, "WEB", "20240105", [vh_line("p-web", handle="151", form="WEB")])
        f.deliver("vh", "2024-02", 151, "WEB", "20240205", [vh_line("p-web-2", handle="151", form="WEB")])
        # Newest = later delivery date, then later load month: 153's February file is dated earlier.
        f.deliver("vh", "2024-01", 153, "NEXUS", "20240130", [vh_line("jan-file", handle="153")])
        f.deliver("vh", "2024-02", 153, "NEXUS", "20240120", [vh_line("feb-file-older-date", handle="153")])
        outcome = f.materialize("2024-01", "2024-02", perioder=False)
        yield f, outcome


def ids(f, maaned, kommune):
    return sorted(f.sql(
        "SELECT ydelse_id FROM dsa.vh WHERE indlaesningsmaaned = ? AND kommunekode = ?", [maaned, kommune]
    )["ydelse_id"])


def test_run_has_no_blocking_failure(stock):
    f, outcome = stock
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []


def test_rule_1_newest_delivery_only(stock):
    f, _ = stock
    assert ids(f, "2024-01-01", 101) == ["r1-a", "r1-b"]
    assert ids(f, "2024-02-01", 101) == ["r1-cura"]


def test_rule_1_two_systems_warns_naming_kommune_and_systems(stock):
    f, outcome = stock
    assert "dsa/vh:fagsystemer_efter_systemskifte (2024-02)" in outcome.advarsler
    assert "dsa/vh:fagsystemer_efter_systemskifte (2024-01)" not in outcome.advarsler


def test_rule_2_old_system_contributes_only_ended_lines_once_new_has_delivered(stock):
    f, _ = stock
    assert ids(f, "2024-01-01", 147) == ["n-ended", "n-open"]
    assert ids(f, "2024-02-01", 147) == ["c-migrated", "c-new", "n-ended"]
    regel = f.sql("SELECT DISTINCT systemskifte_regel FROM dsa.vh WHERE kommunekode = 147")
    assert regel["systemskifte_regel"].to_list() == [2]


def test_rule_3_parallel_systems_on_equal_footing(stock):
    f, _ = stock
    assert ids(f, "2024-01-01", 151) == ["p-nexus", "p-web"]
    assert ids(f, "2024-02-01", 151) == ["p-nexus", "p-web-2"]


def test_later_delivery_date_beats_later_load_month(stock):
    f, _ = stock
    assert ids(f, "2024-02-01", 153) == ["jan-file"]


def test_earlier_state_is_kept(stock):
    f, _ = stock
    months = f.sql("SELECT DISTINCT indlaesningsmaaned::VARCHAR AS m FROM dsa.vh ORDER BY 1")["m"].to_list()
    assert months == ["2024-01-01", "2024-02-01"]


def test_fields_are_typed_and_named_after_the_interface(stock):
    f, _ = stock
    row = f.sql("SELECT * FROM dsa.vh WHERE ydelse_id = 'n-ended' AND indlaesningsmaaned = '2024-02-01'").row(0, named=True)
    assert str(row["startdato"]) == "2020-01-01" and str(row["slutdato"]) == "2023-11-30"
    assert row["handlekommune"] == 147 and row["betalingskommune"] == 101  # as delivered
    assert row["fagsystem"] == "NEXUS" and row["leverancedato"].isoformat() == "2024-01-05"
    assert row["fil"] == "incoming/vh/2024-01/VH_147_NEXUS_FULD_20240105.csv" and row["linjenr"] == 2
