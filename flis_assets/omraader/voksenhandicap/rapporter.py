"""The adult disability area's standard reports, readable in the Dagster UI and in the packages.

- Harmoniseringsregelrapport: per kommune and month, the unique citizens hit by each rule and
  DST action (kommune-specific: the citizens themselves go in the kommune's `vh_regelrapport`
  package only). A line with a kommune code that is no kommune counts for the kommune that
  delivered it (harmoniseret interprets it so), under FLIS's rule UKENDT_KOMMUNEKODE.
- Benchmark against HAND07: per kommune, ydelseskode and quarter, FLIS's unique recipients in
  the benchmark datamart (approved data only) beside HAND07's figure, with the difference.
"""

from datetime import date

import dagster as dg
import polars as pl
from duckdb import CatalogException
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks.factory import markdown
from flis_assets.resources import create_tables_like, ensure_schemas, perioder_metadata, query_pl, replace_periods

REGELRAPPORT_SQL = """
SELECT periode, handlekommune, regel, dst_handling, count(DISTINCT cpr) AS unikke_borgere, count(*) AS linjer
FROM harmoniseret.vh_opmaerkninger WHERE periode BETWEEN $fra AND $til GROUP BY ALL
"""

KW = dict(**partitions.MAANEDLIG, group_name="rapporter", kinds={"duckdb"})


def _window(context) -> tuple[date, date] | None:
    months = partitions.window_months(context)
    return (min(months), max(months)) if months else None


@dg.asset(
    key=["rapporter", "harmoniseringsregelrapport"],
    deps=[dg.AssetKey(["harmoniseret", "vh_opmaerkninger"])],
    description="Harmoniseringsregelrapporten: unikke borgere ramt af hver regel og DST-handling pr. kommune og "
    "måned (rapporter.harmoniseringsregelrapport); borgerne selv i kommunens pakke vh_regelrapport.",
    metadata={"dagster/table_name": "rapporter.harmoniseringsregelrapport"},
    **KW,
)
def harmoniseringsregelrapport(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    window = _window(context)
    with duckdb.get_connection() as con:
        ensure_schemas(con)
        selects = {"rapporter.harmoniseringsregelrapport": REGELRAPPORT_SQL}
        create_tables_like(con, selects)
        months = partitions.window_months(context)
        replace_periods(con, selects, months)
        meta = perioder_metadata(con, selects, months)["rapporter.harmoniseringsregelrapport"]
        summary = query_pl(con, """
            SELECT strftime(periode, '%Y-%m') AS maaned, regel, dst_handling, sum(unikke_borgere)::BIGINT AS borgere
            FROM rapporter.harmoniseringsregelrapport WHERE periode BETWEEN ? AND ?
            GROUP BY ALL ORDER BY maaned DESC, regel LIMIT 96""", [*window])
    return dg.MaterializeResult(metadata={
        "rapport": dg.MetadataValue.md(
            "### Borgere ramt af harmoniseringsreglerne (DST's og FLIS' egen UKENDT_KOMMUNEKODE; hele landet, "
            "summen af kommunerne)\n\n"
            + (markdown(summary) if summary.height else "Ingen linjer ramt i perioden.")),
        **meta,
    })


@dg.asset(
    key=["rapporter", "hand07_benchmark"],
    deps=[dg.AssetKey(["datamart", "vh_hand07_afstemning"])],
    description="Benchmark mod HAND07: FLIS' unikke modtagere (godkendte data) ved siden af Statistikbankens tal "
    "pr. kommune, ydelse og kvartal, med forskellen.",
    **KW,
)
def hand07_benchmark(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    window = _window(context)
    with duckdb.get_connection() as con:
        try:
            rows = query_pl(con, "SELECT kvartal, kommunekode, ydelseskode, flis, hand07, difference "
                                 "FROM datamart.vh_hand07_afstemning WHERE periode BETWEEN ? AND ?", [*window])
        except CatalogException:  # no quarter has been reconciled yet
            rows = pl.DataFrame()
    if not rows.height:
        return dg.MaterializeResult(metadata={"rapport": dg.MetadataValue.md("Intet helt kvartal i vinduet.")})
    per_kvartal = rows.group_by("kvartal").agg(
        pl.len().alias("celler"), (pl.col("difference") == 0).sum().alias("ens"),
        pl.col("difference").abs().sum().alias("sum_abs_forskel")).sort("kvartal")
    worst = rows.filter(pl.col("difference").fill_null(1) != 0).sort(
        pl.col("difference").abs(), descending=True, nulls_last=True).head(20)
    return dg.MaterializeResult(metadata={
        "rapport": dg.MetadataValue.md(
            "### FLIS mod HAND07 pr. kvartal\n\n" + markdown(per_kvartal)
            + "\n\n### Største forskelle\n\n" + (markdown(worst) if worst.height else "Ingen forskelle.")),
        "celler_med_forskel": int((rows["difference"].fill_null(1) != 0).sum()),
    })


assets = [harmoniseringsregelrapport, hand07_benchmark]
