"""datamart: Udsatte børn og unge's measures across kommuner, aggregated, no CPR numbers.

Measures a rule deletes (dst_handling Slettes, e.g. UKENDT_KOMMUNEKODE) are left out, as in VH.
"""

from flis_assets.defs.periodetabeller import periode_assets

assets = periode_assets("datamart", "udsatte", {
    "datamart.udsatte_foranstaltninger": ("""
        SELECT periode, handlekommune, foranstaltningstype, paragraf,
            count(DISTINCT cpr) AS boern_aabne, count(*) AS foranstaltninger_aabne
        FROM harmoniseret.udsatte_foranstaltninger
        WHERE periode BETWEEN $fra AND $til AND aaben_sidste_dag AND NOT slettes_af_dst GROUP BY ALL""",
        [["harmoniseret", "udsatte_foranstaltninger"]],
        "Børn med en åben foranstaltning på periodens sidste dag pr. handlekommune, type og paragraf."),
})
