"""datamart: pupils and measures across kommuner, aggregated, no CPR numbers.

Measures a rule deletes (dst_handling Slettes, e.g. UKENDT_KOMMUNEKODE) are left out, as in VH.
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.resources import create_tables_like, ensure_schemas, perioder_metadata, replace_periods

SELECTS = {
    "datamart.skole_elever": """
        SELECT periode, kommunekode, klassetrin, undervisningstilbud, count(DISTINCT cpr) AS elever,
            sum(fravaersdage) AS fravaersdage, sum(skoledage)::BIGINT AS skoledage
        FROM harmoniseret.skole_elever WHERE periode BETWEEN $fra AND $til GROUP BY ALL""",
    "datamart.udsatte_foranstaltninger": """
        SELECT periode, handlekommune, foranstaltningstype, paragraf,
            count(DISTINCT cpr) AS boern_aabne, count(*) AS foranstaltninger_aabne
        FROM harmoniseret.udsatte_foranstaltninger
        WHERE periode BETWEEN $fra AND $til AND aaben_sidste_dag AND NOT slettes_af_dst GROUP BY ALL""",
}


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    create_tables_like(con, SELECTS)
    return replace_periods(con, SELECTS, months)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["datamart", "skole_elever"], deps=[dg.AssetKey(["harmoniseret", "skole_elever"])],
                     group_name="datamart", kinds={"duckdb"}, metadata={"dagster/table_name": "datamart.skole_elever"},
                     description="Elever, fraværsdage og skoledage pr. periode, skolekommune, klassetrin og tilbud."),
        dg.AssetSpec(["datamart", "udsatte_foranstaltninger"],
                     deps=[dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])], group_name="datamart",
                     kinds={"duckdb"}, metadata={"dagster/table_name": "datamart.udsatte_foranstaltninger"},
                     description="Børn med en åben foranstaltning på periodens sidste dag pr. handlekommune, type "
                     "og paragraf."),
    ],
    **partitions.MAANEDLIG,
)
def skole_udsatte_datamart(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build(con, months)
        meta = perioder_metadata(con, SELECTS, months)
    for t in ("skole_elever", "udsatte_foranstaltninger"):
        yield dg.MaterializeResult(asset_key=["datamart", t],
                                   metadata={"raekker": counts.get(f"datamart.{t}", 0), **meta[f"datamart.{t}"]})
