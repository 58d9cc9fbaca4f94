"""Udsatte's data package (`defs/datapakker/katalog.py`): `udsatte_individ`, the measures the kommune
is handlekommune for. Individual-level data of this area alone: FLIS never combines two areas' lists."""

from flis_assets.defs.datapakker.katalog import Pakke, Tabel

# Not the stock's load month (`indlaesningsmaaned`): a period no correction touched keeps the month
# it was last computed from, so the package would differ from a full rebuild of the same data.
UDSATTE_INDIVID_SQL = """
SELECT periode, handlekommune AS modtager, * EXCLUDE (periode, indlaesningsmaaned) FROM harmoniseret.udsatte_foranstaltninger
WHERE periode BETWEEN $fra AND $til
"""


def pakker() -> list[Pakke]:
    return [Pakke("udsatte_individ", (Tabel("udsatte_individ", UDSATTE_INDIVID_SQL, "kommunekode, foranstaltning_id",
                                            ejere=("handlekommune",), noegle="foranstaltning_id",
                                            regel="ANDEN_KOMMUNES_FORANSTALTNING",
                                            individer=("harmoniseret.udsatte_foranstaltninger",)),),
                  laeser=("harmoniseret/udsatte_foranstaltninger",),
                  beskrivelse="de foranstaltninger, kommunen er handlekommune for")]
