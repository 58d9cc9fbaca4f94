"""Linked key figures (koblede-noegletal.md): Skole × Udsatte, linked over CPR nationally.

Each figure of `kodelister/koblede_noegletal.csv` is a school-side numerator and denominator
(`taeller2`, `naevner2`: a per-pupil measure) over the pupils in klassetrin 0-9:
- linked (`kobling` = udsatte): over the pupils who have an open measure on the period's last
  day, belonging to the measure's handlekommune (the pupil may attend school anywhere); its
  individuals are the citizens in N1 ∩ N2;
- unlinked companion: over all pupils of the kommune's schools; its individuals the pupils.
The four populations of a linked figure are each counted within their own area, never their
intersections: T1 = N1 the children with an open measure (by handlekommune), T2 and N2 the
school-side measures of the kommune whose schools deliver them.
"""

from datetime import date

import dagster as dg
import duckdb

from flis_assets import kodelister
from flis_assets.defs.noegletal import praecision

# A pupil's contribution to each school-side measure (absence in days is a DOUBLE: summed exactly).
ELEV_MAAL = {
    "specialklasse": "(undervisningstilbud = 'SPECIALKLASSE')::INTEGER",
    "elever": "1",
    "fravaersdage": praecision.eksakt("fravaersdage", praecision.DAGE_DECIMALER),
    "skoledage": "skoledage",
}

# Populations counting persons exactly (one row per child with an open measure): their `antal` is
# their individuals, so an attacker knows a withheld one is under five (primaer) or not (sekundaer).
PERSONPOPULATIONER = ("taeller1", "naevner1")
# The school-side populations are the companion figure's numerator and denominator over again.
SKOLEPOPULATIONER = ("taeller2", "naevner2")

ELEVER = """SELECT periode, kommunekode, cpr, undervisningstilbud, fravaersdage, skoledage
            FROM harmoniseret.skole_elever WHERE periode BETWEEN $fra AND $til AND klassetrin_0_9"""
UDSATTE = """SELECT DISTINCT periode, cpr, handlekommune FROM harmoniseret.udsatte_foranstaltninger
             WHERE periode BETWEEN $fra AND $til AND aaben_sidste_dag AND NOT slettes_af_dst"""
REGION = "(SELECT kommunekode, region FROM kodelister.kommuner)"
# The tables the linked figures read (the cube's deps).
LAESER = (dg.AssetKey(["harmoniseret", "skole_elever"]), dg.AssetKey(["harmoniseret", "udsatte_foranstaltninger"]))

# Measures counting pupils: the persons behind such a numerator (T2) are the pupils it counts;
# behind any other school-side number, every pupil.
TAELLER_ELEVER = ("specialklasse",)

ELEV_TAL = {**{m: f"sum({udtryk})" for m, udtryk in ELEV_MAAL.items()}, "individer": "count(DISTINCT cpr)",
            **{f"individer_{m}": f"count(DISTINCT cpr) FILTER (WHERE {ELEV_MAAL[m]} > 0)" for m in TAELLER_ELEVER}}

# The bases of the linked figures and their populations (periode, kommunekode, cpr, ...) and what
# is counted over each: every base is counted once per window, at every level, and read by both.
GRUNDLAG = {
    "elever": (ELEVER, ELEV_TAL),  # by the kommune of the school
    "koblede": (f"""SELECT e.* REPLACE (u.handlekommune AS kommunekode)
                    FROM ({UDSATTE}) u JOIN ({ELEVER}) e USING (periode, cpr)""", ELEV_TAL),
    "udsatte": (f"SELECT periode, handlekommune AS kommunekode, cpr FROM ({UDSATTE})",
                {"antal": "count(*)", "individer": "count(DISTINCT cpr)"}),
}


# What each base counts, as an analyst names its source (a cell without data says it has none).
KILDE = {"elever": "elever i 0.-9. klasse fra Skole",
         "koblede": "elever i 0.-9. klasse med en åben foranstaltning fra Udsatte"}


def grundlag(f: dict) -> str:
    """The base a linked figure is counted over (`GRUNDLAG`)."""
    return "koblede" if f["kobling"] == "udsatte" else "elever"


def kilde(f: dict) -> str:
    return KILDE[grundlag(f)]


def _levels(base: str, tal: dict[str, str]) -> str:
    """kommune, region and land of a base (periode, kommunekode, cpr, ...): each of `tal` (aggregates)."""
    cols = ", ".join(f"{udtryk} AS {navn}" for navn, udtryk in tal.items())
    return f"""
    WITH b AS (SELECT b.*, r.region FROM ({base}) b JOIN {REGION} r USING (kommunekode))
    SELECT periode, 'kommune' AS niveau, lpad(kommunekode::VARCHAR, 3, '0') AS omraade, {cols} FROM b GROUP BY ALL
    UNION ALL
    SELECT periode, 'region', region, {cols} FROM b GROUP BY ALL
    UNION ALL
    SELECT periode, 'land', 'Danmark', {cols} FROM b GROUP BY ALL
    """


def create_levels(con: duckdb.DuckDBPyConnection, fra: date, til: date) -> None:
    """The bases' levels for the periods fra..til as temporary tables `niveauer_<grundlag>`, which
    `figure_sql` and `populations_sql` read."""
    for navn, (base, tal) in GRUNDLAG.items():
        sql = _levels(base, tal)
        con.execute(f"CREATE OR REPLACE TEMP TABLE niveauer_{navn} AS {sql}", {"fra": fra, "til": til})


def figure_sql(f: dict) -> str:
    t, n = f["taeller2"], f["naevner2"]
    return f"""
    SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id,
        {praecision.vaerdi(f["faktor"], t, n)} AS vaerdi, {t}::DOUBLE AS taeller, {n}::DOUBLE AS naevner, individer
    FROM niveauer_{grundlag(f)}"""


def populations_sql(f: dict) -> str:
    """The four populations of a linked figure; `individer` are the persons behind each count."""
    t, n = f["taeller2"], f["naevner2"]
    # A numerator counting pupils is a population of the pupils it counts, where there are any.
    t2_personer, t2_hvor = (f"individer_{t}", f"{t} > 0") if t in TAELLER_ELEVER else ("individer", "true")
    parts = [("taeller1", "udsatte", "antal", "individer", "true"), ("naevner1", "udsatte", "antal", "individer", "true"),
             ("taeller2", "elever", t, t2_personer, t2_hvor), ("naevner2", "elever", n, "individer", "true")]
    return " UNION ALL ".join(
        f"""SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id, '{population}' AS population,
                   {antal}::DOUBLE AS antal, {individer} AS individer FROM niveauer_{grundlag} WHERE {hvor}"""
        for population, grundlag, antal, individer, hvor in parts)


def figures() -> list[dict]:
    return list(kodelister.load("koblede_noegletal").iter_rows(named=True))


def linked() -> list[dict]:
    return [f for f in figures() if f["kobling"]]


def companion(f: dict) -> str:
    """The unlinked companion of a linked figure: the one over all pupils with the same school-side measures."""
    return next(c["noegletal_id"] for c in figures()
                if not c["kobling"] and (c["taeller2"], c["naevner2"]) == (f["taeller2"], f["naevner2"]))
