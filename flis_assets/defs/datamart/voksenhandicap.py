"""datamart: Voksenhandicap across kommuner with DST's corrections applied, and no CPR numbers.

Lines a rule deletes (dst_handling Slettes) are left out; the death date ends open lines
(Ændres, already in `dage_i_periode`); marked lines count. Full-time recipients are the days a
line covers in the period over the days of the period: a month in the monthly tables, and a
quarter or the year to date in `vh_dimensioner` (computed through the partition's month).
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.defs.harmoniseret.voksenhandicap import kvartal
from flis_assets.resources import ensure_schemas, replace_windows

DDL = [
    """CREATE TABLE IF NOT EXISTS datamart.vh_benchmark (
        periode DATE NOT NULL, handlekommune INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL,
        unikke_modtagere BIGINT NOT NULL, helaarsmodtagere DOUBLE NOT NULL, godkendt_dst VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS datamart.vh_dimensioner (
        periode DATE NOT NULL, tidsenhed VARCHAR NOT NULL, fra DATE NOT NULL, til DATE NOT NULL,
        handlekommune INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL, dimension VARCHAR NOT NULL,
        vaerdi VARCHAR NOT NULL, unikke_modtagere BIGINT NOT NULL, helaarsmodtagere DOUBLE NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS datamart.vh_udgifter (
        periode DATE NOT NULL, kommunekode INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL, udgifter DOUBLE NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS datamart.befolkning (
        periode DATE NOT NULL, kommunekode INTEGER NOT NULL, antal_18_64 BIGINT NOT NULL, antal_i_alt BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS datamart.vh_hand07_afstemning (
        periode DATE NOT NULL, kvartal VARCHAR NOT NULL, kommunekode INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL,
        flis BIGINT NOT NULL, hand07 BIGINT, difference BIGINT)""",
]

BEVARET = "SELECT * FROM harmoniseret.vh_ydelser WHERE periode BETWEEN $fra AND $periode AND NOT slettes_af_dst"

BENCHMARK_SQL = """
SELECT periode, handlekommune, ydelseskode, count(DISTINCT cpr) AS unikke_modtagere,
    sum(dage_i_periode) / (date_diff('day', $periode, $slut) + 1) AS helaarsmodtagere,
    any_value(godkendt_dst) AS godkendt_dst
FROM harmoniseret.vh_ydelser WHERE periode = $periode AND NOT slettes_af_dst AND ydelseskode IS NOT NULL
GROUP BY ALL
"""

# Each dimension value a line counts under; a line with two målgrupper counts under both.
DIMENSIONER = {
    "i_alt": "'i alt'",
    "maalgruppe": "trim(unnest(string_split(maalgrupper, ',')))",
    "aldersgruppe": "coalesce(aldersgruppe, 'Ukendt')",
    "koen": "coalesce(koen, 'Ukendt')",
    "funktionsvurdering": "coalesce(funktionsvurdering, 'Ukendt')",
    "opholdssted": "coalesce(opholdssted, 'Ukendt')",
    "betalingskommune": "lpad(betalingskommune::VARCHAR, 3, '0')",
}

DIMENSIONER_SQL = f"""
WITH h AS ({BEVARET}),
d AS (
    {" UNION ALL ".join(
        f"SELECT cpr, handlekommune, ydelseskode, dage_i_periode, '{navn}' AS dimension, {udtryk} AS vaerdi FROM h"
        for navn, udtryk in DIMENSIONER.items())}
    UNION ALL
    SELECT DISTINCT h.cpr, h.handlekommune, h.ydelseskode, h.dage_i_periode, 'hovedgruppe', m.hovedgruppe
    FROM (SELECT *, trim(unnest(string_split(maalgrupper, ','))) AS kode FROM h) h
    JOIN kodelister.maalgrupper m ON m.maalgruppekode = h.kode
)
SELECT $periode::DATE AS periode, $tidsenhed AS tidsenhed, $fra::DATE AS fra, $slut::DATE AS til,
    handlekommune, ydelseskode, dimension, vaerdi, count(DISTINCT cpr) AS unikke_modtagere,
    sum(dage_i_periode) / (date_diff('day', $fra, $slut) + 1) AS helaarsmodtagere
FROM d GROUP BY ALL
"""

UDGIFTER_SQL = """
SELECT o.periode, o.kommunekode, b.ydelseskode, sum(o.beloeb)::DOUBLE AS udgifter
FROM dsa.oekonomi o
JOIN kodelister.kontoplan_bro b
  ON b.dranst = o.dranst::INTEGER AND b.hovedkonto = o.hovedkonto::INTEGER
 AND b.hovedfunktion = o.hovedfunktion::INTEGER AND b.funktion = o.funktion::INTEGER
 AND b.gruppering = o.gruppering::INTEGER
WHERE o.indlaesningsmaaned = (SELECT max(indlaesningsmaaned) FROM dsa.oekonomi)
  AND o.periode = $periode AND o.hovedart <> '0'
GROUP BY ALL
"""

# Residents at the end of the period by the register as known then; the newest register says
# who had died by then.
BEFOLKNING_SQL = """
WITH r AS (SELECT * FROM dsa.cpr_register($periode) WHERE bopaelskommune IS NOT NULL),
doede AS (SELECT cpr FROM dsa.cpr_register(DATE '9999-12-31') WHERE doedsdato <= $slut),
a AS (
    SELECT bopaelskommune AS kommunekode, date_diff('year', foedselsdato, $slut)
        - CASE WHEN strftime(foedselsdato, '%m%d') > strftime($slut, '%m%d') THEN 1 ELSE 0 END AS alder
    FROM r ANTI JOIN doede USING (cpr) WHERE foedselsdato <= $slut
)
SELECT $periode::DATE AS periode, kommunekode, count(*) FILTER (WHERE alder BETWEEN 18 AND 64) AS antal_18_64,
    count(*) AS antal_i_alt
FROM a GROUP BY ALL
"""

HAND07_SQL = """
WITH flis AS (
    SELECT handlekommune AS kommunekode, ydelseskode, count(DISTINCT cpr) AS flis
    FROM harmoniseret.vh_ydelser
    WHERE periode BETWEEN $fra AND $periode AND NOT slettes_af_dst AND godkendt_dst = 'Ja'
    GROUP BY ALL
),
h AS (SELECT kommunekode, ydelseskode, hand07 FROM referencedata.hand07 WHERE kvartal = $kvartal)
SELECT $periode::DATE AS periode, $kvartal AS kvartal, kommunekode, ydelseskode,
    coalesce(flis.flis, 0) AS flis, h.hand07, coalesce(flis.flis, 0) - h.hand07 AS difference
FROM flis FULL OUTER JOIN h USING (kommunekode, ydelseskode)
"""

TIDSENHEDER = {  # tidsenhed -> first month of the window ending with the partition's month
    "maaned": lambda p: p,
    "kvartal": lambda p: date(p.year, (p.month - 1) // 3 * 3 + 1, 1),
    "aar_til_dato": lambda p: date(p.year, 1, 1),
}


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    for ddl in DDL:
        con.execute(ddl)
    counts = {}
    for p in months:
        slut = partitions.add_months(p, 1) - date.resolution
        params = {"periode": p, "slut": slut, "fra": p}
        selects = {
            "datamart.vh_benchmark": BENCHMARK_SQL,
            "datamart.vh_udgifter": UDGIFTER_SQL,
            "datamart.befolkning": BEFOLKNING_SQL,
        }
        got = replace_windows(con, selects, "periode", p, partitions.add_months(p, 1), params)
        # the dimension table holds the month, the quarter and the year to date through p
        dims = " UNION ALL ".join(
            "SELECT * FROM (" + DIMENSIONER_SQL.replace("$tidsenhed", f"'{t}'").replace("$fra", f"DATE '{start(p)}'") + ")"
            for t, start in TIDSENHEDER.items()
        )
        replace_windows(con, {"datamart.vh_dimensioner": dims}, "periode", p, partitions.add_months(p, 1), params)
        quarter_end = p.month % 3 == 0
        hand07 = HAND07_SQL if quarter_end else "SELECT * FROM datamart.vh_hand07_afstemning WHERE false"
        replace_windows(con, {"datamart.vh_hand07_afstemning": hand07}, "periode", p, partitions.add_months(p, 1),
                        {**params, "fra": TIDSENHEDER["kvartal"](p), "kvartal": kvartal(p)})
        counts[f"{p:%Y-%m}"] = got["datamart.vh_benchmark"]
    return counts


TABLES = ["vh_benchmark", "vh_dimensioner", "vh_udgifter", "befolkning", "vh_hand07_afstemning"]
DESCRIPTIONS = {
    "vh_benchmark": "Unikke modtagere og helårsmodtagere pr. periode, handlekommune og ydelse, DST's rettelser "
    "anvendt (bliver i FLIS: præcise tal).",
    "vh_dimensioner": "Modtagere fordelt på målgruppe, hovedgruppe, aldersgruppe, køn, funktionsvurdering, "
    "opholdssted og betalingskommune, for måneden, kvartalet og året til dato.",
    "vh_udgifter": "Udgifter pr. periode, kommune og ydelse gennem broen til kontoplanen (drift, hovedart ikke 0).",
    "befolkning": "Indbyggere i alt og 18-64-årige ved periodens udgang pr. kommune (CPR).",
    "vh_hand07_afstemning": "FLIS' unikke modtagere (godkendte data) mod Statistikbankens HAND07 pr. kvartal.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["datamart", t], group_name="datamart", kinds={"duckdb"}, description=DESCRIPTIONS[t],
            metadata={"dagster/table_name": f"datamart.{t}"},
            deps=[dg.AssetKey(["harmoniseret", "vh_ydelser"]), dg.AssetKey(["dsa", "oekonomi"]),
                  dg.AssetKey(["dsa", "cpr"]), dg.AssetKey(["referencedata", "hand07"])],
        )
        for t in TABLES
    ],
    partitions_def=partitions.maaned,
    backfill_policy=partitions.single_run,
    pool="duckdb",
)
def vh_datamart(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        counts = build(con, partitions.window_months(context))
    for t in TABLES:
        yield dg.MaterializeResult(
            asset_key=["datamart", t],
            metadata={"raekker_pr_periode": dg.MetadataValue.json(counts)} if t == "vh_benchmark" else None,
        )
