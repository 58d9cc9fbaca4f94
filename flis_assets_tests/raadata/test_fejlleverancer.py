"""Bad deliveries an operator tries: each is quarantined with a reason, or reported, and never
stops the other kommuner's data."""

import re
from datetime import date

import pytest

from flis_assets import snitflader
from flis_assets.defs.raadata.landing import Karantaene, parse_linjer
from flis_assets_tests.conftest import vh_line

VH = snitflader.kilde("vh")


def _land(flis, kilde: str, maaned: str) -> dict[str, dict]:
    """Land one source's month directly (no Dagster run); the new leverancer rows by file name."""
    from flis_assets.defs.raadata.assets import land_maaned
    from flis_assets.resources import duckdb_resource

    with duckdb_resource().get_connection() as con:
        rows = land_maaned(con, snitflader.kilde(kilde), date.fromisoformat(maaned + "-01"))
    return {r["fil"].rsplit("/", 1)[1]: r for r in rows}


def test_a_quarantined_file_resent_with_the_right_name_lands_with_all_its_lines(flis):
    lines = [vh_line(str(i)) for i in range(1, 6)]
    bad = flis.deliver("vh", "2026-02", 101, "NEXUS", "20260231", lines)  # no such date
    assert _land(flis, "vh", "2026-02")[bad.name]["status"] == "karantaene"
    # the same bytes re-sent with the right name, the quarantined file still in the folder
    flis.deliver("vh", "2026-02", 101, "NEXUS", "20260226", lines)
    outcome = flis.materialize("2026-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    lev = flis.sql("SELECT fil, status, indhold_fra, antal_linjer FROM raadata.leverancer ORDER BY fil")
    good = "incoming/vh/2026-02/VH_101_NEXUS_FULD_20260226.csv"
    assert lev.rows() == [(good, "indlaest", good, 5),
                          ("incoming/vh/2026-02/VH_101_NEXUS_FULD_20260231.csv", "karantaene", None, None)]
    assert flis.sql("SELECT count(*) AS n FROM dsa.vh")["n"][0] == 5
    # a re-run of the landed month duplicates nothing and stays green
    outcome = flis.materialize("2026-02", perioder=False)
    assert outcome.fejlede_blokerende == [] and outcome.fejlede_trin == []
    assert flis.sql("SELECT count(*) AS n FROM raadata.leverancer")["n"][0] == 2
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 5


def test_a_quarantined_file_corrected_in_place_lands(flis):
    path = flis.deliver("vh", "2026-02", 101, "NEXUS", "20260210", [vh_line("1"), "1;2;3"])
    assert _land(flis, "vh", "2026-02")[path.name]["status"] == "karantaene"
    flis.deliver("vh", "2026-02", 101, "NEXUS", "20260210", [vh_line("1"), vh_line("2")])  # same name
    row = _land(flis, "vh", "2026-02")[path.name]
    assert (row["status"], row["antal_linjer"], row["aarsag"]) == ("indlaest", 2, None)
    assert _land(flis, "vh", "2026-02") == {}  # a re-run records nothing new
    assert flis.sql("SELECT count(*) AS n FROM raadata.vh")["n"][0] == 2
