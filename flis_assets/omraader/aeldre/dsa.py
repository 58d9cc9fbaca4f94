"""DSA for Ældre: the stock of visitations by the systemskifte rules (aeldre.md: those of
voksenhandicap.md, unchanged; `defs/dsa/systemskifte.py`)."""

from flis_assets import snitflader
from flis_assets.defs.dsa import systemskifte

KILDE = snitflader.kilde("aeldre")

dsa_aeldre = systemskifte.bestand_asset(
    KILDE,
    "Bestanden af visitationer efter indlæsningsmåneden, typet og navngivet efter snitfladen, "
    "udvalgt efter systemskiftereglerne 1-3.",
)
