"""Harmonisation rules shared by several areas, as SQL fragments over a line's columns.

The rule names are one code list across areas (`kodelister/harmoniseringsregler.csv`): a rule of
the same name is the same rule, so it is written once, here, and each area's harmonisation uses
it (Voksenhandicap, Ældre). Where in time an area annotates a hit is the area's (its spec pins it).
"""

UENDELIG = "DATE '9999-12-31'"


def alternativ_slutdato(slutdato: str, doedsdato: str) -> str:
    """DOEDSDATO_SOM_SLUTDATO: an open line of a citizen who is dead (CPR) ends, for DST, on the
    death date (the line's alternative slutdato); a line with a slutdato keeps it."""
    return f"CASE WHEN {slutdato} IS NULL THEN {doedsdato} END"


# The hit conditions over a line with columns startdato, slutdato, alternativ_slutdato.
DOEDSDATO_SOM_SLUTDATO = "alternativ_slutdato IS NOT NULL"
SLUTDATO_FOER_STARTDATO = "slutdato < startdato"


def til(fra: str, slutdato: str, alternativ: str) -> str:
    """Where a placed line ends in time: its (alternative) slutdato, open = NULL; the month of its
    from day when a death before that day would end it before it began."""
    slut = f"coalesce({alternativ}, {slutdato})"
    return f"CASE WHEN {slut} < {fra} THEN last_day({fra}) ELSE {slut} END"


def alder(foedselsdato: str, dag: str) -> str:
    """Whole years of age on `dag` (a birthday on the day counts)."""
    return (f"date_diff('year', {foedselsdato}, {dag}) - CASE WHEN strftime({foedselsdato}, '%m%d') "
            f"> strftime({dag}, '%m%d') THEN 1 ELSE 0 END")
