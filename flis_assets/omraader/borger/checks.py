"""Borger's (CPR) checks: no person lost between rådata and the register (blocking), and a death
date never before the birth date.
"""

import polars as pl

from flis_assets import snitflader
from flis_assets.defs.dsa.checks import lost_check, validity_check
from flis_assets.defs.dsa.common import linjer_join
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


checks = [
    lost_check("cpr", CPR_LOST_SQL, borger.register_hash),
    validity_check("cpr", None, {"DOEDSDATO_FOER_FOEDSELSDATO": ~(pl.col("doedsdato") < pl.col("foedselsdato"))},
                   "Personer hvis dødsdato ligger før fødselsdatoen."),
]
