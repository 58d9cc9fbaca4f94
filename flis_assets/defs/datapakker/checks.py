"""datapakker checks, both blocking: they stop the files from being written.

- A kommune's individual-level package holds only lines whose interpreted handlekommune is it.
- Nothing in a package shows a figure resting on fewer than five individuals, and no withheld
  key figure or population in the `noegletal` package can be worked out from the rest of it, nor a
  withheld benchmark row of `vh_datamart` from the key figures that sum it.
"""

import dagster as dg

from flis_assets.checks.factory import frame_check
from flis_assets.defs.noegletal import benchmark_diskretion
from flis_assets.defs.noegletal.checks import angrebs_check
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.defs.noegletal.benchmark_diskretion import hviler_paa_sql

INDHOLD = dg.AssetKey(["datapakker", "indhold"])

# The only package tables that list individuals, each with the harmonised table of its own area:
# their columns may come from that table alone, so no package ever joins two areas' individuals
# or lists those behind a linked figure.
INDIVIDLISTER = {
    "vh_individ": ["harmoniseret.vh_ydelser", "harmoniseret.vh_opmaerkninger"],
    "vh_regelrapport": ["harmoniseret.vh_opmaerkninger"],
    "skole_individ": ["harmoniseret.skole_elever"],
    "udsatte_individ": ["harmoniseret.udsatte_foranstaltninger"],
}
EGNE_KOLONNER = ("modtager", "leverandoer", "opmaerkninger", "antal_linjer")  # added by the package itself

INGEN_KOBLEDE_INDIVIDER_SQL = f"""
WITH kol AS (SELECT table_schema || '.' || table_name AS tabel, table_name, column_name
             FROM information_schema.columns WHERE table_schema IN ('datapakker', 'harmoniseret')),
tilladt AS ({" UNION ALL ".join(f"SELECT '{t}' AS pakke, '{k}' AS kilde" for t, ks in INDIVIDLISTER.items() for k in ks)})
SELECT kol.table_name AS pakke, kol.column_name AS kolonne, 'CPR_I_PAKKE_UDEN_INDIVIDLISTE' AS regel
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.column_name = 'cpr'
  AND kol.table_name NOT IN (SELECT pakke FROM tilladt)
UNION ALL
SELECT kol.table_name, kol.column_name, 'KOLONNE_FRA_ET_ANDET_OMRAADE'
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.table_name IN (SELECT pakke FROM tilladt)
  AND kol.column_name NOT IN {EGNE_KOLONNER}
  AND kol.column_name NOT IN (SELECT k2.column_name FROM kol k2 JOIN tilladt t ON k2.tabel = t.kilde
                              WHERE t.pakke = kol.table_name)
  AND $maaned IS NOT NULL
"""

# One period's published figures of `benchmark_diskretion.figurer()` (kommune level) and benchmark rows.
FIGURER_OG_RAEKKER_SQL = f"""
SELECT 'noegletal' AS tabel, omraade, noegletal_id AS noegle, taeller, naevner, individer,
    NULL::DOUBLE AS helaarsmodtagere, NULL::BIGINT AS unikke_modtagere, diskretioneret, diskretion_aarsag
FROM datapakker.noegletal WHERE periode = $maaned AND niveau = 'kommune'
  AND noegletal_id IN (SELECT DISTINCT noegletal_id FROM ({hviler_paa_sql()}))
UNION ALL
SELECT 'vh_datamart', lpad(handlekommune::VARCHAR, 3, '0'), ydelseskode, NULL, NULL, NULL,
    helaarsmodtagere, unikke_modtagere, diskretioneret, diskretion_aarsag
FROM datapakker.vh_datamart WHERE periode = $maaned
"""

checks = [
    frame_check(
        asset=INDHOLD, name="kun_egne_individer", blocking=True,
        description="Blokerende: vh_individ og vh_regelrapport til en kommune rummer kun linjer, hvor kommunen "
        "er (fortolket) handlekommune, skole_individ kun kommunens egne skolers elever og udsatte_individ kun "
        "foranstaltninger, hvor kommunen er handlekommune.",
        sql="""SELECT modtager AS kommunekode, fagsystem, ydelse_id, handlekommune, 'ANDEN_KOMMUNES_LINJE' AS regel
               FROM datapakker.vh_individ WHERE periode = $maaned AND handlekommune <> modtager
               UNION ALL
               SELECT modtager, NULL, skolekode::VARCHAR, kommunekode, 'ANDEN_KOMMUNES_ELEV'  -- never a CPR number
               FROM datapakker.skole_individ WHERE periode = $maaned AND kommunekode <> modtager
               UNION ALL
               SELECT modtager, NULL, foranstaltning_id, handlekommune, 'ANDEN_KOMMUNES_FORANSTALTNING'
               FROM datapakker.udsatte_individ WHERE periode = $maaned AND handlekommune <> modtager
               UNION ALL
               SELECT modtager, NULL, NULL, handlekommune, 'ANDEN_KOMMUNES_BORGER'
               FROM datapakker.vh_regelrapport WHERE periode = $maaned AND handlekommune <> modtager""",
    ),
    frame_check(
        asset=INDHOLD, name="ingen_koblede_individlister", blocking=True,
        description="Blokerende: kun de kommunespecifikke individpakker (ét område hver) har CPR-numre, og deres "
        "kolonner kommer kun fra deres eget områdes harmoniserede data: ingen pakke viser individerne bag et "
        "koblet nøgletal eller kombinerer to områders individlister.",
        sql=INGEN_KOBLEDE_INDIVIDER_SQL,
    ),
    frame_check(
        asset=INDHOLD, name="diskretion", blocking=True,
        description=f"Blokerende: ingen pakke viser et tal, der hviler på færre end {MIN_INDIVIDER} individer.",
        sql=f"""SELECT 'noegletal' AS pakke, omraade, noegletal_id AS noegle, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER' AS regel
                FROM datapakker.noegletal k LEFT JOIN kodelister.noegletal n USING (noegletal_id)
                WHERE k.periode = $maaned AND coalesce(n.diskretion, true)
                  AND (k.vaerdi IS NOT NULL OR k.taeller IS NOT NULL OR k.naevner IS NOT NULL OR k.individer IS NOT NULL)
                  AND coalesce(k.individer, 0) < {MIN_INDIVIDER}
                UNION ALL
                SELECT 'vh_datamart', lpad(handlekommune::VARCHAR, 3, '0'), ydelseskode, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
                FROM datapakker.vh_datamart
                WHERE periode = $maaned AND (unikke_modtagere < {MIN_INDIVIDER}
                      OR (unikke_modtagere IS NULL AND helaarsmodtagere IS NOT NULL))
                UNION ALL
                SELECT 'vh_datamart', k.omraade, d.ydelseskode, 'VIST_SKOENT_NOEGLETAL_DER_HVILER_PAA_DEN_ER_SKJULT'
                FROM datapakker.vh_datamart d
                JOIN noegletal.kube k ON k.periode = d.periode AND k.niveau = 'kommune' AND k.diskretioneret
                 AND k.omraade = lpad(d.handlekommune::VARCHAR, 3, '0')
                JOIN ({hviler_paa_sql()}) h ON h.noegletal_id = k.noegletal_id AND h.ydelseskode = d.ydelseskode
                WHERE d.periode = $maaned AND (d.helaarsmodtagere IS NOT NULL OR d.unikke_modtagere IS NOT NULL)
                UNION ALL
                SELECT 'noegletal_populationer', omraade, noegletal_id || ':' || population,
                    'POPULATION_UNDER_{MIN_INDIVIDER}'
                FROM datapakker.noegletal_populationer WHERE periode = $maaned AND diskretioneret AND antal IS NOT NULL
                UNION ALL
                SELECT 'vh_hand07_benchmark', lpad(kommunekode::VARCHAR, 3, '0'), ydelseskode, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
                FROM datapakker.vh_hand07_benchmark WHERE periode = $maaned AND flis < {MIN_INDIVIDER}""",
    ),
    angrebs_check(INDHOLD, "datapakker.noegletal", "noegletal_kan_ikke_udregnes"),
    frame_check(
        asset=INDHOLD, name="benchmark_kan_ikke_udregnes", blocking=True,
        description="Blokerende: i hver kommune er et vist nøgletal over flere ydelser summen af kommunens "
        "benchmarkrækker i vh_datamart. Ingen skjult række må kunne regnes ud af nøgletallet og de viste rækker, og "
        "intet skjult nøgletal må være summen af viste tal; fejler med det udregnede tal.",
        sql=FIGURER_OG_RAEKKER_SQL, validate=benchmark_diskretion.angrib,
    ),
    angrebs_check(INDHOLD, "datapakker.noegletal_populationer", "populationer_kan_ikke_udregnes", populationer=True),
]
