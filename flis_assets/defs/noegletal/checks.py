"""noegletal checks (blocking): numerators agree with the datamart; discretion holds, and no withheld
number can be worked out from the published table (the attack of `diskretion.py`)."""

import dagster as dg

from flis_assets.checks.factory import frame_check
from flis_assets.defs.noegletal import diskretion, maal
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.defs.noegletal.kube import cube_tal, ikke_beregnet_sql, population_tal, side_sql


def taeller_sql() -> str:
    parts = []
    for f in maal.figurer():
        m = side_sql(f, "taeller", "$maaned", "$maaned")
        parts.append(f"""
        SELECT '{f["noegletal_id"]}' AS noegletal_id, lpad(d.kommunekode::VARCHAR, 3, '0') AS omraade,
            d.v AS datamart, k.taeller AS kube, 'TAELLER_AFVIGER_FRA_DATAMART' AS regel
        FROM ({m}) d JOIN noegletal.kube k
          ON k.periode = $maaned AND k.niveau = 'kommune' AND k.noegletal_id = '{f["noegletal_id"]}'
         AND k.omraade = lpad(d.kommunekode::VARCHAR, 3, '0')
        WHERE NOT k.diskretioneret AND abs(k.taeller - d.v) > 1e-6""")
    return " UNION ALL ".join(parts)


def mangler_data_sql() -> str:
    """The kommuner of the month whose figure cannot be computed because one side has data and the
    other none (VH without Økonomi, Økonomi without VH, no residents): said plainly, not a silent NULL,
    in the cube's own words (`ikke_beregnet`: its `bemaerkning`)."""
    parts = []
    for f in maal.figurer():
        t, n = (side_sql(f, s, "$maaned", "$maaned") for s in maal.SIDER)
        parts.append(f"""
        SELECT '{f["noegletal_id"]}' AS noegletal_id, lpad(kommunekode::VARCHAR, 3, '0') AS omraade,
            {ikke_beregnet_sql(f, "t.v", "n.v", niveau="'kommune'")} AS aarsag, 'NOEGLETAL_MANGLER_DATA' AS regel
        FROM ({t}) t FULL JOIN ({n}) n USING (periode, kommunekode)
        WHERE (t.v IS NULL) <> (n.v IS NULL)""")
    return " UNION ALL ".join(parts)


DISKRETION_SQL = f"""
SELECT k.niveau, k.omraade, k.noegletal_id, k.individer,
    CASE WHEN k.diskretioneret THEN 'DISKRETIONERET_MEN_VIST' ELSE 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER_VIST' END AS regel
FROM noegletal.kube k LEFT JOIN kodelister.noegletal n USING (noegletal_id)
WHERE k.periode = $maaned AND (
    (k.diskretioneret AND (k.vaerdi IS NOT NULL OR k.taeller IS NOT NULL OR k.naevner IS NOT NULL OR k.individer IS NOT NULL))
    OR (coalesce(n.diskretion, true) AND NOT k.diskretioneret AND coalesce(k.individer, 0) < {MIN_INDIVIDER}
        -- a row showing no number (no data: its `bemaerkning` says why) shows nothing under five
        AND (k.vaerdi IS NOT NULL OR k.taeller IS NOT NULL OR k.naevner IS NOT NULL OR k.individer IS NOT NULL)))
UNION ALL
SELECT niveau, omraade, noegletal_id || ':' || population, NULL, 'POPULATION_UNDER_{MIN_INDIVIDER}_VIST'
FROM noegletal.koblede_populationer WHERE periode = $maaned AND diskretioneret AND antal IS NOT NULL
"""


def kube_med_kendte_sql(tabel: str = "noegletal.kube") -> str:
    """One month of the cube with what an outsider knows besides: which cells of the figures with
    individuals are empty (`uden_individer`: the area has no data of the figure's measure, and who
    delivers is public)."""
    med = ", ".join(f"'{i}'" for i in sorted(maal.med_individer()))
    return f"""SELECT k.*, {f"k.noegletal_id IN ({med}) AND m.omraade IS NULL" if med else "false"} AS {diskretion.UDEN_INDIVIDER}
    FROM {tabel} k LEFT JOIN ({maal.kendte_tomme_sql("$maaned", "$maaned")}) m USING (noegletal_id, periode, omraade)
    WHERE k.periode = $maaned"""


TOMME_CELLER = (" Angriberen ved også, hvilke celler er tomme (kommuner uden modtagere leverer ingen data), "
                "og en tom celle dækker ikke for en anden.")


def angreb_beskrivelse(table: str, populationer: bool = False) -> str:
    """What the attack check on one month of a published cube (or populations) table promises."""
    return (f"Blokerende: en angriber, der kender hele {table} for måneden, strukturen kommune → region → "
            "Danmark og diskretionsårsagerne, kan for intet skjult tal udlede andet end et interval (for hvert "
            f"nøgletal{' og population' if populationer else ''}); fejler med intervallet, hvis det er ét punkt.")


def angreb_validator(populationer: bool = False):
    """The attack of `diskretion.py` on a month of the cube (or populations)."""
    if populationer:
        return lambda frame: diskretion.angrib(frame, ["noegletal_id", "population"], population_tal)
    return lambda frame: diskretion.angrib(frame, ["noegletal_id"], cube_tal)


def angrebs_check(asset: dg.AssetKey, table: str, name: str, populationer: bool = False) -> dg.AssetChecksDefinition:
    """Blocking: the attack of `diskretion.py` on one month of a published cube (or populations) table."""
    return frame_check(
        asset=asset, name=name, blocking=True,
        description=angreb_beskrivelse(table, populationer) + ("" if populationer else TOMME_CELLER),
        sql=f"SELECT * FROM {table} WHERE periode = $maaned" if populationer else kube_med_kendte_sql(),
        validate=angreb_validator(populationer),
    )


checks = [
    frame_check(
        asset=dg.AssetKey(["noegletal", "kube"]), name="taellere_som_datamart", blocking=True,
        description="Blokerende: hver kommunes tæller er det, som nøgletallets mål i datamarten giver.",
        sql=taeller_sql(),
    ),
    frame_check(
        asset=dg.AssetKey(["noegletal", "kube"]), name="diskretion", blocking=True,
        description=f"Blokerende: intet nøgletal med diskretion viser værdi, tæller, nævner eller individer, "
        f"når det hviler på færre end {MIN_INDIVIDER} individer.",
        sql=DISKRETION_SQL,
    ),
    frame_check(
        asset=dg.AssetKey(["noegletal", "kube"]), name="mangler_data",
        description="Advarsel: nøgletal, der ikke kan beregnes for en kommune, fordi den ene side har data og den "
        "anden ingen (fx voksenhandicap uden økonomidata); værdien er tom, og årsagen står her.",
        sql=mangler_data_sql(),
    ),
    angrebs_check(dg.AssetKey(["noegletal", "kube"]), "noegletal.kube", "diskretion_kan_ikke_udregnes"),
    angrebs_check(dg.AssetKey(["noegletal", "koblede_populationer"]), "noegletal.koblede_populationer",
                  "diskretion_kan_ikke_udregnes", populationer=True),
]
