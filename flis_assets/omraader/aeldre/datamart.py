"""datamart: Ældre across kommuner with DST's corrections applied, and no CPR numbers (aeldre.md).

Lines a rule deletes (dst_handling Slettes) are left out; a line ends at its alternative slutdato
where DST changes it (the death date), else at its slutdato; marked lines count. A care-home line
(PLEJEBOLIG, PLEJEHJEM) counts its citizen as a resident from the startdato, and as waiting
before it. A hjemmehjælp line (lasting personlig pleje or praktisk hjælp in the own home) counts
only on the days outside a begun care-home stay of the same citizen
(HJEMMEHJAELP_I_PLEJEBOLIG marks it in harmoniseret; the exclusion happens here).

`grundlag` holds the fragments the benchmark, the AED06 reconciliation and the key-figure
measures (`maal.py`) share, so each counts the same citizens.
"""

from datetime import date

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions
from flis_assets.defs.datamart import afstemning
from flis_assets.defs.noegletal import praecision
from flis_assets.omraader.aeldre import harmoniseret
from flis_assets.resources import ensure_schemas, perioder_metadata, replace_periods

HARMONISERET = dg.AssetKey(["harmoniseret", "aeldre_indsatser"])

INDSATSER_DDL = harmoniseret.INDSATSER_DDL  # the table this datamart reads (its tests create it)

DDL = [
    """CREATE TABLE IF NOT EXISTS datamart.aeldre_benchmark (
        periode DATE NOT NULL, kommunekode INTEGER NOT NULL, indsatstype VARCHAR NOT NULL,
        modtagere BIGINT NOT NULL, hjemmehjaelp_modtagere BIGINT, ventende BIGINT,
        modtagere_i_perioden BIGINT NOT NULL, visiterede_timer DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS datamart.aeldre_aed06_afstemning (
        periode DATE NOT NULL, kvartal VARCHAR NOT NULL, kommunekode INTEGER NOT NULL, ydelsestype VARCHAR NOT NULL,
        flis BIGINT NOT NULL, aed06 BIGINT, difference BIGINT)""",
]

# Visited hours are summed as exact decimals, so a sum does not depend on DuckDB's order of summation.
TIMER_DECIMALER = 6
TIMER = praecision.eksakt("timer_pr_uge", TIMER_DECIMALER)

GYLDIG_SIDSTE_DAG = "startdato <= sidste_dag AND (slut IS NULL OR slut >= sidste_dag)"
GYLDIG_I_PERIODEN = "startdato <= sidste_dag AND (slut IS NULL OR slut >= periode)"
VENTER_SIDSTE_DAG = ("plejebolig AND coalesce(alternativ_visitationsdato, visitationsdato) <= sidste_dag "
                     "AND (startdato IS NULL OR startdato > sidste_dag) AND (slut IS NULL OR slut >= sidste_dag)")


def grundlag(fra: str = "$fra", til: str = "$til") -> str:
    """The opening CTEs over the harmonised periods fra..til (SQL expressions), after DST's deletions:

    - `l`: every line, with its end `slut` and its period's last day `sidste_dag`;
    - `ophold`: the begun care-home stays (periode, cpr, fra, til; til NULL = open);
    - `hjemmehjaelp`: the hjemmehjælp lines of the periods with `paa_sidste_dag` and `i_perioden`,
      as the harmonisation computed them once per period (harmoniseret.aeldre_hjemmehjaelp,
      `harmoniseret.HJEMMEHJAELP_SELECT`): every measure, the benchmark and AED06 read the same rows."""
    return f"""WITH {harmoniseret.linjer_og_ophold(fra, til)},
{HJEMMEHJAELP.format(fra=fra, til=til)}"""


HJEMMEHJAELP = "hjemmehjaelp AS (SELECT * FROM harmoniseret.aeldre_hjemmehjaelp WHERE periode BETWEEN {fra} AND {til})"


def hjemmehjaelp(fra: str = "$fra", til: str = "$til") -> str:
    """The opening CTE `hjemmehjaelp` alone (see `grundlag`), for SQL that reads no other line: a
    CTE the query never reads is never bound, so a table it names could be missing unnoticed."""
    return "WITH " + HJEMMEHJAELP.format(fra=fra, til=til)


def kommuner_sql(fra: str = "$fra", til: str = "$til") -> str:
    """(periode, kommunekode) of every kommune with Ældre lines in the periods, deleted or not: it delivered."""
    return (f"SELECT DISTINCT periode, kommunekode FROM harmoniseret.aeldre_indsatser "
            f"WHERE periode BETWEEN {fra} AND {til}")


# Per period, kommune and indsatstype. Care-home types count residents (from the startdato) and
# waiting citizens apart; the hjemmehjælp columns only for the types that can be hjemmehjælp, the
# waiting only for care-home types (NULL for the rest: not applicable, not zero).
BENCHMARK_SQL = grundlag() + f""",
typer AS (
    SELECT periode, kommunekode, indsatstype,
        count(DISTINCT cpr) FILTER (WHERE {GYLDIG_SIDSTE_DAG}) AS modtagere,
        count(DISTINCT cpr) FILTER (WHERE {VENTER_SIDSTE_DAG}) AS ventende,
        count(DISTINCT cpr) FILTER (WHERE {GYLDIG_I_PERIODEN}) AS modtagere_i_perioden
    FROM l GROUP BY ALL
),
h AS (
    SELECT periode, kommunekode, indsatstype,
        count(DISTINCT cpr) FILTER (WHERE paa_sidste_dag) AS hjemmehjaelp_modtagere,
        sum({TIMER}) FILTER (WHERE paa_sidste_dag) AS visiterede_timer
    FROM hjemmehjaelp GROUP BY ALL
)
SELECT t.periode, t.kommunekode, t.indsatstype, t.modtagere,
    CASE WHEN list_contains($hjemmehjaelpstyper, t.indsatstype) THEN coalesce(h.hjemmehjaelp_modtagere, 0) END
        AS hjemmehjaelp_modtagere,
    CASE WHEN list_contains($plejeboligtyper, t.indsatstype) THEN t.ventende END AS ventende,
    t.modtagere_i_perioden,
    CASE WHEN list_contains($hjemmehjaelpstyper, t.indsatstype) THEN coalesce(h.visiterede_timer, 0)::DOUBLE END
        AS visiterede_timer
FROM typer t LEFT JOIN h USING (periode, kommunekode, indsatstype)
"""

# Per quarter ending in the window whose three months are materialised ($materialiseret): the
# unique citizens with hjemmehjælp of the type on some day of the quarter outside a care-home
# stay, against Statistikbanken's AED06. A kommune missing on either side is a difference too.
AED06_SQL = hjemmehjaelp(fra="date_trunc('quarter', $fra::DATE)::DATE") + ",\n" + afstemning.sammenligning(
    afstemning.kvartaler(afstemning.TRE_MAANEDER_MATERIALISERET),
    """SELECT k.periode, k.kvartal, h.kommunekode, h.indsatstype AS ydelsestype, count(DISTINCT h.cpr) AS flis
    FROM kvartaler k JOIN hjemmehjaelp h ON h.periode BETWEEN k.fra AND k.periode
    WHERE h.i_perioden GROUP BY ALL""",
    "aed06", ["kommunekode", "ydelsestype"],
)

SELECTS = {
    "datamart.aeldre_benchmark": BENCHMARK_SQL,
    "datamart.aeldre_aed06_afstemning": AED06_SQL,
}


def indsatstyper() -> pl.DataFrame:
    """The area's code list of indsatser (kodelister/aeldre_indsatser.csv): which types can be
    hjemmehjælp and which are care homes (their yes/no columns BOOLEAN, as the loader types them)."""
    return kodelister.load("aeldre_indsatser")


def typeparametre() -> dict[str, list[str]]:
    t = indsatstyper()
    return {"hjemmehjaelpstyper": t.filter("hjemmehjaelp")["indsatstype"].to_list(),
            "plejeboligtyper": t.filter("plejebolig")["indsatstype"].to_list()}


def build(con: duckdb.DuckDBPyConnection, months: list[date], materialiseret: list[date]) -> dict[str, int]:
    """Replace the periods `months`; `materialiseret` are the months of harmoniseret.aeldre_indsatser
    that are materialised (a quarter is reconciled only when all three are)."""
    ensure_schemas(con)
    for ddl in DDL:
        con.execute(ddl)
    return replace_periods(con, SELECTS, months, {**typeparametre(), "materialiseret": sorted(materialiseret)})


TABLES = ["aeldre_benchmark", "aeldre_aed06_afstemning"]
DESCRIPTIONS = {
    "aeldre_benchmark": "Modtagere pr. periode, kommune og indsatstype på periodens sidste dag og i perioden, "
    "modtagere af hjemmehjælp og deres visiterede timer (uden for plejeboligophold), ventende på plejebolig; "
    "DST's rettelser anvendt, plejeboligtyper tæller kun beboere (bliver i FLIS: præcise tal).",
    "aeldre_aed06_afstemning": "FLIS' unikke modtagere af varig hjemmehjælp i eget hjem pr. kvartal, kommune og "
    "ydelsestype mod Statistikbankens AED06 (kvartaler, hvis tre måneder er materialiseret).",
}


def materialiserede_maaneder(instance: dg.DagsterInstance) -> list[date]:
    """The months of harmoniseret.aeldre_indsatser materialised so far (this run's included: the
    harmonisation runs before the datamart)."""
    return [date.fromisoformat(p) for p in instance.get_materialized_partitions(HARMONISERET)]


@dg.multi_asset(
    name="datamart_aeldre",
    specs=[
        dg.AssetSpec(
            ["datamart", t], group_name="datamart", kinds={"duckdb"}, description=DESCRIPTIONS[t],
            metadata={"dagster/table_name": f"datamart.{t}"},
            deps=[HARMONISERET] + ([dg.AssetKey(["referencedata", "aed06"])] if t == "aeldre_aed06_afstemning" else []),
        )
        for t in TABLES
    ],
    **partitions.MAANEDLIG,
)
def aeldre_datamart(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    months = partitions.window_months(context)
    materialiseret = materialiserede_maaneder(context.instance)
    with duckdb.get_connection() as con:
        counts = build(con, months, materialiseret)
        meta = perioder_metadata(con, SELECTS, months)
    for t in TABLES:
        yield dg.MaterializeResult(asset_key=["datamart", t],
                                   metadata={"raekker": counts.get(f"datamart.{t}", 0), **meta[f"datamart.{t}"]})


assets = [aeldre_datamart]
