"""datamart checks: totals agree with harmoniseret after DST's deletions; HAND07 differences."""

import dagster as dg

from flis_assets.checks.factory import frame_check

TOTALER_SQL = """
WITH h AS (
    SELECT handlekommune, ydelseskode, count(DISTINCT cpr) AS unikke,
        sum(dage_i_periode) / (date_diff('day', $maaned, last_day($maaned)) + 1) AS helaar
    FROM harmoniseret.vh_ydelser
    WHERE periode = $maaned AND NOT slettes_af_dst AND ydelseskode IS NOT NULL GROUP BY ALL
),
b AS (SELECT handlekommune, ydelseskode, unikke_modtagere AS unikke, helaarsmodtagere AS helaar
      FROM datamart.vh_benchmark WHERE periode = $maaned),
d AS (SELECT handlekommune, ydelseskode, unikke_modtagere AS unikke, helaarsmodtagere AS helaar
      FROM datamart.vh_dimensioner WHERE periode = $maaned AND tidsenhed = 'maaned' AND dimension = 'i_alt')
SELECT handlekommune, ydelseskode, 'BENCHMARK_AFVIGER_FRA_HARMONISERET' AS regel, h.unikke, b.unikke AS datamart
FROM h FULL OUTER JOIN b USING (handlekommune, ydelseskode)
WHERE h.unikke IS DISTINCT FROM b.unikke OR abs(coalesce(h.helaar, -1) - coalesce(b.helaar, -1)) > 1e-9
UNION ALL
SELECT handlekommune, ydelseskode, 'DIMENSIONER_AFVIGER_FRA_BENCHMARK', d.unikke, b.unikke
FROM d FULL OUTER JOIN b USING (handlekommune, ydelseskode)
WHERE d.unikke IS DISTINCT FROM b.unikke OR abs(coalesce(d.helaar, -1) - coalesce(b.helaar, -1)) > 1e-9
"""

HAND07_SQL = """
SELECT kommunekode, ydelseskode, kvartal, flis, hand07, difference,
    CASE WHEN hand07 IS NULL THEN 'MANGLER_I_HAND07' ELSE 'AFVIGER_FRA_HAND07' END AS regel
FROM datamart.vh_hand07_afstemning
WHERE periode = $maaned AND difference IS DISTINCT FROM 0
ORDER BY abs(coalesce(difference, flis)) DESC, kommunekode, ydelseskode
"""

checks = [
    frame_check(
        asset=dg.AssetKey(["datamart", "vh_benchmark"]), name="totaler_som_harmoniseret", blocking=True,
        description="Blokerende: unikke modtagere og helårsmodtagere pr. kommune og ydelse er de samme i "
        "benchmark-datamarten, i dimensionstabellen og i harmoniseret efter DST's sletninger.",
        sql=TOTALER_SQL, additional_deps=[dg.AssetKey(["datamart", "vh_dimensioner"])],
    ),
    frame_check(
        asset=dg.AssetKey(["datamart", "vh_hand07_afstemning"]), name="hand07_afvigelser",
        description="Advarer om kommuner, ydelser og kvartaler hvor FLIS' unikke modtagere (godkendte data) "
        "afviger fra Statistikbankens HAND07.",
        sql=HAND07_SQL,
    ),
]
