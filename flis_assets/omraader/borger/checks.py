"""Borger's (CPR) checks: no person lost between rådata and the register (blocking), a death
date never before the birth date, the population's balance with its movements (blocking: every
denominator reads the population) and the reconciliation with Statistikbanken's FOLK1A (warning).
"""

import dagster as dg
import polars as pl

from flis_assets import snitflader
from flis_assets.checks.factory import frame_check
from flis_assets.defs.datamart import afstemning
from flis_assets.defs.dsa.checks import lost_check, validity_check
from flis_assets.defs.dsa.common import linjer_join
from flis_assets.omraader.borger import datamart
from flis_assets.omraader.borger import dsa as borger

CPR = snitflader.kilde("cpr")
CPR_LOST_SQL = f"""
WITH u AS (SELECT indhold_fra FROM raadata.leverancer WHERE kilde = 'cpr' AND status = 'indlaest'
           AND indlaesningsmaaned = $maaned ORDER BY leverancedato DESC, indlaest_tid DESC, fil DESC LIMIT 1),
e AS (SELECT r.fil, r.linjenr, {CPR.typed_select("r")} FROM u {linjer_join("cpr", "u")}
      WHERE r.indlaesningsmaaned <= $maaned)
SELECT 0 AS kommunekode, 'CPR' AS fagsystem, e.fil, e.linjenr, 'PERSON_TABT_MELLEM_RAADATA_OG_DSA' AS regel
FROM e LEFT JOIN {borger.REGISTER_HASH} reg USING (cpr)
WHERE reg.cpr IS NULL OR {borger.HASH} <> reg.h
"""

NETTO = " + ".join(f"{fortegn} * coalesce(sum(antal) FILTER (WHERE bevaegelse = '{b}'), 0)"
                   for b, fortegn in datamart.FORTEGN.items())
# Residents now = residents before + the period's movements, for every kommune of a period that has
# a previous period (a register at the end of the month before); a period without one has no movements.
BALANCE_SQL = f"""
WITH bev AS (SELECT kommunekode, {NETTO} AS bevaegelser FROM datamart.befolkningsbevaegelser
             WHERE periode = $maaned GROUP BY ALL),
nu AS (SELECT kommunekode, sum(antal) AS nu FROM datamart.befolkning WHERE periode = $maaned GROUP BY ALL),
foer AS (SELECT kommunekode, sum(antal) AS foer FROM datamart.befolkning
         WHERE periode = ($maaned::DATE - INTERVAL 1 MONTH)::DATE GROUP BY ALL)
SELECT kommunekode, coalesce(foer, 0) AS indbyggere_foer, coalesce(bevaegelser, 0) AS bevaegelser,
    coalesce(nu, 0) AS indbyggere_nu, 'INDBYGGERE_STEMMER_IKKE_MED_BEVAEGELSERNE' AS regel
FROM bev FULL OUTER JOIN nu USING (kommunekode) FULL OUTER JOIN foer USING (kommunekode)
WHERE $maaned::DATE > {datamart.FOERSTE_REGISTER}
  AND coalesce(nu, 0) <> coalesce(foer, 0) + coalesce(bevaegelser, 0)
UNION ALL
SELECT kommunekode, NULL, bevaegelser, NULL, 'BEVAEGELSER_UDEN_FORRIGE_PERIODE' FROM bev
WHERE $maaned::DATE <= coalesce({datamart.FOERSTE_REGISTER}, $maaned::DATE)
ORDER BY kommunekode
"""

checks = [
    lost_check("cpr", CPR_LOST_SQL, borger.register_hash),
    validity_check("cpr", None, {"DOEDSDATO_FOER_FOEDSELSDATO": ~(pl.col("doedsdato") < pl.col("foedselsdato"))},
                   "Personer hvis dødsdato ligger før fødselsdatoen."),
    frame_check(
        asset=dg.AssetKey(["datamart", "befolkning"]), name="balance_med_bevaegelser", blocking=True,
        description="Blokerende: for hver kommune er indbyggerne ved periodens udgang indbyggerne ved udgangen "
        "af perioden før plus fødte, tilflyttede og indvandrede minus døde, fraflyttede og udvandrede.",
        sql=BALANCE_SQL, additional_deps=[dg.AssetKey(["datamart", "befolkningsbevaegelser"])],
    ),
    afstemning.afvigelser_check(
        "folk1a_afstemning", "folk1a", ["kommunekode"],
        "Advarer om kommuner og kvartaler, hvor FLIS' indbyggere ved udgangen af måneden før "
        "kvartalet afviger fra Statistikbankens FOLK1A (befolkningen den 1. i kvartalet).",
    ),
]
