"""A short history: generated stocks cut to begin at a date, for tests and benchmarks.

The stocks of the interval sources (VH, Udsatte, Ældre, ...) reach back to 2013, as `sources.md`
pins, so a first load computes every statistical period since then. To test or measure a month
on its own, `afkort(root, fra)` moves every line of the generated interval deliveries under
`root/incoming` that begins before `fra` to begin on `fra` (each of its `gyldig_fra` date fields,
`snitflader`), and an end before `fra` to `fra` (a one-day line). A line whose dates are a content
error (an end before its earliest beginning) stays as generated, so the rules that catch it still do.
Which sources and fields come from the interface descriptions: no source is named here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flis_assets import snitflader

INTERVAL = "interval"  # the `aendringstype` of a source whose lines have a validity (kilder.csv)
SLUTDATO = "slutdato"


def _flyt(felter: list[str], begyndelser: list[int], slut: int, fra: str) -> None:
    datoer = [felter[i] for i in begyndelser if felter[i]]
    if not datoer or (felter[slut] and felter[slut] < min(datoer)):
        return  # no beginning, or an end before every beginning: as generated
    for i in begyndelser:
        felter[i] = felter[i] and max(felter[i], fra)
    felter[slut] = felter[slut] and max(felter[slut], fra)


def afkort(root: Path, fra: date) -> int:
    """Cut the interval sources' generated deliveries under `root/incoming` to begin at `fra`
    (in place, before they are loaded); returns the number of files rewritten."""
    dag = fra.strftime("%Y%m%d")
    filer = 0
    for kilde in snitflader.kilder().values():
        if kilde.aendringstype != INTERVAL:
            continue
        nr = {f.navn: f.nr - 1 for f in kilde.felter}
        if SLUTDATO not in nr:
            raise ValueError(f"Kilden {kilde.kilde} har ingen {SLUTDATO}: dens historik kan ikke afkortes")
        begyndelser, slut = [nr[n] for n in kilde.gyldig_fra], nr[SLUTDATO]
        for sti in sorted((root / "incoming" / kilde.kilde).glob("*/*.csv")):
            tekst = sti.read_bytes().decode(kilde.encoding)
            linjer = [linje.split(";") for linje in tekst.splitlines()]
            for felter in linjer:
                _flyt(felter, begyndelser, slut, dag)
            sti.write_bytes("".join(";".join(f) + "\n" for f in linjer).encode(kilde.encoding))
            filer += 1
    return filer
