"""noegletal.kube: the central key figures per kommune, region and Danmark, with discretion.

Each figure is a row of `kodelister/noegletal.csv`: a numerator and a denominator, each a
measure (`helaarsmodtagere`, `udgifter`, `befolkning_18_64`) over a set of ydelser (`*` = every
ydelse of the kontoplan bridge), and a factor. A region or the country is Σ numerators ÷
Σ denominators. The figure's individuals are the unique recipients behind its
helårsmodtagere; a figure with discretion shows no value, numerator, denominator or count when
they number fewer than five (primary suppression). Expense figures per 18-64-årig rest on
accounts and are always shown.
"""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions
from flis_assets.defs.noegletal import koblede
from flis_assets.resources import ensure_schemas, replace_periods

MIN_INDIVIDER = 5

DDL = """CREATE TABLE IF NOT EXISTS noegletal.kube (
    periode DATE NOT NULL, niveau VARCHAR NOT NULL, omraade VARCHAR NOT NULL, noegletal_id VARCHAR NOT NULL,
    vaerdi DOUBLE, taeller DOUBLE, naevner DOUBLE, individer BIGINT,
    diskretioneret BOOLEAN NOT NULL, diskretion_aarsag VARCHAR
)"""


def _ydelser(spec: str) -> str:
    if spec == "*":
        return "(SELECT DISTINCT ydelseskode FROM kodelister.kontoplan_bro)"
    return "(" + ", ".join(f"'{y}'" for y in spec.split(",")) + ")"


def measure_sql(maal: str, ydelser: str, fra: str = "$fra", til: str = "$til") -> str:
    """One measure per period and kommune: columns periode, kommunekode, v."""
    if maal == "helaarsmodtagere":
        return (f"SELECT periode, handlekommune AS kommunekode, sum(helaarsmodtagere) AS v FROM datamart.vh_benchmark "
                f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_ydelser(ydelser)} GROUP BY ALL")
    if maal == "udgifter":
        return (f"SELECT periode, kommunekode, sum(udgifter) AS v FROM datamart.vh_udgifter "
                f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_ydelser(ydelser)} GROUP BY ALL")
    if maal == "befolkning_18_64":
        return (f"SELECT periode, kommunekode, antal_18_64::DOUBLE AS v FROM datamart.befolkning "
                f"WHERE periode BETWEEN {fra} AND {til}")
    raise ValueError(f"ukendt mål {maal} i noegletal.csv")


def figure_sql(f: dict) -> str:
    """Every level of one figure for the periods $fra..$til, before discretion."""
    helaar = (f["taeller_ydelser"] if f["taeller_maal"] == "helaarsmodtagere"
              else f["naevner_ydelser"] if f["naevner_maal"] == "helaarsmodtagere" else None)
    individer = (
        f"""SELECT h.periode, h.cpr, h.handlekommune AS kommunekode, km.region FROM harmoniseret.vh_ydelser h
            JOIN kodelister.kommuner km ON km.kommunekode = h.handlekommune
            WHERE h.periode BETWEEN $fra AND $til AND NOT h.slettes_af_dst AND h.ydelseskode IN {_ydelser(helaar)}"""
        if helaar else
        "SELECT NULL::DATE AS periode, NULL::VARCHAR AS cpr, NULL::INTEGER AS kommunekode, NULL AS region WHERE false"
    )
    return f"""
    WITH t AS ({measure_sql(f["taeller_maal"], f["taeller_ydelser"])}),
    n AS ({measure_sql(f["naevner_maal"], f["naevner_ydelser"])}),
    i AS ({individer}),
    k AS (
        SELECT periode, kommunekode, km.region, t.v AS taeller, n.v AS naevner
        FROM (SELECT periode, kommunekode FROM t UNION SELECT periode, kommunekode FROM n) p
        JOIN kodelister.kommuner km USING (kommunekode)
        LEFT JOIN t USING (periode, kommunekode) LEFT JOIN n USING (periode, kommunekode)
    ),
    niveauer AS (
        SELECT periode, 'kommune' AS niveau, lpad(kommunekode::VARCHAR, 3, '0') AS omraade, taeller, naevner,
            coalesce(ik.individer, 0) AS individer
        FROM k LEFT JOIN (SELECT periode, kommunekode, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) ik
            USING (periode, kommunekode)
        UNION ALL
        SELECT periode, 'region', region, taeller, naevner, coalesce(ir.individer, 0)
        FROM (SELECT periode, region, sum(taeller) AS taeller, sum(naevner) AS naevner FROM k GROUP BY ALL) kr
        LEFT JOIN (SELECT periode, region, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) ir
            USING (periode, region)
        UNION ALL
        SELECT periode, 'land', 'Danmark', taeller, naevner, coalesce(il.individer, 0)
        FROM (SELECT periode, sum(taeller) AS taeller, sum(naevner) AS naevner FROM k GROUP BY ALL) kl
        LEFT JOIN (SELECT periode, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) il USING (periode)
    )
    SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id,
        {f["faktor"]} * taeller / nullif(naevner, 0) AS vaerdi, taeller, naevner,
        {"individer" if helaar else "NULL::BIGINT"} AS individer
    FROM niveauer
    """


def _suppressed(figure: str, diskretion: bool) -> str:
    """Primary discretion: fewer than five individuals withholds value, numerator, denominator and count."""
    suppress = f"{str(diskretion).lower()} AND coalesce(individer, 0) < {MIN_INDIVIDER}"
    return f"""
        SELECT periode, niveau, omraade, noegletal_id,
            CASE WHEN {suppress} THEN NULL ELSE vaerdi END AS vaerdi,
            CASE WHEN {suppress} THEN NULL ELSE taeller END AS taeller,
            CASE WHEN {suppress} THEN NULL ELSE naevner END AS naevner,
            CASE WHEN {suppress} THEN NULL ELSE individer END AS individer,
            {suppress} AS diskretioneret,
            CASE WHEN {suppress} THEN 'primaer' END AS diskretion_aarsag
        FROM ({figure}) x"""


def cube_sql() -> str:
    parts = [_suppressed(figure_sql(f), f["diskretion"]) for f in kodelister.load("noegletal").iter_rows(named=True)]
    parts += [_suppressed(koblede.figure_sql(f), True) for f in koblede.figures()]
    return " UNION ALL ".join(parts)


def populations_sql() -> str:
    suppress = f"coalesce(individer, 0) < {MIN_INDIVIDER}"
    return " UNION ALL ".join(
        f"""SELECT periode, niveau, omraade, noegletal_id, population,
                CASE WHEN {suppress} THEN NULL ELSE antal END AS antal, {suppress} AS diskretioneret,
                CASE WHEN {suppress} THEN 'primaer' END AS diskretion_aarsag
            FROM ({koblede.populations_sql(f)})"""
        for f in koblede.linked()
    )


POPULATIONER_DDL = """CREATE TABLE IF NOT EXISTS noegletal.koblede_populationer (
    periode DATE NOT NULL, niveau VARCHAR NOT NULL, omraade VARCHAR NOT NULL, noegletal_id VARCHAR NOT NULL,
    population VARCHAR NOT NULL, antal DOUBLE, diskretioneret BOOLEAN NOT NULL, diskretion_aarsag VARCHAR
)"""


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    con.execute(DDL)
    con.execute(POPULATIONER_DDL)
    return replace_periods(con, {"noegletal.kube": cube_sql(), "noegletal.koblede_populationer": populations_sql()},
                           months)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["noegletal", "kube"], group_name="noegletal", kinds={"duckdb"},
            deps=[*(dg.AssetKey(["datamart", t]) for t in ("vh_benchmark", "vh_udgifter", "befolkning")),
                  dg.AssetKey(["harmoniseret", "skole_elever"]), dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])],
            description="De centrale og de koblede nøgletal pr. kommune, region og hele landet med tællere, nævnere "
            "og individer; diskretion: færre end fem individer vises ikke.",
            metadata={"dagster/table_name": "noegletal.kube"},
        ),
        dg.AssetSpec(
            ["noegletal", "koblede_populationer"], group_name="noegletal", kinds={"duckdb"},
            deps=[dg.AssetKey(["harmoniseret", "skole_elever"]), dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])],
            description="De fire populationer bag hvert koblet nøgletal, hver talt i sit eget område (aldrig "
            "fællesmængderne), med diskretion.",
            metadata={"dagster/table_name": "noegletal.koblede_populationer"},
        ),
    ],
    **partitions.MAANEDLIG,
)
def kube(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        counts = build(con, partitions.window_months(context))
    for t in ("kube", "koblede_populationer"):
        yield dg.MaterializeResult(asset_key=["noegletal", t], metadata={"raekker": counts.get(f"noegletal.{t}", 0)})
