"""Ældre's checks: DST's validity rules on the stock (warnings: DST deletes such lines, FLIS keeps
and marks them), unique ids, the systemskifte rules' fagsystemer, and no line lost into harmoniseret
(blocking). No CPR number in any check's metadata: lines are named by kommune, fagsystem and id.
"""

import polars as pl

from flis_assets import kodelister
from flis_assets.defs.dsa import aendrede_perioder
from flis_assets.defs.dsa.checks import bestand_checks
from flis_assets.defs.harmoniseret.linjer import linjer_bevaret_check
from flis_assets.omraader.aeldre import harmoniseret


def regler() -> dict[str, pl.Expr]:
    """DST's deleting rules that need no other source (harmoniseringsregler.csv), true for good lines."""
    indsatser = kodelister.load("aeldre_indsatser")
    par = (indsatser["indsatstype"] + "|" + indsatser["paragraf"]).to_list()
    med_timer = indsatser.filter(pl.col("hjemmehjaelp") == "true")["indsatstype"].to_list()
    timer = pl.col("timer_pr_uge")
    ugyldige_timer = timer.is_null() | (timer <= 0).fill_null(False) | (timer > 168).fill_null(False)
    return {
        "UGYLDIG_INDSATS": pl.concat_str("indsatstype", pl.lit("|"), "paragraf").is_in(par).fill_null(False),
        "MANGLENDE_VISITATIONSDATO": pl.col("visitationsdato").is_not_null(),
        "SLUTDATO_FOER_STARTDATO": ~(pl.col("slutdato") < pl.col("startdato")),
        "TIMER_UGYLDIGE": ~(pl.col("indsatstype").is_in(med_timer).fill_null(False) & ugyldige_timer),
    }


# Independent of harmoniseret's placement: a placeable line always lies in the month of its from
# day (a care home from its visitation or earlier start, anything else from its start, never
# begun from its visitation), one that cannot be placed in the load months it sat in the stock
# that way; and never twice in a period.
PLACERBAR = aendrede_perioder.placeable(fra_col=aendrede_perioder.fra("aeldre"))
FORVENTET_SQL = f"""
WITH n AS (SELECT max(indlaesningsmaaned) AS n FROM dsa.aeldre),
stock AS (SELECT s.*, CASE WHEN s.indsatstype IN (SELECT indsatstype FROM kodelister.aeldre_indsatser
                                                  WHERE plejebolig::BOOLEAN)
                           THEN least(visitationsdato, startdato) ELSE coalesce(startdato, visitationsdato) END AS fra_dag
          FROM dsa.aeldre s WHERE indlaesningsmaaned = (SELECT n FROM n))
SELECT kommunekode, fagsystem, indsats_id FROM stock
WHERE date_trunc('month', fra_dag) = $maaned AND {PLACERBAR}
UNION
SELECT s.kommunekode, s.fagsystem, s.indsats_id FROM stock s
JOIN dsa.aeldre h ON h.indlaesningsmaaned = $maaned AND h.kommunekode = s.kommunekode
    AND h.fagsystem = s.fagsystem AND h.indsats_id = s.indsats_id
WHERE NOT ({aendrede_perioder.placeable("s", aendrede_perioder.fra("aeldre", "s"))})
  AND NOT ({aendrede_perioder.placeable("h", aendrede_perioder.fra("aeldre", "h"))})
"""

assert set(regler()) <= set(harmoniseret.REGLER)

checks = [
    *bestand_checks(
        "aeldre", "indsats_id", regler(),
        "DST's gyldighedsregler for Ældre (DST sletter linjerne; FLIS beholder og opmærker dem i harmoniseret).",
    ),
    linjer_bevaret_check(
        "aeldre_indsatser", "kommunekode, fagsystem, indsats_id", FORVENTET_SQL,
        "Blokerende: hver linje i den nyeste DSA-bestand af Ældre står i sin første periode (plejebolig fra "
        "visitationen, uplacerbare i de indlæsningsmåneder, de blev leveret i), og ingen linje står to gange "
        "i en periode.",
    ),
]
