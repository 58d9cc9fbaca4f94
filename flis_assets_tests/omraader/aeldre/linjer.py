"""Hand-made Ældre lines (the field order of omraader/aeldre/felter.csv)."""

PP, PH, MAD = ("PERSONLIG_PLEJE", "SEL 83.1.1"), ("PRAKTISK_HJAELP", "SEL 83.1.2"), ("MADSERVICE", "SEL 83.1.3")
PB, PHJ = ("PLEJEBOLIG", "ABL 54"), ("PLEJEHJEM", "SEL 192")


def aeldre_line(indsats_id, cpr, indsats=PP, visit="20240101", start="20240101", slut="", timer="3",
                lev="KOMMUNAL", boform="EGET_HJEM", midl="N") -> str:
    return ";".join([indsats_id, cpr, *indsats, visit, start, slut, timer, lev, boform, midl])


def care(indsats_id, cpr, visit, start="", slut="", indsats=PB) -> str:
    return aeldre_line(indsats_id, cpr, indsats, visit, start, slut, "", boform="PLEJEBOLIG")
