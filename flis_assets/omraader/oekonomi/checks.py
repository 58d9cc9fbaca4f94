"""Økonomi's checks: no account line lost between rådata and the stock replaced by period (blocking)."""

from flis_assets import snitflader
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


checks = [lost_check("oekonomi", OEKONOMI_LOST_SQL)]
