"""datapakker checks, both blocking: they stop the files from being written.

- A kommune's individual-level package holds only lines whose interpreted handlekommune is it.
- Nothing in a package shows a figure resting on fewer than five individuals.
"""

import dagster as dg

from flis_assets.checks.factory import frame_check
from flis_assets.defs.noegletal.kube import MIN_INDIVIDER

INDHOLD = dg.AssetKey(["datapakker", "indhold"])

checks = [
    frame_check(
        asset=INDHOLD, name="kun_egne_individer", blocking=True,
        description="Blokerende: vh_individ og vh_regelrapport til en kommune rummer kun linjer, hvor kommunen "
        "er (fortolket) handlekommune.",
        sql="""SELECT modtager AS kommunekode, fagsystem, ydelse_id, handlekommune, 'ANDEN_KOMMUNES_LINJE' AS regel
               FROM datapakker.vh_individ WHERE periode = $maaned AND handlekommune <> modtager
               UNION ALL
               SELECT modtager, NULL, NULL, handlekommune, 'ANDEN_KOMMUNES_BORGER'
               FROM datapakker.vh_regelrapport WHERE periode = $maaned AND handlekommune <> modtager""",
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
                SELECT 'vh_hand07_benchmark', lpad(kommunekode::VARCHAR, 3, '0'), ydelseskode, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
                FROM datapakker.vh_hand07_benchmark WHERE periode = $maaned AND flis < {MIN_INDIVIDER}""",
    ),
]
