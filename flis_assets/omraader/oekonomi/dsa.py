"""DSA for Økonomi: per kommune and booking period, the newest delivery holding that period.

A delivery holds complete months, so a later delivery replaces every earlier one for each
period it holds, and leaves the other periods as they were (sources.md). A partition holds the
(kommune, periode) groups whose newest delivery arrived in that load month; the stock as known
after any load month is `dsa.oekonomi_bestand(maaned)`: for each group, its latest version.
Storing every month's whole stock would grow with every period since 2013, every month.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import snitflader
from flis_assets.defs.dsa import common, strategier

KILDE = snitflader.kilde("oekonomi")


def bestand_sql(m: str, grupper: str | None = None) -> str:
    """The stock after load month `m` (`strategier.pr_periode_sql`)."""
    return strategier.pr_periode_sql(KILDE.kilde, m, grupper)


BESTAND_MACRO = f"CREATE OR REPLACE MACRO dsa.oekonomi_bestand(m) AS TABLE {bestand_sql('m')}"

DELTA_SQL = f"""
WITH lev AS (
    SELECT * FROM raadata.leverancer
    WHERE kilde = 'oekonomi' AND status = 'indlaest' AND indlaesningsmaaned = $maaned
),
linjer AS (
    SELECT {common.lineage_select()}, {KILDE.typed_select("r")}, l.indlaest_tid AS _tid
    FROM lev l {common.linjer_join("oekonomi")}
),
nyeste AS (  -- this month's newest delivery per group ...
    SELECT DISTINCT ON (kommunekode, periode) kommunekode, periode, fil, leverancedato, leverancemaaned
    FROM (SELECT DISTINCT kommunekode, periode, fil, leverancedato, leverancemaaned, _tid FROM linjer)
    ORDER BY kommunekode, periode, leverancedato DESC, _tid DESC, fil DESC
),
nu AS (  -- ... replaces the group's current version unless that one is newer (a later delivery date);
         -- a version is one file's lines, so any line of the group's latest load month has its dates
    SELECT kommunekode, periode, arg_max(leverancedato, indlaesningsmaaned) AS leverancedato,
        arg_max(leverancemaaned, indlaesningsmaaned) AS leverancemaaned
    FROM dsa.oekonomi SEMI JOIN nyeste USING (kommunekode, periode)
    WHERE indlaesningsmaaned <= $forrige GROUP BY ALL
)
SELECT linjer.* EXCLUDE (_tid)
FROM linjer JOIN nyeste USING (kommunekode, periode, fil)
LEFT JOIN nu ON nu.kommunekode = nyeste.kommunekode AND nu.periode = nyeste.periode
WHERE nu.periode IS NULL OR (nyeste.leverancedato, nyeste.leverancemaaned) > (nu.leverancedato, nu.leverancemaaned)
"""


def create_bestand(con) -> None:
    common.ensure_raadata(con, KILDE)
    common.create_table(con, KILDE)
    con.execute(BESTAND_MACRO)


@dg.asset(
    **common.dsa_asset_kwargs(
        KILDE,
        "Konteringer: partitionen rummer de (kommune, periode), hvis nyeste leverance kom i indlæsningsmåneden; "
        "dsa.oekonomi_bestand(måned) giver bestanden efter enhver indlæsningsmåned.",
    )
)
def dsa_oekonomi(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    return common.materialize_stock(context, duckdb, KILDE, DELTA_SQL, setup=create_bestand,
                                    noegle="nye_perioder_linjer")
