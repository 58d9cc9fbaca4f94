"""noegletal.kube: the central key figures per kommune, region and Danmark, with discretion.

The platform names no area and no measure: each figure is a row of an area's `noegletal.csv`
(`kodelister.load("noegletal")`, every area's rows): a numerator and a denominator, each a measure
an area offers (`maal.py`, `Omraade.maal`) with the row's argument, and a factor. A region or the
country is Σ numerators ÷ Σ denominators. The figure's individuals are the people of the side its
row names (`individer`); a figure with discretion shows no value, numerator, denominator or count
when they number fewer than five (primary suppression), nor when that could be worked out from the
rest of the table (secondary suppression, `diskretion.py`). Figures without individuals (expenses
per resident rest on accounts) are always shown.

What cannot be computed is said plainly (`bemaerkning`): every figure has a row for every kommune,
region and Danmark of every period of the cube, and a row without a value that discretion does not
withhold says why, in the words of its measures' `kilde` (`ikke_beregnet`; the warning check
`mangler_data` says the same). A cell of a figure with individuals whose area delivered none of
them (`Maal.med_data`) has no data: it is withheld `primaer` as before (no individuals), and says why.
"""

from datetime import date
from functools import cache

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.defs.noegletal import diskretion, koblede, maal, praecision
from flis_assets.resources import ensure_schemas, perioder_metadata, query_pl, replace_periods, used_params

DDL = """CREATE TABLE IF NOT EXISTS noegletal.kube (
    periode DATE NOT NULL, niveau VARCHAR NOT NULL, omraade VARCHAR NOT NULL, noegletal_id VARCHAR NOT NULL,
    vaerdi DOUBLE, taeller DOUBLE, naevner DOUBLE, individer BIGINT,
    diskretioneret BOOLEAN NOT NULL, diskretion_aarsag VARCHAR, bemaerkning VARCHAR
)"""
# A warehouse made before `bemaerkning` gets the column (NULL in the periods not rebuilt since).
DDL_BEMAERKNING = "ALTER TABLE noegletal.kube ADD COLUMN IF NOT EXISTS bemaerkning VARCHAR"
KOLONNER = ["periode", "niveau", "omraade", "noegletal_id", "vaerdi", "taeller", "naevner", "individer",
            "diskretioneret", "diskretion_aarsag", "bemaerkning"]

# Where a cell's sums come from, as its reason names it, per level.
STED = {"kommune": "kommunen", "region": "nogen kommune i regionen", "land": "nogen kommune i landet"}
OMRAADE = {"kommune": "kommunen", "region": "regionen", "land": "landet"}


def _kilder(f: dict) -> tuple[str, str]:
    """What each side of a figure counts, as an analyst names its source (`Maal.kilde`; a linked
    figure's sides are one base's, `koblede.kilde`)."""
    if "taeller_maal" not in f:
        return (koblede.kilde(f),) * 2
    return tuple(maal.side(f, s).kildetekst(f[f"{s}_argument"]) for s in maal.SIDER)


def ikke_beregnet(f: dict, mangler: str, niveau: str) -> str:
    """Why a cell of figure `f` at `niveau` has no value, in Danish: the one text of the cube's
    `bemaerkning` and of the warning check `mangler_data`. `mangler`: `taeller`, `naevner` or `begge`
    (no data for that side), `ingen_med_begge` (no kommune has both), `nul` (a zero denominator)."""
    t, n = _kilder(f)
    sted = STED[niveau]
    tekst = {
        "taeller": f"tælleren mangler data: ingen {t} for {sted}",
        "naevner": f"nævneren mangler data: ingen {n} for {sted}",
        "begge": (f"tælleren og nævneren mangler data: ingen {t} og ingen {n} for {sted}" if t != n
                  else f"ingen {t} for {sted}"),
        "ingen_med_begge": f"ingen kommune i {OMRAADE[niveau]} har data til både tælleren og nævneren",
        "nul": f"nævneren er nul for {OMRAADE[niveau]}",
    }[mangler]
    return f"{tekst} i måneden, så nøgletallet kan ikke beregnes"


def _tekst_sql(tekst: str) -> str:
    return "'" + tekst.replace("'", "''") + "'"


def ikke_beregnet_sql(f: dict, taeller: str = "taeller", naevner: str = "naevner", har_taeller: str | None = None,
                      har_naevner: str | None = None, niveau: str = "niveau") -> str:
    """`ikke_beregnet` as SQL over a cell's sides (NULL when the cell has a value): `har_*` say
    whether any of its kommuner has the side (default: the side itself is not NULL)."""
    har_t, har_n = har_taeller or f"{taeller} IS NOT NULL", har_naevner or f"{naevner} IS NOT NULL"

    def tekst(mangler: str) -> str:
        return f"CASE {niveau} " + " ".join(f"WHEN '{nv}' THEN {_tekst_sql(ikke_beregnet(f, mangler, nv))}"
                                            for nv in STED) + " END"

    return f"""CASE WHEN NOT ({har_t}) AND NOT ({har_n}) THEN {tekst("begge")}
        WHEN NOT ({har_t}) THEN {tekst("taeller")} WHEN NOT ({har_n}) THEN {tekst("naevner")}
        WHEN {taeller} IS NULL OR {naevner} IS NULL THEN {tekst("ingen_med_begge")}
        WHEN {naevner} = 0 THEN {tekst("nul")} END"""


def _individer_sql(f: dict) -> str:
    """(periode, cpr, kommunekode, region) of the people a figure's individuals are, if any."""
    if not f["individer"]:
        return "SELECT NULL::DATE AS periode, NULL::VARCHAR AS cpr, NULL::INTEGER AS kommunekode, NULL AS region WHERE false"
    m = maal.side(f, f["individer"])
    return f"""SELECT i.periode, i.cpr, i.kommunekode, km.region FROM ({m.individer(f[f"{f['individer']}_argument"], "$fra", "$til")}) i
            JOIN kodelister.kommuner km USING (kommunekode)"""


def side_sql(f: dict, side: str, fra: str = "$fra", til: str = "$til") -> str:
    """One side (taeller or naevner) of a figure per period and kommune: periode, kommunekode, v."""
    return maal.side(f, side).sql(f[f"{side}_argument"], fra, til)


def figure_sql(f: dict) -> str:
    """Every level of one figure for the periods $fra..$til, before discretion. A region or Danmark
    sums each side over its kommuner, or (`kun_kommuner_med_begge`) over those that have both;
    `bemaerkning` says why a cell has no value (`har_*`: some kommune has the side)."""
    hel = " FILTER (WHERE taeller IS NOT NULL AND naevner IS NOT NULL)" if f.get("kun_kommuner_med_begge") else ""
    summer = (f"sum(taeller){hel} AS taeller, sum(naevner){hel} AS naevner, "
              "count(taeller) > 0 AS har_t, count(naevner) > 0 AS har_n")
    return f"""
    WITH t AS ({side_sql(f, "taeller")}),
    n AS ({side_sql(f, "naevner")}),
    i AS ({_individer_sql(f)}),
    k AS (  -- every kommune of the period's data, none left out: a missing cell would say "zero"
        SELECT periode, kommunekode, km.region, t.v AS taeller, n.v AS naevner
        FROM ({maal.kommuner_sql()}) p
        JOIN kodelister.kommuner km USING (kommunekode)
        LEFT JOIN t USING (periode, kommunekode) LEFT JOIN n USING (periode, kommunekode)
    ),
    niveauer AS (
        SELECT periode, 'kommune' AS niveau, lpad(kommunekode::VARCHAR, 3, '0') AS omraade, taeller, naevner,
            taeller IS NOT NULL AS har_t, naevner IS NOT NULL AS har_n, coalesce(ik.individer, 0) AS individer
        FROM k LEFT JOIN (SELECT periode, kommunekode, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) ik
            USING (periode, kommunekode)
        UNION ALL
        SELECT periode, 'region', region, taeller, naevner, har_t, har_n, coalesce(ir.individer, 0)
        FROM (SELECT periode, region, {summer} FROM k GROUP BY ALL) kr
        LEFT JOIN (SELECT periode, region, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) ir
            USING (periode, region)
        UNION ALL
        SELECT periode, 'land', 'Danmark', taeller, naevner, har_t, har_n, coalesce(il.individer, 0)
        FROM (SELECT periode, {summer} FROM k GROUP BY ALL) kl
        LEFT JOIN (SELECT periode, count(DISTINCT cpr) AS individer FROM i GROUP BY ALL) il USING (periode)
    )
    SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id,
        {praecision.vaerdi(f["faktor"], "taeller", "naevner")} AS vaerdi, taeller::DOUBLE AS taeller,
        naevner::DOUBLE AS naevner,
        {"individer" if f["individer"] else "NULL::BIGINT"} AS individer,
        {ikke_beregnet_sql(f, har_taeller="har_t", har_naevner="har_n")} AS bemaerkning
    FROM niveauer
    """


def linked_sql(f: dict) -> str:
    """A linked figure's cells (`koblede.figure_sql`: only where its base has data) with the cube's columns."""
    return f"""SELECT *, {ikke_beregnet_sql(f)} AS bemaerkning FROM ({koblede.figure_sql(f)})"""


def _tal(f: dict, navn: str) -> diskretion.Tal:
    """A central figure's side as its measure says (its range; zero without the figure's
    individuals); a linked figure's sides are counts and sums of days."""
    if "taeller_maal" not in f:
        return diskretion.Tal(navn, diskretion.IKKE_NEGATIV)
    m = maal.side(f, navn)
    return diskretion.Tal(navn, m.art, m.nul_uden)


def figure_tal(f: dict) -> list[diskretion.Tal]:
    """The published numbers of a figure and what an attacker knows of their range."""
    return [_tal(f, navn) for navn in maal.SIDER] + [diskretion.Tal("individer", diskretion.INDIVIDER)]


@maal.glemmes
@cache
def figures() -> dict[str, tuple[dict, str]]:
    """Every figure of the cube by id: its row (linked figures always have discretion) and its SQL."""
    out = {f["noegletal_id"]: (f, figure_sql(f)) for f in maal.figurer()}
    out.update({f["noegletal_id"]: ({**f, "diskretion": True}, linked_sql(f)) for f in koblede.figures()})
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


def cube(con: duckdb.DuckDBPyConnection, fra: date, til: date) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The cube for periods fra..til with primary and secondary discretion (after `koblede.create_levels`),
    and per table the areas publish beside it (`maal.afstemninger`: Voksenhandicap's benchmark rows)
    the rows it withholds with the cube.

    A cell such a table makes the cube withhold is withheld with its whole hierarchy again, and
    stays withheld (`diskretion.undertryk` never gives a forced cell back). Each round forces at
    least one cell not forced before, so there are at most as many rounds as cells; a round that
    asks only for cells already forced would repeat itself and stops with `DiskretionFejl`."""
    raw = _before_discretion(con, cube_sql(), fra, til)
    tabeller = {a.TABEL: query_pl(con, a.RAEKKER_SQL, {"fra": fra, "til": til}) for a in maal.afstemninger()}
    med_data = query_pl(con, maal.kendte_tomme_sql(), {"fra": fra, "til": til}).with_columns(med_data=pl.lit(True))
    raw = raw.join(med_data, on=["noegletal_id", "periode", "omraade"], how="left").with_columns(
        (pl.col("noegletal_id").is_in(sorted(maal.med_individer())) & pl.col("med_data").is_null())
        .alias(diskretion.UDEN_INDIVIDER)).drop("med_data")
    kube, ud = _afstem_til_ro(raw, tabeller)
    tomme = raw.filter(pl.col(diskretion.UDEN_INDIVIDER)).select(NOEGLE)
    return _sagt_klart(kube, tomme), ud


NOEGLE = ["periode", "niveau", "omraade", "noegletal_id"]


def _sagt_klart(kube: pl.DataFrame, tomme: pl.DataFrame) -> pl.DataFrame:
    """The cube as published: what cannot be computed says why (`bemaerkning`).

    A withheld cell says only its discretion reason (which side is missing would say more), except
    a cell without data (`tomme`: its area delivered none of the figure's individuals), which says
    so. It stays withheld `primaer` as discretion decided: zero individuals are under five, and
    `diskretion_aarsag` is what every attacker reads as the cell's bounds (NULL on a withheld cell
    reads as at least five, `diskretion.graenser`: false here). Every figure then gets a row in
    every area of every period of the cube (`_hele_gitteret`)."""
    tom = pl.col("tom").fill_null(False)
    kube = (kube.join(tomme.with_columns(tom=pl.lit(True)), on=NOEGLE, how="left")
            .with_columns(bemaerkning=pl.when(pl.col("diskretioneret") & ~tom).then(None).otherwise("bemaerkning")))
    return _hele_gitteret(kube.select(KOLONNER))


def _hele_gitteret(kube: pl.DataFrame) -> pl.DataFrame:
    """Every figure of the catalogue in every area (kommune, region, Danmark) of every period of the
    cube: a figure whose base has no data there (a linked figure in a period without Skole) gets the
    row, with no numbers and its reason. It is in no sum, so it hides nothing and is shown; a central
    figure with discretion's is withheld `primaer` like its other cells without data (no individuals)."""
    omraader = kube.select("periode", "niveau", "omraade").unique()
    figurer = pl.DataFrame([(i, f["diskretion"] and "taeller_maal" in f) for i, (f, _) in figures().items()],
                           schema={"noegletal_id": pl.String, "diskretioneret": pl.Boolean}, orient="row")
    tekster = pl.DataFrame([(i, nv, ikke_beregnet(f, "begge", nv)) for i, (f, _) in figures().items() for nv in STED],
                           schema=["noegletal_id", "niveau", "bemaerkning"], orient="row")
    mangler = (omraader.join(figurer, how="cross").join(kube, on=NOEGLE, how="anti")
               .join(tekster, on=["noegletal_id", "niveau"])
               .with_columns(*(pl.lit(None).alias(c) for c in SKJUL),
                             diskretion_aarsag=pl.when("diskretioneret").then(pl.lit(diskretion.PRIMAER))))
    return pl.concat([kube, mangler.select(KOLONNER)], how="vertical_relaxed")


def _nedre(kube: pl.DataFrame) -> dict[tuple, dict[tuple[str, str], float]]:
    """What every table published beside the cube says the withheld numbers are at least (the largest)."""
    ud: dict[tuple, dict[tuple[str, str], float]] = {}
    for a in maal.afstemninger():
        for key, graenser in a.nedre_graenser(kube).items():
            mine = ud.setdefault(key, {})
            for tal, v in graenser.items():
                mine[tal] = max(v, mine.get(tal, v))
    return ud


def _afstem_til_ro(raw: pl.DataFrame, tabeller: dict[str, pl.DataFrame]
                   ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """`cube`'s rounds on the cells before discretion (with `uden_individer`: the figures with
    individuals of the areas whose measure has no data, known to be empty) and the tables beside it."""
    afstemninger = maal.afstemninger()
    tvungne: dict[tuple, set[str]] = {}
    for _ in range(raw.height + 1):
        forced = lambda key: tvungne.get(key, ())  # noqa: E731
        # twice when a table publishes beside the cube: first the cube alone, then with what the
        # table and the first cube publish (the single-ydelse figures' bounds on those over several)
        nedre = _nedre(diskretion.anvend(raw, ["noegletal_id"], cube_tal, SKJUL, forced)) if afstemninger else {}
        kube = diskretion.anvend(raw, ["noegletal_id"], cube_tal, SKJUL, forced, lambda key: nedre.get(key, {}))
        ud, nye = {}, []
        for a in afstemninger:
            ud[a.TABEL], tving = a.afstem_alle(raw, kube, tabeller[a.TABEL])
            nye += [(*celle, a.TABEL) for celle in tving]
        gentaget = sorted(c for c in nye if c[2] in tvungne.get((c[0], c[1]), ()))
        if gentaget:
            periode, noegletal_id, omraade, tabel = gentaget[0]
            raise diskretion.DiskretionFejl(
                f"Diskretionen af nøgletallet {noegletal_id} for perioden {periode:%Y-%m} kommer ikke videre: "
                f"kommune {omraade} skal skjules af hensyn til rækkerne i {tabel}, men blev vist igen "
                f"({len(gentaget)} celle(r) i alt).")
        if not nye:
            return kube, ud
        for periode, noegletal_id, omraade, _tabel in nye:
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


def build(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, int]:
    ensure_schemas(con)
    con.execute(DDL)
    con.execute(DDL_BEMAERKNING)
    con.execute(POPULATIONER_DDL)
    for a in maal.afstemninger():
        con.execute(a.DDL)
    fra, til = min(months), max(months)
    koblede.create_levels(con, fra, til)
    kube_ny, tabeller = cube(con, fra, til)
    con.register("kube_ny", kube_ny)
    con.register("populationer_ny", populations(con, fra, til, kube_ny))
    selects = {"noegletal.kube": "SELECT * FROM kube_ny WHERE periode BETWEEN $fra AND $til",
               "noegletal.koblede_populationer": "SELECT * FROM populationer_ny WHERE periode BETWEEN $fra AND $til"}
    for i, (tabel, frame) in enumerate(tabeller.items()):
        con.register(f"afstemning_{i}_ny", frame)
        selects[tabel] = f"SELECT * FROM afstemning_{i}_ny WHERE periode BETWEEN $fra AND $til"
    return replace_periods(con, selects, months)


def deps() -> list[dg.AssetKey]:
    """What the cube reads: every figure's measures' assets (`Maal.laeser`) and the linked figures'."""
    return list(dict.fromkeys([*maal.laeser(), *koblede.LAESER]))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["noegletal", "kube"], group_name="noegletal", kinds={"duckdb"},
            deps=deps(),
            description="De centrale og de koblede nøgletal pr. kommune, region og hele landet med tællere, nævnere "
            "og individer; diskretion: færre end fem individer vises ikke (primær), og heller ikke tal, der "
            "kunne regnes ud af resten af tabellen (sekundær).",
            metadata={"dagster/table_name": "noegletal.kube"},
        ),
        dg.AssetSpec(
            ["noegletal", "koblede_populationer"], group_name="noegletal", kinds={"duckdb"},
            deps=list(koblede.LAESER),
            description="De fire populationer bag hvert koblet nøgletal, hver talt i sit eget område (aldrig "
            "fællesmængderne), med primær og sekundær diskretion.",
            metadata={"dagster/table_name": "noegletal.koblede_populationer"},
        ),
        *(dg.AssetSpec(a.TABEL.split("."), group_name="noegletal", kinds={"duckdb"}, deps=list(a.LAESER),
                       description=a.BESKRIVELSE, metadata={"dagster/table_name": a.TABEL})
          for a in maal.afstemninger()),
    ],
    **partitions.MAANEDLIG,
)
def kube(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        months = partitions.window_months(context)
        counts = build(con, months)
        meta = perioder_metadata(con, counts, months)
    for t in ("noegletal.kube", "noegletal.koblede_populationer", *(a.TABEL for a in maal.afstemninger())):
        yield dg.MaterializeResult(asset_key=t.split("."), metadata={"raekker": counts.get(t, 0), **meta[t]})
