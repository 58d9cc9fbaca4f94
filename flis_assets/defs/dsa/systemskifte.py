"""DSA for a source whose kommuner deliver their full stock per fagsystem: the stock by the
systemskifte rules of voksenhandicap.md (Voksenhandicap, Ældre: `bestand` = systemskifte in kilder.csv).

- Rule 1 (no line of reference/systemskifte.csv applies): all lines of the kommune's newest delivery.
- Rule 2 (change of fagsystem): the old system's newest delivery contributes only its ENDED lines,
  the new system's newest delivery all of its lines. Until the new system has delivered at all,
  the old system's newest delivery counts whole, so the stock is never empty around the change.
- Rule 3 (parallel reporting): the newest delivery of each of the two systems, on equal footing.

systemskifte.csv has no area column: its lines name their fagsystemer, and a kommune may change
system in one area and not in another. A line applies to a source only when the source has
delivered (up to the load month) from one of its fagsystemer for that kommune; of several such
lines, the one naming most of the source's systems. Otherwise rule 1.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets.defs.dsa import common
from flis_assets.snitflader import Kilde

BESTAND = "systemskifte"  # the value of `bestand` in kilder.csv
# Which rule chose the line, and whether its file counted with its ended lines only (rule 2).
EXTRA_DDL = "systemskifte_regel INTEGER NOT NULL, kun_afsluttede BOOLEAN NOT NULL, "


def gaeldende_regler(lev: str) -> str:
    """Per kommune the systemskifte line that applies to the deliveries `lev` (kommunekode,
    fagsystem) of one source: one of whose fagsystemer the source delivered; ties broken by name
    so the choice is stable."""
    return f"""
    SELECT kommunekode, regel, fagsystem_gammel, fagsystem_ny FROM (
        SELECT *, row_number() OVER (PARTITION BY kommunekode
                                     ORDER BY leverede DESC, fagsystem_gammel, fagsystem_ny) AS nr
        FROM (SELECT s.kommunekode, s.regel, s.fagsystem_gammel, s.fagsystem_ny,
                  count(DISTINCT l.fagsystem) AS leverede
              FROM referencedata.systemskifte s
              JOIN (SELECT DISTINCT kommunekode, fagsystem FROM {lev}) l
                ON l.kommunekode = s.kommunekode AND l.fagsystem IN (s.fagsystem_gammel, s.fagsystem_ny)
              GROUP BY ALL))
    WHERE nr = 1"""


def stock_sql(kilde: Kilde) -> str:
    k = kilde.kilde
    return f"""
WITH lev AS ({common.kendte_leverancer(k)}),
skifte AS ({gaeldende_regler("lev")}),
regler AS (
    SELECT lev.*, coalesce(s.regel, 1) AS regel, s.fagsystem_gammel, s.fagsystem_ny,
        bool_or(lev.fagsystem = s.fagsystem_ny) OVER (PARTITION BY lev.kommunekode) AS ny_har_leveret
    FROM lev LEFT JOIN skifte s USING (kommunekode)
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
    {kilde.typed_select("r")}
FROM valgt v
JOIN lev l USING (fil)
{common.linjer_join(k)}
WHERE r.indlaesningsmaaned <= $maaned
  AND (NOT v.kun_afsluttede OR r.felt_{kilde.felt("slutdato").nr} <> '')
"""


def ensure_table(con, kilde: Kilde) -> None:
    common.ensure_raadata(con, kilde)
    common.create_table(con, kilde, EXTRA_DDL)


def bestand_asset(kilde: Kilde, description: str) -> dg.AssetsDefinition:
    """The DSA asset of `kilde`: its stock after each load month by the systemskifte rules."""
    from flis_assets.defs.referencedata.assets import systemskifte

    sql = stock_sql(kilde)

    @dg.asset(**common.dsa_asset_kwargs(kilde, description, [systemskifte.key]))
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        return common.materialize_stock(context, duckdb, kilde, sql, EXTRA_DDL, uafhaengige_maaneder=True)

    return _asset
