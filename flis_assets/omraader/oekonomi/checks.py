"""Økonomi's checks: no account line lost between rådata and the stock replaced by period (blocking),
and the differences from DST's REGK31 (a warning)."""

import dagster as dg

from flis_assets import snitflader
from flis_assets.checks.factory import frame_check
from flis_assets.defs.dsa.checks import lost_check
from flis_assets.defs.dsa.common import linjer_join
from flis_assets.omraader.oekonomi import dsa as oekonomi

OEK = snitflader.kilde("oekonomi")
# Økonomi keeps per (kommune, periode) the newest delivery: every group this month's deliveries
# hold is in the stock, and a group taken from a file holds all of that file's lines for it.
OEKONOMI_LOST_SQL = f"""
WITH lev AS (SELECT fil, indhold_fra, kommunekode FROM raadata.leverancer
             WHERE kilde = 'oekonomi' AND status = 'indlaest' AND indlaesningsmaaned = $maaned),
raa AS (SELECT l.fil, l.kommunekode, {OEK.felt("periode").typed_sql("r.felt_1")} AS periode, count(*) AS n
        FROM lev l {linjer_join("oekonomi")} GROUP BY ALL),
b AS MATERIALIZED ({oekonomi.bestand_sql("$maaned", "SELECT kommunekode, periode FROM raa")}),
bestand AS (SELECT kommunekode, periode, fil, count(*) AS n FROM b GROUP BY ALL)
SELECT raa.kommunekode, raa.periode::VARCHAR AS periode, raa.fil, 'BESTAND_FORSVUNDET' AS regel
FROM raa ANTI JOIN bestand USING (kommunekode, periode)
UNION ALL
SELECT b.kommunekode, b.periode::VARCHAR, b.fil, 'LINJER_TABT_MELLEM_RAADATA_OG_DSA'
FROM bestand b JOIN raa USING (fil, kommunekode, periode) WHERE b.n <> raa.n
"""


# REGK31 rounds to whole 1,000 DKK: a difference of more than 1 (1,000 DKK) is more than rounding.
REGK31_GRAENSE = 1
REGK31_SQL = f"""
SELECT aar, kommunekode, hovedfunktion, flis, regk31, difference,
    CASE WHEN regk31 IS NULL THEN 'MANGLER_I_REGK31' ELSE 'AFVIGER_FRA_REGK31' END AS regel
FROM datamart.regnskab_afstemning
WHERE periode = $maaned AND abs(difference) > {REGK31_GRAENSE}
ORDER BY abs(difference) DESC, kommunekode, hovedfunktion
"""

checks = [
    lost_check("oekonomi", OEKONOMI_LOST_SQL),
    frame_check(
        asset=dg.AssetKey(["datamart", "regnskab_afstemning"]), name="regk31_afvigelser",
        description="Advarer om hvert år, hver kommune og hver hovedfunktion, hvor FLIS' nettodriftsudgifter "
        "afviger mere end 1.000 kr. fra DST's REGK31 (afstemt for hele år, når REGK31 har året).",
        sql=REGK31_SQL,
    ),
]
