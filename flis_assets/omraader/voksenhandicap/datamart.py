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
from flis_assets.defs.datamart import afstemning
from flis_assets.defs.dsa import common
from flis_assets.resources import ensure_schemas, perioder_metadata, replace_periods

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
    """CREATE TABLE IF NOT EXISTS datamart.vh_hand07_afstemning (
        periode DATE NOT NULL, kvartal VARCHAR NOT NULL, kommunekode INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL,
        flis BIGINT NOT NULL, hand07 BIGINT, difference BIGINT)""",
]

MAANEDER = "SELECT unnest(generate_series($fra::DATE, $til::DATE, INTERVAL 1 MONTH))::DATE AS periode"
DAGE = "(date_diff('day', {fra}, last_day({til})) + 1)"  # days from the first of `fra` through `til`'s month

BENCHMARK_SQL = f"""
SELECT periode, handlekommune, ydelseskode, count(DISTINCT cpr) AS unikke_modtagere,
    sum(dage_i_periode) / any_value({DAGE.format(fra="periode", til="periode")}) AS helaarsmodtagere,
    any_value(godkendt_dst) AS godkendt_dst
FROM harmoniseret.vh_ydelser
WHERE periode BETWEEN $fra AND $til AND NOT slettes_af_dst AND ydelseskode IS NOT NULL
GROUP BY ALL
"""

# Each dimension value a line counts under; a line with two målgrupper counts under both, and under
# each distinct hovedgruppe of its målgrupper once (2.1 and 2.3 are both Psykisk handicap).
DIMENSIONER = {
    "i_alt": "'i alt'",
    "maalgruppe": "trim(unnest(string_split(maalgrupper, ',')))",
    "hovedgruppe": "unnest(list_distinct(list_transform("
        "string_split(maalgrupper, ','), lambda k: hovedgrupper[trim(k)])))",
    "aldersgruppe": "coalesce(aldersgruppe, 'Ukendt')",
    "koen": "coalesce(koen, 'Ukendt')",
    "funktionsvurdering": "coalesce(funktionsvurdering, 'Ukendt')",
    "opholdssted": "coalesce(opholdssted, 'Ukendt')",
    "betalingskommune": "lpad(betalingskommune::VARCHAR, 3, '0')",
}

# Each partition month p holds three windows ending with it: the month, the quarter and the year.
START = {"maaned": "{m}", "kvartal": "date_trunc('quarter', {m})::DATE", "aar_til_dato": "date_trunc('year', {m})::DATE"}
VINDUER = " UNION ALL ".join(f"SELECT periode, '{w}' AS tidsenhed, {s.format(m='periode')} AS fra FROM ({MAANEDER})"
                             for w, s in START.items())
NOEGLE = "handlekommune, ydelseskode, dimension, vaerdi"

# A window's figures are running sums over its months, so every line is read once, not once per
# window holding it: a recipient adds to the count in its first month in the window, a month's
# days add to every window holding it. The first months come from month to quarter to year.
DIMENSIONER_SQL = f"""
WITH y AS (  -- the longest window ending in $fra..$til starts with the year of $fra
    SELECT * FROM harmoniseret.vh_ydelser,  -- with the målgruppe -> hovedgruppe map of the code list
        (SELECT map(list(maalgruppekode), list(hovedgruppe)) AS hovedgrupper FROM kodelister.vh_maalgrupper)
    WHERE periode BETWEEN date_trunc('year', $fra::DATE) AND $til AND NOT slettes_af_dst AND ydelseskode IS NOT NULL
),
d AS (  -- each line in its month under each dimension value it counts under
    {" UNION ALL ".join(
        f"SELECT periode, cpr, handlekommune, ydelseskode, dage_i_periode, '{navn}' AS dimension, "
        f"{udtryk} AS vaerdi FROM y"
        for navn, udtryk in DIMENSIONER.items())}
),
kvartal AS (  -- each recipient's first month in each quarter
    SELECT {NOEGLE}, cpr, {START["kvartal"].format(m="periode")} AS fra, min(periode) AS maaned
    FROM d GROUP BY ALL
),
aar AS (  -- and in each year
    SELECT {NOEGLE}, cpr, {START["aar_til_dato"].format(m="fra")} AS fra, min(maaned) AS maaned
    FROM kvartal GROUP BY ALL
),
maaned AS (SELECT {NOEGLE}, periode, count(DISTINCT cpr) AS modtagere, sum(dage_i_periode) AS dage FROM d GROUP BY ALL),
tilvaekst AS (  -- what each month adds to the window starting at fra: new recipients and days
    SELECT 'maaned' AS tidsenhed, periode AS fra, {NOEGLE}, periode AS maaned, modtagere AS nye, dage FROM maaned
    UNION ALL  -- the recipients a month adds to its quarter and year
    SELECT tidsenhed, fra, {NOEGLE}, maaned, count(*), 0
    FROM (SELECT 'kvartal' AS tidsenhed, * FROM kvartal UNION ALL SELECT 'aar_til_dato', * FROM aar) GROUP BY ALL
    UNION ALL  -- a month's days add to its quarter and year too
    SELECT w.tidsenhed, w.fra, {NOEGLE}, periode, 0, dage
    FROM maaned, (VALUES {", ".join(f"('{w}', {START[w].format(m='periode')})" for w in ("kvartal", "aar_til_dato"))}
        ) w(tidsenhed, fra)
)
SELECT periode, tidsenhed, fra, last_day(periode) AS til, {NOEGLE}, nye::BIGINT AS unikke_modtagere,
    dage / {DAGE.format(fra="fra", til="periode")} AS helaarsmodtagere
FROM (SELECT v.periode, tidsenhed, fra, {NOEGLE}, sum(nye) AS nye, sum(dage) AS dage
      FROM ({VINDUER}) v JOIN tilvaekst t USING (tidsenhed, fra) WHERE t.maaned <= v.periode
      GROUP BY v.periode, tidsenhed, fra, {NOEGLE})
"""

UDGIFTER_SQL = """
SELECT o.periode, o.kommunekode, b.ydelseskode, sum(o.beloeb)::DOUBLE AS udgifter
FROM dsa.oekonomi_bestand(DATE '9999-12-31') o
JOIN kodelister.vh_kontoplan_bro b
  ON b.dranst = o.dranst::INTEGER AND b.hovedkonto = o.hovedkonto::INTEGER
 AND b.hovedfunktion = o.hovedfunktion::INTEGER AND b.funktion = o.funktion::INTEGER
 AND b.gruppering = o.gruppering::INTEGER
WHERE o.periode BETWEEN $fra AND $til AND o.hovedart <> '0'
GROUP BY ALL
"""

# Per quarter ending in the window: the unique recipients in approved data, against HAND07.
HAND07_SQL = "WITH " + afstemning.sammenligning(
    afstemning.kvartaler(),
    """SELECT k.periode, k.kvartal, y.handlekommune AS kommunekode, y.ydelseskode, count(DISTINCT y.cpr) AS flis
    FROM kvartaler k JOIN harmoniseret.vh_ydelser y ON y.periode BETWEEN k.fra AND k.periode
    WHERE NOT y.slettes_af_dst AND y.godkendt_dst = 'Ja'
    GROUP BY ALL""",
    "hand07", ["kommunekode", "ydelseskode"],
)

SELECTS = {
    "datamart.vh_benchmark": BENCHMARK_SQL,
    "datamart.vh_dimensioner": DIMENSIONER_SQL,
    "datamart.vh_udgifter": UDGIFTER_SQL,
    "datamart.vh_hand07_afstemning": HAND07_SQL,
}


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    common.ensure_all(con)
    for ddl in DDL:
        con.execute(ddl)
    return replace_periods(con, SELECTS, months)


TABLES = ["vh_benchmark", "vh_dimensioner", "vh_udgifter", "vh_hand07_afstemning"]
DESCRIPTIONS = {
    "vh_benchmark": "Unikke modtagere og helårsmodtagere pr. periode, handlekommune og ydelse, DST's rettelser "
    "anvendt (bliver i FLIS: præcise tal).",
    "vh_dimensioner": "Modtagere fordelt på målgruppe, hovedgruppe, aldersgruppe, køn, funktionsvurdering, "
    "opholdssted og betalingskommune, for måneden, kvartalet og året til dato.",
    "vh_udgifter": "Udgifter pr. periode, kommune og ydelse gennem broen til kontoplanen (drift, hovedart ikke 0).",
    "vh_hand07_afstemning": "FLIS' unikke modtagere (godkendte data) mod Statistikbankens HAND07 pr. kvartal.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["datamart", t], group_name="datamart", kinds={"duckdb"}, description=DESCRIPTIONS[t],
            metadata={"dagster/table_name": f"datamart.{t}"},
            deps=[dg.AssetKey(["harmoniseret", "vh_ydelser"]), dg.AssetKey(["dsa", "oekonomi"]),
                  dg.AssetKey(["referencedata", "hand07"])],
        )
        for t in TABLES
    ],
    **partitions.MAANEDLIG,
)
def vh_datamart(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build(con, months)
        meta = perioder_metadata(con, SELECTS, months)
    for t in TABLES:
        yield dg.MaterializeResult(asset_key=["datamart", t],
                                   metadata={"raekker": counts.get(f"datamart.{t}", 0), **meta[f"datamart.{t}"]})
