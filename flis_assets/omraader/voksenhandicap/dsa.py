"""DSA for Voksenhandicap: the stock of ydelser by the systemskifte rules of voksenhandicap.md
(`defs/dsa/systemskifte.py`, shared with every source that delivers its full stock per fagsystem).

Handle- and betalingskommune stay as delivered here; harmoniseret interprets them, once.
"""

from flis_assets import snitflader
from flis_assets.defs.dsa import systemskifte

KILDE = snitflader.kilde("vh")
EXTRA_DDL = systemskifte.EXTRA_DDL

dsa_vh = systemskifte.bestand_asset(
    KILDE,
    "Bestanden af ydelser efter indlæsningsmåneden, typet og navngivet efter snitfladen, "
    "udvalgt efter systemskiftereglerne 1-3.",
)
