"""harmoniseret: Skole's pupils per statistical period, kommune-specific.

Pupils of a period are the Skole stock as known after that load month: each delivery describes
the pupils enrolled at the end of its own month. A kommune that did not deliver that month counts
with its newest earlier delivery (`leverancemaaned` shows which). Skole has no kommune field of its
own: its kommune is the file's, which landing checks.
"""

from flis_assets.defs.periodetabeller import periode_assets

ELEVER_SQL = """
SELECT indlaesningsmaaned AS periode, kommunekode, fagsystem, leverancemaaned, cpr, skolekode, klassetrin,
    undervisningstilbud, fravaersdage, skoledage, klassetrin BETWEEN 0 AND 9 AS klassetrin_0_9
FROM dsa.skole WHERE indlaesningsmaaned BETWEEN $fra AND $til
"""

assets = periode_assets("harmoniseret", "skole", {
    "harmoniseret.skole_elever": (ELEVER_SQL, [["dsa", "skole"]],
                                  "Eleverne ved periodens udgang pr. skolekommune: klassetrin, undervisningstilbud og "
                                  "fravær (kommunespecifik)."),
})
