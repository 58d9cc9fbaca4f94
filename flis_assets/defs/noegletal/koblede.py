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

from flis_assets import kodelister

# A pupil's contribution to each school-side measure.
ELEV_MAAL = {
    "specialklasse": "(undervisningstilbud = 'SPECIALKLASSE')::INTEGER",
    "elever": "1",
    "fravaersdage": "fravaersdage",
    "skoledage": "skoledage",
}

# Populations counting persons exactly (one row per child with an open measure): their `antal` is
# their individuals, so an attacker knows a withheld one is under five (primaer) or not (sekundaer).
PERSONPOPULATIONER = ("taeller1", "naevner1")
# The school-side populations are the companion figure's numerator and denominator over again.
SKOLEPOPULATIONER = ("taeller2", "naevner2")

ELEVER = """SELECT periode, cpr, kommunekode AS skolekommune, undervisningstilbud, fravaersdage, skoledage
            FROM harmoniseret.skole_elever WHERE periode BETWEEN $fra AND $til AND klassetrin_0_9"""
UDSATTE = """SELECT DISTINCT periode, cpr, handlekommune FROM harmoniseret.udsatte_foranstaltninger
             WHERE periode BETWEEN $fra AND $til AND aaben_sidste_dag"""
REGION = "(SELECT kommunekode, region FROM kodelister.kommuner)"


def _levels(base: str, t: str, n: str) -> str:
    """kommune, region and land of a base (periode, kommunekode, cpr, t, n): Σt ÷ Σn, distinct cpr."""
    return f"""
    WITH b AS (SELECT b.*, r.region FROM ({base}) b JOIN {REGION} r USING (kommunekode))
    SELECT periode, 'kommune' AS niveau, lpad(kommunekode::VARCHAR, 3, '0') AS omraade,
        sum({t}) AS taeller, sum({n}) AS naevner, count(DISTINCT cpr) AS individer FROM b GROUP BY ALL
    UNION ALL
    SELECT periode, 'region', region, sum({t}), sum({n}), count(DISTINCT cpr) FROM b GROUP BY ALL
    UNION ALL
    SELECT periode, 'land', 'Danmark', sum({t}), sum({n}), count(DISTINCT cpr) FROM b GROUP BY ALL
    """


def figure_sql(f: dict) -> str:
    t, n = ELEV_MAAL[f["taeller2"]], ELEV_MAAL[f["naevner2"]]
    if f["kobling"] == "udsatte":
        base = f"""SELECT e.periode, u.handlekommune AS kommunekode, e.cpr, e.undervisningstilbud, e.fravaersdage,
                       e.skoledage FROM ({UDSATTE}) u JOIN ({ELEVER}) e USING (periode, cpr)"""
    else:
        base = f"SELECT periode, skolekommune AS kommunekode, cpr, undervisningstilbud, fravaersdage, skoledage FROM ({ELEVER})"
    return f"""
    SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id,
        {f["faktor"]} * taeller / nullif(naevner, 0) AS vaerdi, taeller::DOUBLE AS taeller,
        naevner::DOUBLE AS naevner, individer
    FROM ({_levels(base, t, n)})"""


def populations_sql(f: dict) -> str:
    """The four populations of a linked figure; `individer` are the persons behind each count."""
    t, n = ELEV_MAAL[f["taeller2"]], ELEV_MAAL[f["naevner2"]]
    u = f"SELECT periode, handlekommune AS kommunekode, cpr, 1 AS x FROM ({UDSATTE})"
    e = f"SELECT periode, skolekommune AS kommunekode, cpr, {t} AS t, {n} AS n FROM ({ELEVER})"
    # persons behind a school-side count: those who add to it (a special-class pupil, any pupil)
    tp = f"SELECT * FROM ({e}) WHERE t > 0" if f["taeller2"] == "specialklasse" else e
    parts = []
    for population, base, measure in (("taeller1", u, "x"), ("naevner1", u, "x"), ("taeller2", tp, "t"), ("naevner2", e, "n")):
        parts.append(f"""SELECT periode, niveau, omraade, '{population}' AS population, taeller AS antal, individer
                         FROM ({_levels(base, measure, measure)})""")
    return f"""SELECT periode, niveau, omraade, '{f["noegletal_id"]}' AS noegletal_id, population, antal::DOUBLE AS antal,
                   individer FROM ({" UNION ALL ".join(parts)})"""


def figures() -> list[dict]:
    return list(kodelister.load("koblede_noegletal").iter_rows(named=True))


def linked() -> list[dict]:
    return [f for f in figures() if f["kobling"]]


def companion(f: dict) -> str:
    """The unlinked companion of a linked figure: the one over all pupils with the same school-side measures."""
    return next(c["noegletal_id"] for c in figures()
                if not c["kobling"] and (c["taeller2"], c["naevner2"]) == (f["taeller2"], f["naevner2"]))
