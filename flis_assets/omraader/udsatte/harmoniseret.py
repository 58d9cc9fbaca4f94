"""harmoniseret: Udsatte børn og unge's measures per statistical period, kommune-specific.

Measures of a period come from the newest Udsatte stock (newest knowledge); a measure is open on
the period's last day when it started by then and ends on that day or later (or is open). A
handlekommune outside kommuner.csv is the delivering kommune, marked (UKENDT_KOMMUNEKODE).
"""

from flis_assets.defs.harmoniseret import kommunekoder
from flis_assets.defs.periodetabeller import MAANEDER, periode_assets

# A handlekommune that is not a kommune: the measure stays the delivering kommune's, marked with
# the rule and its action from the rule table (kommunekoder.py), as the VH lines are.
assert kommunekoder.felter("udsatte") == ["handlekommune"], "every kommune field interpreted"
FORANSTALTNINGER_SQL = f"""
WITH stock AS (SELECT *, {kommunekoder.kendt("udsatte")} FROM dsa.udsatte
               WHERE indlaesningsmaaned = (SELECT max(indlaesningsmaaned) FROM dsa.udsatte))
SELECT m.periode, s.kommunekode, s.foranstaltning_id, s.cpr,
    CASE WHEN s.handlekommune_kendt THEN s.handlekommune ELSE s.kommunekode END AS handlekommune,
    s.handlekommune AS handlekommune_leveret, s.foranstaltningstype, s.paragraf,
    s.startdato, s.slutdato,
    s.startdato <= last_day(m.periode) AND coalesce(s.slutdato, DATE '9999-12-31') >= last_day(m.periode)
        AS aaben_sidste_dag,
    CASE WHEN {kommunekoder.ukendt("udsatte", "s")} THEN r.regel || ' (' || r.dst_handling || ')' END AS opmaerkninger,
    {kommunekoder.ukendt("udsatte", "s")} AND r.dst_handling = 'Slettes' AS slettes_af_dst,
    s.indlaesningsmaaned
FROM stock s JOIN ({MAANEDER}) m
  ON s.startdato <= last_day(m.periode) AND coalesce(s.slutdato, DATE '9999-12-31') >= m.periode
LEFT JOIN kodelister.harmoniseringsregler r ON r.regel = '{kommunekoder.REGEL}'
WHERE s.slutdato IS NULL OR s.slutdato >= s.startdato
"""

assets = periode_assets("harmoniseret", "udsatte", {
    "harmoniseret.udsatte_foranstaltninger": (FORANSTALTNINGER_SQL, [["dsa", "udsatte"]],
                                              "Foranstaltningerne efter Serviceloven pr. periode, og om de er åbne på "
                                              "periodens sidste dag (kommunespecifik)."),
})
