"""harmoniseret checks: no line lost between DSA and harmoniseret (blocking)."""

import dagster as dg

from flis_assets.checks.factory import frame_check

# Independent of the placement logic: a line always lies in the month it starts, and a line that
# cannot be placed in the load months it sat in the stock that way; and never twice in a period.
LINJER_BEVARET_SQL = """
WITH n AS (SELECT max(indlaesningsmaaned) AS n FROM dsa.vh),
stock AS (SELECT * FROM dsa.vh WHERE indlaesningsmaaned = (SELECT n FROM n)),
forventet AS (
    SELECT kommunekode, fagsystem, ydelse_id FROM stock
    WHERE date_trunc('month', startdato) = $maaned AND (slutdato IS NULL OR slutdato >= startdato)
    UNION
    SELECT s.kommunekode, s.fagsystem, s.ydelse_id FROM stock s
    JOIN dsa.vh h ON h.indlaesningsmaaned = $maaned AND h.kommunekode = s.kommunekode
        AND h.fagsystem = s.fagsystem AND h.ydelse_id = s.ydelse_id
    WHERE NOT (s.startdato IS NOT NULL AND (s.slutdato IS NULL OR s.slutdato >= s.startdato))
      AND NOT (h.startdato IS NOT NULL AND (h.slutdato IS NULL OR h.slutdato >= h.startdato))
),
faktisk AS (SELECT kommunekode, fagsystem, ydelse_id, count(*) AS n FROM harmoniseret.vh_ydelser
            WHERE periode = $maaned GROUP BY ALL)
SELECT f.kommunekode, f.fagsystem, f.ydelse_id, 'LINJE_TABT_MELLEM_DSA_OG_HARMONISERET' AS regel
FROM forventet f ANTI JOIN faktisk USING (kommunekode, fagsystem, ydelse_id)
UNION ALL
SELECT kommunekode, fagsystem, ydelse_id, 'LINJE_DOBBELT_I_PERIODEN' FROM faktisk WHERE n > 1
"""

checks = [
    frame_check(
        asset=dg.AssetKey(["harmoniseret", "vh_ydelser"]), name="linjer_bevaret", blocking=True,
        description="Blokerende: hver linje i den nyeste DSA-bestand står i sin startmåned (uplacerbare i de "
        "indlæsningsmåneder, de blev leveret i), og ingen linje står to gange i en periode.",
        sql=LINJER_BEVARET_SQL,
    ),
]
