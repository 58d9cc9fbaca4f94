"""DSA for Voksenhandicap: the stock of ydelser by the systemskifte rules of voksenhandicap.md.

- Rule 1 (kommune not in systemskifte.csv): all lines of the kommune's newest delivery.
- Rule 2 (change of fagsystem): the old system's newest delivery contributes only its ENDED
  ydelser, the new system's newest delivery all of its ydelser. Until the new system has
  delivered at all, the old system's newest delivery counts whole, so the stock is never empty
  around the change.
- Rule 3 (parallel reporting): the newest delivery of each of the two systems, on equal footing.

Handle- and betalingskommune stay as delivered here; harmoniseret interprets them, once.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import snitflader
from flis_assets.defs.dsa import common
from flis_assets.defs.referencedata.assets import systemskifte

KILDE = snitflader.kilde("vh")
# Which rule chose the line, and whether its file counted with its ended lines only (rule 2).
EXTRA_DDL = "systemskifte_regel INTEGER NOT NULL, kun_afsluttede BOOLEAN NOT NULL, "

STOCK_SQL = f"""
WITH lev AS ({common.kendte_leverancer("vh")}),
regler AS (
    SELECT lev.*, coalesce(s.regel, 1) AS regel, s.fagsystem_gammel, s.fagsystem_ny,
        bool_or(lev.fagsystem = s.fagsystem_ny) OVER (PARTITION BY lev.kommunekode) AS ny_har_leveret
    FROM lev LEFT JOIN referencedata.systemskifte s USING (kommunekode)
),
valgt AS (
    SELECT fil, 1 AS regel, false AS kun_afsluttede FROM regler
    WHERE regel = 1 AND nr_i_kommune = 1
    UNION ALL
    SELECT fil, 2, fagsystem = fagsystem_gammel AND ny_har_leveret FROM regler
    WHERE regel = 2 AND nr_i_system = 1 AND fagsystem IN (fagsystem_gammel, fagsystem_ny)
    UNION ALL
    SELECT fil, 3, false FROM regler
    WHERE regel = 3 AND nr_i_system = 1 AND fagsystem IN (fagsystem_gammel, fagsystem_ny)
)
SELECT {common.lineage_select()}, v.regel AS systemskifte_regel, v.kun_afsluttede,
    {KILDE.typed_select("r")}
FROM valgt v
JOIN lev l USING (fil)
{common.linjer_join("vh")}
WHERE r.indlaesningsmaaned <= $maaned
  AND (NOT v.kun_afsluttede OR r.felt_{KILDE.felt("slutdato").nr} <> '')
"""


@dg.asset(
    **common.dsa_asset_kwargs(
        KILDE,
        "Bestanden af ydelser efter indlæsningsmåneden, typet og navngivet efter snitfladen, "
        "udvalgt efter systemskiftereglerne 1-3.",
        [systemskifte.key],
    )
)
def dsa_vh(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    return common.materialize_stock(context, duckdb, KILDE, STOCK_SQL, EXTRA_DDL, uafhaengige_maaneder=True)
