"""datamart: Skole's pupils across kommuner, aggregated, no CPR numbers."""

from flis_assets.defs.periodetabeller import periode_assets

assets = periode_assets("datamart", "skole", {
    "datamart.skole_elever": ("""
        SELECT periode, kommunekode, klassetrin, undervisningstilbud, count(DISTINCT cpr) AS elever,
            sum(fravaersdage) AS fravaersdage, sum(skoledage)::BIGINT AS skoledage
        FROM harmoniseret.skole_elever WHERE periode BETWEEN $fra AND $til GROUP BY ALL""",
        [["harmoniseret", "skole_elever"]],
        "Elever, fraværsdage og skoledage pr. periode, skolekommune, klassetrin og tilbud."),
})
