"""harmoniseret: Skole (pupils) and Udsatte (measures) per statistical period, kommune-specific.

- Pupils of a period are the Skole stock as known after that load month: each delivery
  describes the pupils enrolled at the end of its own month. A kommune that did not deliver that
  month counts with its newest earlier delivery (`leverancemaaned` shows which).
- Measures of a period come from the newest Udsatte stock (newest knowledge); a measure is open
  on the period's last day when it started by then and ends on that day or later (or is open).
  A handlekommune outside kommuner.csv is the delivering kommune, marked (UKENDT_KOMMUNEKODE).
- Skole has no kommune field of its own: its kommune is the file's, which landing checks.
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.defs.dsa import common
from flis_assets.defs.harmoniseret import kommunekoder
from flis_assets.resources import create_tables_like, ensure_schemas, perioder_metadata, replace_periods

MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"

ELEVER_SQL = """
SELECT indlaesningsmaaned AS periode, kommunekode, fagsystem, leverancemaaned, cpr, skolekode, klassetrin,
    undervisningstilbud, fravaersdage, skoledage, klassetrin BETWEEN 0 AND 9 AS klassetrin_0_9
FROM dsa.skole WHERE indlaesningsmaaned BETWEEN $fra AND $til
"""

# A handlekommune that is not a kommune: the measure stays the delivering kommune's, marked with
# the rule and its action from the rule table (kommunekoder.py), as the VH lines are.
assert kommunekoder.felter("udsatte") == ["handlekommune"], "every kommune field interpreted"
FORANSTALTNINGER_SQL = f"""
WITH stock AS (SELECT *, {kommunekoder.kendt("udsatte")} FROM dsa.udsatte
               WHERE indlaesningsmaaned = (SELECT max(indlaesningsmaaned) FROM dsa.udsatte))
SELECT m.periode, s.kommunekode, s.foranstaltning_id, s.cpr,
    CASE WHEN s.handlekommune_kendt THEN s.handlekommune ELSE s.kommunekode END AS handlekommune,
    s.handlekommune AS handlekommune_leveret, s.foranstaltningstype, s.paragraf,
    s.startdato, s.slutdato,
    s.startdato <= last_day(m.periode) AND coalesce(s.slutdato, DATE '9999-12-31') >= last_day(m.periode)
        AS aaben_sidste_dag,
    CASE WHEN {kommunekoder.ukendt("udsatte", "s")} THEN r.regel || ' (' || r.dst_handling || ')' END AS opmaerkninger,
    {kommunekoder.ukendt("udsatte", "s")} AND r.dst_handling = 'Slettes' AS slettes_af_dst,
    s.indlaesningsmaaned
FROM stock s JOIN ({MAANEDER}) m
  ON s.startdato <= last_day(m.periode) AND coalesce(s.slutdato, DATE '9999-12-31') >= m.periode
LEFT JOIN kodelister.harmoniseringsregler r ON r.regel = '{kommunekoder.REGEL}'
WHERE s.slutdato IS NULL OR s.slutdato >= s.startdato
"""

SELECTS = {"harmoniseret.skole_elever": ELEVER_SQL, "harmoniseret.udsatte_foranstaltninger": FORANSTALTNINGER_SQL}


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    common.ensure_all(con)
    create_tables_like(con, SELECTS)
    return replace_periods(con, SELECTS, months)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["harmoniseret", "skole_elever"], deps=[dg.AssetKey(["dsa", "skole"])], group_name="harmoniseret",
                     kinds={"duckdb"}, metadata={"dagster/table_name": "harmoniseret.skole_elever"},
                     description="Eleverne ved periodens udgang pr. skolekommune: klassetrin, undervisningstilbud og "
                     "fravær (kommunespecifik)."),
        dg.AssetSpec(["harmoniseret", "udsatte_foranstaltninger"], deps=[dg.AssetKey(["dsa", "udsatte"])],
                     group_name="harmoniseret", kinds={"duckdb"},
                     metadata={"dagster/table_name": "harmoniseret.udsatte_foranstaltninger"},
                     description="Foranstaltningerne efter Serviceloven pr. periode, og om de er åbne på periodens "
                     "sidste dag (kommunespecifik)."),
    ],
    **partitions.MAANEDLIG,
)
def skole_udsatte_harmoniseret(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build(con, months)
        meta = perioder_metadata(con, SELECTS, months)
    for t in ("harmoniseret.skole_elever", "harmoniseret.udsatte_foranstaltninger"):
        yield dg.MaterializeResult(asset_key=t.split("."), metadata={"raekker": counts.get(t, 0), **meta[t]})
