"""noegletal.kube: the central key figures per kommune, region and Danmark, with discretion.

Each figure is a row of `kodelister/noegletal.csv`: a numerator and a denominator, each a
measure (`helaarsmodtagere`, `udgifter`, `befolkning_18_64`) over a set of ydelser (`*` = every
ydelse of the kontoplan bridge), and a factor. A region or the country is Σ numerators ÷
Σ denominators. The figure's individuals are the unique recipients behind its
helårsmodtagere; a figure with discretion shows no value, numerator, denominator or count when
they number fewer than five (primary suppression), nor when that could be worked out from the
rest of the table (secondary suppression, `diskretion.py`). Expense figures per 18-64-årig rest
on accounts and are always shown.
"""

from datetime import date
from functools import cache

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, partitions
from flis_assets.defs.noegletal import benchmark_diskretion, diskretion, koblede, praecision
from flis_assets.defs.noegletal.benchmark_diskretion import helaarsmodtager_ydelser
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.resources import ensure_schemas, perioder_metadata, query_pl, replace_periods, used_params

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
    """One measure per period and kommune: columns periode, kommunekode, v (an exact DECIMAL of the
    measure's precision, `praecision`, so its sums do not depend on DuckDB's order of summation)."""
    if maal == "helaarsmodtagere":
        v = praecision.eksakt("helaarsmodtagere", praecision.DAGE_DECIMALER)
        return (f"SELECT periode, handlekommune AS kommunekode, sum({v}) AS v FROM datamart.vh_benchmark "
                f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_ydelser(ydelser)} GROUP BY ALL")
    if maal == "udgifter":
        v = praecision.eksakt("udgifter", praecision.KRONER_DECIMALER)
        return (f"SELECT periode, kommunekode, sum({v}) AS v FROM datamart.vh_udgifter "
                f"WHERE periode BETWEEN {fra} AND {til} AND ydelseskode IN {_ydelser(ydelser)} GROUP BY ALL")
    if maal == "befolkning_18_64":
        from flis_assets.omraader.borger.datamart import indbyggere_sql  # Borger's one definition of a resident
        return f"SELECT periode, kommunekode, antal::DECIMAL(38, 0) AS v FROM ({indbyggere_sql(18, 64, fra, til)})"
    raise ValueError(f"ukendt mål {maal} i noegletal.csv")


# Where each measure comes from, as an analyst names it (for "mangler data").
MAAL_KILDE = {"helaarsmodtagere": "helårsmodtagere fra Voksenhandicap på nøgletallets ydelser",
              "udgifter": "udgifter fra Økonomi på nøgletallets konti", "befolkning_18_64": "18-64-årige fra CPR"}


def med_vh_data_sql(fra: str = "$fra", til: str = "$til") -> str:
    """(periode, omraade) of every kommune, region and Danmark with VH data in the periods: the rest are
    known to be empty by anyone (who delivers is public), so their withheld cells cover no neighbour."""
    return f"""SELECT DISTINCT h.periode,
            unnest([lpad(h.handlekommune::VARCHAR, 3, '0'), km.region, 'Danmark']) AS omraade
        FROM harmoniseret.vh_ydelser h JOIN kodelister.kommuner km ON km.kommunekode = h.handlekommune
        WHERE h.periode BETWEEN {fra} AND {til}"""


@cache
def vh_figurer() -> frozenset[str]:
    """The figures whose individuals are VH recipients."""
    return frozenset(f["noegletal_id"] for f in kodelister.load("noegletal").iter_rows(named=True)
                     if helaarsmodtager_ydelser(f))


def figure_sql(f: dict) -> str:
    """Every level of one figure for the periods $fra..$til, before discretion."""
    helaar = helaarsmodtager_ydelser(f)
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
    k AS (  -- every kommune of the period's data, none left out: a missing cell would say "zero"
        SELECT periode, kommunekode, km.region, t.v AS taeller, n.v AS naevner
        FROM ({benchmark_diskretion.KOMMUNER_SQL}) p
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
        {praecision.vaerdi(f["faktor"], "taeller", "naevner")} AS vaerdi, taeller::DOUBLE AS taeller,
        naevner::DOUBLE AS naevner,
        {"individer" if helaar else "NULL::BIGINT"} AS individer
    FROM niveauer
    """


# Expenses can be negative after refunds; every other measure is a count or a sum of days.
MAAL_ART = {"udgifter": diskretion.FRI}


def figure_tal(f: dict) -> list[diskretion.Tal]:
    """The published numbers of a figure and what an attacker knows of their range."""
    return [diskretion.Tal(navn, MAAL_ART.get(f.get(f"{navn}_maal"), diskretion.IKKE_NEGATIV),
                           f.get(f"{navn}_maal") == "helaarsmodtagere") for navn in ("taeller", "naevner")
            ] + [diskretion.Tal("individer", diskretion.INDIVIDER)]


@cache
def figures() -> dict[str, tuple[dict, str]]:
    """Every figure of the cube by id: its row (linked figures always have discretion) and its SQL."""
    out = {f["noegletal_id"]: (f, figure_sql(f)) for f in kodelister.load("noegletal").iter_rows(named=True)}
    out.update({f["noegletal_id"]: ({**f, "diskretion": True}, koblede.figure_sql(f)) for f in koblede.figures()})
    return out


def cube_sql() -> str:
    """Every figure at every level before discretion, with its discretion flag."""
    return " UNION ALL ".join(f"SELECT *, {str(f['diskretion']).lower()} AS diskretion FROM ({sql})"
                              for f, sql in figures().values())


def cube_tal(key: tuple) -> list[diskretion.Tal]:
    """The numbers of the figure of a (periode, noegletal_id) key."""
    return figure_tal(figures()[key[-1]][0])


def population_tal(key: tuple) -> list[diskretion.Tal]:
    """The number of a (periode, noegletal_id, population) key."""
    return [diskretion.Tal("antal", diskretion.INDIVIDER if key[-1] in koblede.PERSONPOPULATIONER
                           else diskretion.IKKE_NEGATIV)]


def populations_sql() -> str:
    return " UNION ALL ".join(f"SELECT *, true AS diskretion FROM ({koblede.populations_sql(f)})"
                              for f in koblede.linked())


def _before_discretion(con: duckdb.DuckDBPyConnection, sql: str, fra: date, til: date) -> pl.DataFrame:
    return query_pl(con, sql, used_params({"fra": fra, "til": til}, sql))


SKJUL = ["vaerdi", "taeller", "naevner", "individer"]


def cube(con: duckdb.DuckDBPyConnection, fra: date, til: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The cube for periods fra..til with primary and secondary discretion (after `koblede.create_levels`),
    and the benchmark rows the `vh_datamart` package withholds with it (`benchmark_diskretion`).

    A cell the benchmark rows make the cube withhold is withheld with its whole hierarchy again,
    and stays withheld (`diskretion.undertryk` never gives a forced cell back). Each round forces
    at least one cell not forced before, so there are at most as many rounds as cells; a round
    that asks only for cells already forced would repeat itself and stops with `DiskretionFejl`."""
    raw = _before_discretion(con, cube_sql(), fra, til)
    benchmark = query_pl(con, benchmark_diskretion.RAEKKER_SQL, {"fra": fra, "til": til})
    med_data = query_pl(con, med_vh_data_sql(), {"fra": fra, "til": til}).with_columns(med_data=pl.lit(True))
    raw = raw.join(med_data, on=["periode", "omraade"], how="left").with_columns(
        (pl.col("noegletal_id").is_in(sorted(vh_figurer())) & pl.col("med_data").is_null())
        .alias(diskretion.UDEN_INDIVIDER)).drop("med_data")
    return _afstem_til_ro(raw, benchmark)


def _afstem_til_ro(raw: pl.DataFrame, benchmark: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`cube`'s rounds on the cells before discretion (with `uden_individer`: the VH figures of the
    areas without VH data, known to be empty) and the benchmark rows."""
    tvungne: dict[tuple, set[str]] = {}
    for _ in range(raw.height + 1):
        # twice: the single-ydelse figures first, then, with what they publish, the figures over several
        forced = lambda key: tvungne.get(key, ())  # noqa: E731
        nedre = benchmark_diskretion.nedre_graenser(diskretion.anvend(raw, ["noegletal_id"], cube_tal, SKJUL, forced))
        kube = diskretion.anvend(raw, ["noegletal_id"], cube_tal, SKJUL, forced, lambda key: nedre.get(key, {}))
        raekker, nye = benchmark_diskretion.afstem_alle(raw, kube, benchmark)
        gentaget = sorted((p, i, o) for p, i, o in nye if o in tvungne.get((p, i), ()))
        if gentaget:
            periode, noegletal_id, omraade = gentaget[0]
            raise diskretion.DiskretionFejl(
                f"Diskretionen af nøgletallet {noegletal_id} for perioden {periode:%Y-%m} kommer ikke videre: "
                f"kommune {omraade} skal skjules for benchmarkrækkernes skyld, men blev vist igen "
                f"({len(gentaget)} celle(r) i alt).")
        if not nye:
            return kube, raekker
        for periode, noegletal_id, omraade in nye:
            tvungne.setdefault((periode, noegletal_id), set()).add(omraade)
    raise diskretion.DiskretionFejl(f"Diskretionen af kuben sluttede ikke efter {raw.height + 1} runder.")


def populations(con: duckdb.DuckDBPyConnection, fra: date, til: date, kube: pl.DataFrame) -> pl.DataFrame:
    """The linked figures' populations for periods fra..til, each population a table of its own
    (after `koblede.create_levels`).

    T2 and N2 publish the companion figure's numerator and denominator again: they withhold at
    least what `kube` withholds of it, or one table would give away what the other hides.
    """
    skjult = {(p, i): set(o) for p, i, o in kube.filter(pl.col("diskretioneret"))
              .group_by("periode", "noegletal_id").agg("omraade").iter_rows()}
    ledsager = {f["noegletal_id"]: koblede.companion(f) for f in koblede.linked()}

    def foelg(key):
        periode, noegletal_id, population = key
        return skjult.get((periode, ledsager[noegletal_id]), ()) if population in koblede.SKOLEPOPULATIONER else ()

    raw = _before_discretion(con, populations_sql(), fra, til)
    return diskretion.anvend(raw, ["noegletal_id", "population"], population_tal, ["antal"], foelg).drop("individer")


POPULATIONER_DDL = """CREATE TABLE IF NOT EXISTS noegletal.koblede_populationer (
    periode DATE NOT NULL, niveau VARCHAR NOT NULL, omraade VARCHAR NOT NULL, noegletal_id VARCHAR NOT NULL,
    population VARCHAR NOT NULL, antal DOUBLE, diskretioneret BOOLEAN NOT NULL, diskretion_aarsag VARCHAR
)"""


BENCHMARK_DISKRETION_DDL = """CREATE TABLE IF NOT EXISTS noegletal.vh_benchmark_diskretion (
    periode DATE NOT NULL, handlekommune INTEGER NOT NULL, ydelseskode VARCHAR NOT NULL, diskretion_aarsag VARCHAR NOT NULL
)"""


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    con.execute(DDL)
    con.execute(POPULATIONER_DDL)
    con.execute(BENCHMARK_DISKRETION_DDL)
    fra, til = min(months), max(months)
    koblede.create_levels(con, fra, til)
    kube_ny, raekker_ny = cube(con, fra, til)
    con.register("kube_ny", kube_ny)
    con.register("benchmark_diskretion_ny", raekker_ny)
    con.register("populationer_ny", populations(con, fra, til, kube_ny))
    return replace_periods(con, {
        "noegletal.kube": "SELECT * FROM kube_ny WHERE periode BETWEEN $fra AND $til",
        "noegletal.koblede_populationer": "SELECT * FROM populationer_ny WHERE periode BETWEEN $fra AND $til",
        "noegletal.vh_benchmark_diskretion": "SELECT * FROM benchmark_diskretion_ny WHERE periode BETWEEN $fra AND $til",
    }, months)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["noegletal", "kube"], group_name="noegletal", kinds={"duckdb"},
            deps=[*(dg.AssetKey(["datamart", t]) for t in ("vh_benchmark", "vh_udgifter", "befolkning")),
                  dg.AssetKey(["harmoniseret", "skole_elever"]), dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])],
            description="De centrale og de koblede nøgletal pr. kommune, region og hele landet med tællere, nævnere "
            "og individer; diskretion: færre end fem individer vises ikke (primær), og heller ikke tal, der "
            "kunne regnes ud af resten af tabellen (sekundær).",
            metadata={"dagster/table_name": "noegletal.kube"},
        ),
        dg.AssetSpec(
            ["noegletal", "koblede_populationer"], group_name="noegletal", kinds={"duckdb"},
            deps=[dg.AssetKey(["harmoniseret", "skole_elever"]), dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"])],
            description="De fire populationer bag hvert koblet nøgletal, hver talt i sit eget område (aldrig "
            "fællesmængderne), med primær og sekundær diskretion.",
            metadata={"dagster/table_name": "noegletal.koblede_populationer"},
        ),
        dg.AssetSpec(
            ["noegletal", "vh_benchmark_diskretion"], group_name="noegletal", kinds={"duckdb"},
            deps=[dg.AssetKey(["datamart", "vh_benchmark"]), dg.AssetKey(["datamart", "befolkning"]),
                  dg.AssetKey(["datamart", "vh_udgifter"]),
                  dg.AssetKey(["referencedata", "godkendte_kommuner"])],
            description="De benchmarkrækker (kommune og ydelse), som datapakken vh_datamart skjuler, med årsag: "
            "færre end fem modtagere (primær), et skjult nøgletal hviler på rækken, eller rækken kunne ellers "
            "regnes ud af et vist nøgletal over flere ydelser (sekundær). Afgøres sammen med kuben.",
            metadata={"dagster/table_name": "noegletal.vh_benchmark_diskretion"},
        ),
    ],
    **partitions.MAANEDLIG,
)
def kube(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build(con, months)
        meta = perioder_metadata(con, counts, months)
    for t in ("kube", "koblede_populationer", "vh_benchmark_diskretion"):
        yield dg.MaterializeResult(asset_key=["noegletal", t],
                                   metadata={"raekker": counts.get(f"noegletal.{t}", 0), **meta[f"noegletal.{t}"]})
