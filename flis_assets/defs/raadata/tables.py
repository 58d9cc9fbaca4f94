"""DDL of the rådata layer: `raadata.leverancer` (pinned by outputs.md) and one table per source."""

from __future__ import annotations

import duckdb

from flis_assets.snitflader import Kilde

LEVERANCE_KOLONNER = """
    fil VARCHAR NOT NULL,
    kilde VARCHAR NOT NULL,
    kommunekode INTEGER,
    fagsystem VARCHAR,
    leverancetype VARCHAR,
    leverancedato DATE,
    indlaesningsmaaned DATE NOT NULL,
    sha256 VARCHAR NOT NULL
"""


UDEN_LINJER = ("registreret som indlæst uden linjer af en tidligere version af FLIS; filen indlæses igen, "
               "når dens indlæsningsmåned køres igen")


def create(con: duckdb.DuckDBPyConnection, kilde: Kilde) -> None:
    """The line table keeps per line only its file, load month and line number: the rest of the
    delivery's metadata is one row in `raadata.leverancer` (joined by `fil`), which keeps landing
    a national CPR extract within 1.5x of DuckDB's bare read_csv."""
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS raadata.leverancer ({LEVERANCE_KOLONNER},
            antal_linjer BIGINT,
            status VARCHAR NOT NULL CHECK (status IN ('indlaest', 'karantaene')),
            aarsag VARCHAR,
            fejllinje BIGINT,
            -- the landed file whose lines hold this delivery's content: itself, or an earlier
            -- delivery with the same SHA-256 (content lands once); NULL when quarantined
            indhold_fra VARCHAR,
            indlaest_tid TIMESTAMP NOT NULL,
            -- a landed delivery always says where its lines are and how many: without them it
            -- would count as a kommune's stock with no lines
            CHECK (status = 'karantaene' OR (indhold_fra IS NOT NULL AND antal_linjer IS NOT NULL))
        )"""
    )
    # A database landed by an earlier version may hold a landed row with no lines (a quarantined
    # file re-sent with the same bytes): it counted as the kommune's stock with no lines, and every
    # later run failed. Quarantined with that reason, the file lands whole when its month runs again.
    con.execute(f"""UPDATE raadata.leverancer SET status = 'karantaene', aarsag = '{UDEN_LINJER}'
                    WHERE status = 'indlaest' AND (indhold_fra IS NULL OR antal_linjer IS NULL)""")
    felter = ",\n".join(f"felt_{i} VARCHAR" for i in range(1, kilde.antal_felter + 1))
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS raadata.{kilde.kilde} (
            fil VARCHAR NOT NULL,
            indlaesningsmaaned DATE NOT NULL,
            linjenr BIGINT NOT NULL,
            {felter}
        )"""
    )
