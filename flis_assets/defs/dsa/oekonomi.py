"""DSA for Økonomi: per kommune and booking period, the newest delivery holding that period.

A delivery holds complete months, so a later delivery replaces every earlier one for each
period it holds, and leaves the other periods as they were (sources.md).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import snitflader
from flis_assets.defs.dsa import common

KILDE = snitflader.kilde("oekonomi")

STOCK_SQL = f"""
WITH lev AS ({common.kendte_leverancer("oekonomi")}),
linjer AS (
    SELECT {common.lineage_select()}, {KILDE.typed_select("r")},
        l.leverancedato AS _dato, l.indlaesningsmaaned AS _maaned, l.indlaest_tid AS _tid
    FROM lev l JOIN raadata.oekonomi r ON r.fil = l.indhold_fra
    WHERE r.indlaesningsmaaned <= $maaned
),
nyeste AS (
    SELECT kommunekode, periode, fil FROM (SELECT DISTINCT kommunekode, periode, fil, _dato, _maaned, _tid FROM linjer)
    QUALIFY row_number() OVER (
        PARTITION BY kommunekode, periode ORDER BY _dato DESC, _maaned DESC, _tid DESC, fil DESC) = 1
)
SELECT linjer.* EXCLUDE (_dato, _maaned, _tid)
FROM linjer JOIN nyeste USING (kommunekode, periode, fil)
"""


@dg.asset(
    **common.dsa_asset_kwargs(
        KILDE,
        "Konteringer efter indlæsningsmåneden: for hver kommune og periode den nyeste leverance, "
        "der indeholder perioden.",
    )
)
def dsa_oekonomi(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    return common.materialize_stock(context, duckdb, KILDE, STOCK_SQL)
