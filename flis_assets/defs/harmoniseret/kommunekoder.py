"""The FLIS rule UKENDT_KOMMUNEKODE, shared by every area whose lines carry kommune codes.

A kommune code that is not one of `kodelister/kommuner.csv` is a content error of the delivering
kommune: the line stays that kommune's (its interpreted kommune is the delivering one), is marked
with the rule, and DST's action of the rule table decides whether it counts. No layer after
harmoniseret ever sees a kommune that does not exist.

Its action is Slettes: the line is not counted for the delivering kommune either. Its kommune
is unknown, not known to be the sender's (Ishøj and Tårnby send lines for other kommuner, and a
wrong code may stand for any of them); DST rejects codes outside its lists (as UGYLDIG_YDELSESKODE),
so counting the line would set FLIS apart from DST's published figures, and the kommune sees and
fixes it instead.

Which fields hold kommune codes is read from the interface descriptions (felttype kommunekode...),
so a new kommune field in an interface is tested without anyone listing it here.
"""

from flis_assets import snitflader

REGEL = "UKENDT_KOMMUNEKODE"
KENDTE = "(SELECT kommunekode FROM kodelister.kommuner)"


def felter(kilde: str) -> list[str]:
    """The kommune-code fields of a source's lines, in the interface's order."""
    return [f.navn for f in snitflader.kilde(kilde).felter if f.felttype.startswith("kommunekode")]


def kendt(kilde: str) -> str:
    """SELECT-list items `<field>_kendt` of a source's lines: true when the code is a kommune, and
    when it is NULL (ikke angivet is no error)."""
    return ", ".join(f"coalesce({f} IN {KENDTE}, true) AS {f}_kendt" for f in felter(kilde))


def ukendt(kilde: str, alias: str) -> str:
    """True when any kommune-code field of the line (alias, with the `kendt` items) is not a kommune."""
    return "NOT (" + " AND ".join(f"{alias}.{f}_kendt" for f in felter(kilde)) + ")"
