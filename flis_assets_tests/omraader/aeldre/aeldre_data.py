"""Hand-made lines of harmoniseret.aeldre_indsatser for Ældre's datamart, measure and package tests."""

from datetime import date
from itertools import count
from pathlib import Path

import duckdb
import pytest

from flis_assets.omraader.aeldre import referencedata as ref
from flis_assets.omraader.aeldre import datamart, harmoniseret
from flis_assets.resources import ensure_schemas, query_pl

MAR = date(2024, 3, 1)
_ids = count(1)

STANDARD = dict(
    periode=MAR, kommunekode=101, fagsystem="NEXUS", indsats_id=None, cpr="0101401234",
    indsatstype="PERSONLIG_PLEJE", paragraf="SEL 83.1.1", visitationsdato=date(2024, 1, 1),
    startdato=date(2024, 1, 1), slutdato=None, timer_pr_uge=2.0, leverandoer="KOMMUNAL", boform="EGET_HJEM",
    midlertidig="N", alternativ_visitationsdato=None, alternativ_slutdato=None, plejebolig=False,
    hjemmehjaelp=True, ventedage=None, over_garanti=None, ventende=False, foedselsdato=date(1940, 1, 1),
    koen="K", alder=84, slettes_af_dst=False, opmaerkninger=None, indlaesningsmaaned=MAR,
)
PLEJEBOLIG = dict(indsatstype="PLEJEBOLIG", paragraf="ABL 54", timer_pr_uge=None, boform="PLEJEBOLIG",
                  plejebolig=True, hjemmehjaelp=False)
PLEJEHJEM = {**PLEJEBOLIG, "indsatstype": "PLEJEHJEM", "paragraf": "SEL 192"}
PRAKTISK = dict(indsatstype="PRAKTISK_HJAELP", paragraf="SEL 83.1.2")


def ny_con() -> duckdb.DuckDBPyConnection:
    """An empty database with the harmonised table (exactly as pinned) and no AED06 figures."""
    c = duckdb.connect()
    ensure_schemas(c)
    c.execute(datamart.INDSATSER_DDL)
    c.execute(harmoniseret.HJEMMEHJAELP_DDL)
    ingen = ref.read_aed06(Path("AED06_findes_ikke.csv"))  # noqa: F841 - read by DuckDB's replacement scan
    c.execute("CREATE TABLE referencedata.aed06 AS SELECT * FROM ingen")
    return c


@pytest.fixture
def con():
    c = ny_con()
    yield c
    c.close()


def indsaet(con: duckdb.DuckDBPyConnection, perioder: list[date] | None = None, **felter) -> str:
    """One line in each of `perioder` (default: its `periode`), and those periods' hjemmehjælp rows
    (harmoniseret.aeldre_hjemmehjaelp) built again; returns its indsats_id."""
    row = {**STANDARD, **felter}
    row["indsats_id"] = row["indsats_id"] or f"L{next(_ids)}"
    for p in perioder or [row["periode"]]:
        r = {**row, "periode": p}
        con.execute(f"INSERT INTO harmoniseret.aeldre_indsatser ({', '.join(r)}) VALUES ({', '.join('?' * len(r))})",
                    list(r.values()))
    # as the harmonisation does: the period's hjemmehjælp rows from its lines
    harmoniseret.byg_hjemmehjaelp(con, sorted(set(perioder or [row["periode"]])))
    return row["indsats_id"]


def sql(con: duckdb.DuckDBPyConnection, query: str, params=None):
    return query_pl(con, query, params)
