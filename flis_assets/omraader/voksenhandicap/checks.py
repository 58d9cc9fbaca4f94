"""Voksenhandicap's checks: DST's validity rules on the stock, no line lost into harmoniseret, the
datamart's totals, the HAND07 reconciliation, and the systemskifte rules' fagsystemer.
"""

import dagster as dg
import polars as pl

from flis_assets import kodelister
from flis_assets.checks.factory import frame_check
from flis_assets.defs.datamart import afstemning
from flis_assets.defs.dsa.checks import bestand_checks
from flis_assets.defs.harmoniseret.linjer import linjer_bevaret_check


def regler(names: list[str]) -> dict[str, pl.Expr]:
    """DST validity rules that need no other source, by their names in harmoniseringsregler.csv."""
    ydelser = kodelister.load("vh_ydelser")["ydelseskode"].to_list()
    maalgrupper = kodelister.load("vh_maalgrupper")["maalgruppekode"].to_list()
    alle = {
        "UGYLDIG_YDELSESKODE": pl.col("ydelseskode").is_in(ydelser) & pl.col("ydelseskode").is_not_null(),
        "UGYLDIG_MAALGRUPPE": pl.col("maalgrupper").is_not_null()
        & pl.col("maalgrupper").str.split(",").list.eval(pl.element().str.strip_chars().is_in(maalgrupper)).list.all(),
        "MANGLENDE_STARTDATO": pl.col("startdato").is_not_null(),
        "SLUTDATO_FOER_STARTDATO": ~(pl.col("slutdato") < pl.col("startdato")),
    }
    known = set(kodelister.load("harmoniseringsregler")["regel"])
    assert set(names) <= known, f"unknown rules {set(names) - known}"
    return {n: alle[n] for n in names}



# Independent of the placement logic: a line always lies in the month it starts, and a line that
# cannot be placed in the load months it sat in the stock that way; and never twice in a period.
FORVENTET_SQL = """
WITH n AS (SELECT max(indlaesningsmaaned) AS n FROM dsa.vh),
stock AS (SELECT * FROM dsa.vh WHERE indlaesningsmaaned = (SELECT n FROM n))
SELECT kommunekode, fagsystem, ydelse_id FROM stock
WHERE date_trunc('month', startdato) = $maaned AND (slutdato IS NULL OR slutdato >= startdato)
UNION
SELECT s.kommunekode, s.fagsystem, s.ydelse_id FROM stock s
JOIN dsa.vh h ON h.indlaesningsmaaned = $maaned AND h.kommunekode = s.kommunekode
    AND h.fagsystem = s.fagsystem AND h.ydelse_id = s.ydelse_id
WHERE NOT (s.startdato IS NOT NULL AND (s.slutdato IS NULL OR s.slutdato >= s.startdato))
  AND NOT (h.startdato IS NOT NULL AND (h.slutdato IS NULL OR h.slutdato >= h.startdato))
"""


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

checks = [
    *bestand_checks(
        "vh", "ydelse_id",
        regler(["UGYLDIG_YDELSESKODE", "UGYLDIG_MAALGRUPPE", "MANGLENDE_STARTDATO", "SLUTDATO_FOER_STARTDATO"]),
        "DST's gyldighedsregler (DST sletter linjerne; FLIS beholder og opmærker dem i harmoniseret).",
    ),
    linjer_bevaret_check(
        "vh_ydelser", "kommunekode, fagsystem, ydelse_id", FORVENTET_SQL,
        "Blokerende: hver linje i den nyeste DSA-bestand står i sin startmåned (uplacerbare i de "
        "indlæsningsmåneder, de blev leveret i), og ingen linje står to gange i en periode.",
    ),
    frame_check(
        asset=dg.AssetKey(["datamart", "vh_benchmark"]), name="totaler_som_harmoniseret", blocking=True,
        description="Blokerende: unikke modtagere og helårsmodtagere pr. kommune og ydelse er de samme i "
        "benchmark-datamarten, i dimensionstabellen og i harmoniseret efter DST's sletninger.",
        sql=TOTALER_SQL, additional_deps=[dg.AssetKey(["datamart", "vh_dimensioner"])],
    ),
    afstemning.afvigelser_check(
        "vh_hand07_afstemning", "hand07", ["kommunekode", "ydelseskode"],
        "Advarer om kommuner, ydelser og kvartaler hvor FLIS' unikke modtagere (godkendte data) "
        "afviger fra Statistikbankens HAND07.",
    ),
]
