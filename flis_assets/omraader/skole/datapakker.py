"""Skole's data package (`defs/datapakker/katalog.py`): `skole_individ`, the kommune's own schools'
pupils. Individual-level data of this area alone: FLIS never combines two areas' lists."""

from flis_assets.defs.datapakker.katalog import Pakke, Tabel

SKOLE_INDIVID_SQL = """
SELECT periode, kommunekode AS modtager, * EXCLUDE (periode) FROM harmoniseret.skole_elever
WHERE periode BETWEEN $fra AND $til
"""


def pakker() -> list[Pakke]:
    return [Pakke("skole_individ", (Tabel("skole_individ", SKOLE_INDIVID_SQL, "kommunekode, cpr, skolekode",
                                          ejere=("kommunekode",), noegle="skolekode",  # never a CPR number
                                          regel="ANDEN_KOMMUNES_ELEV", individer=("harmoniseret.skole_elever",)),),
                  laeser=("harmoniseret/skole_elever",),
                  beskrivelse="eleverne på kommunens egne skoler")]
