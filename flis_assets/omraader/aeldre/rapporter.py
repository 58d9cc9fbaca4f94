"""Ældre's harmonisation report (harmoniseringsregelrapport, as Voksenhandicap's): per kommune,
month, rule and DST action, the unique citizens and lines hit. Counts only: the citizens
themselves stay in the kommune-specific `harmoniseret.aeldre_opmaerkninger` (no CPR number in
the report table or in the Dagster UI).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks.factory import markdown
from flis_assets.resources import create_tables_like, ensure_schemas, perioder_metadata, query_pl, replace_periods

TABEL = "rapporter.aeldre_harmoniseringsregelrapport"
REGELRAPPORT_SQL = """
SELECT periode, kommunekode, regel, dst_handling, count(DISTINCT cpr) AS unikke_borgere, count(*) AS linjer
FROM harmoniseret.aeldre_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL
"""

# The UI's summary: the whole country per month and rule (the sum over kommuner of their citizens).
OVERSIGT_SQL = f"""
SELECT strftime(periode, '%Y-%m') AS maaned, regel, dst_handling, count(DISTINCT kommunekode) AS kommuner,
    sum(unikke_borgere)::BIGINT AS borgere, sum(linjer)::BIGINT AS linjer
FROM {TABEL} WHERE periode BETWEEN ? AND ? GROUP BY ALL ORDER BY maaned DESC, regel LIMIT 96
"""


@dg.asset(
    key=["rapporter", "aeldre_harmoniseringsregelrapport"],
    deps=[dg.AssetKey(["harmoniseret", "aeldre_opmaerkninger"])],
    description="Harmoniseringsregelrapporten for Ældre: unikke borgere og linjer ramt af hver regel og DST-handling "
    "pr. kommune og måned (rapporter.aeldre_harmoniseringsregelrapport; borgerne selv kun i kommunens harmoniserede data).",
    metadata={"dagster/table_name": TABEL},
    **partitions.MAANEDLIG, group_name="rapporter", kinds={"duckdb"},
)
def aeldre_harmoniseringsregelrapport(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    months = partitions.window_months(context)
    selects = {TABEL: REGELRAPPORT_SQL}
    with duckdb.get_connection() as con:
        ensure_schemas(con)
        create_tables_like(con, selects)
        replace_periods(con, selects, months)
        meta = perioder_metadata(con, selects, months)[TABEL]
        oversigt = query_pl(con, OVERSIGT_SQL, [min(months), max(months)])
    return dg.MaterializeResult(metadata={
        "rapport": dg.MetadataValue.md(
            "### Borgere ramt af harmoniseringsreglerne for Ældre (hele landet, summen af kommunerne)\n\n"
            + (markdown(oversigt) if oversigt.height else "Ingen linjer ramt i perioden.")),
        **meta,
    })


assets = [aeldre_harmoniseringsregelrapport]
