"""The precision of the cube's numbers, stated once.

DuckDB sums DOUBLEs in parallel, in no fixed order, so the same data could give figures that
differ in the last digits (254168.35 one run, 254168.34999999998 the next). The cube therefore
sums exact DECIMALs, whose sum is the same in any order, and rounds each value where it is made:

- helårsmodtagere and fraværsdage (fractions of days) to 12 decimals before they are summed: far
  below any real difference, and far inside the attacker's tolerance (`diskretion.er_punkt`,
  1e-9), so a withheld number is still recognised when the published numbers give it away;
- udgifter to øre (2 decimals), as the accounts deliver them;
- befolkning and counts are whole numbers already;
- `vaerdi` to 6 decimals (a per-mille or a percentage to a millionth, kroner far below øre).
"""

DAGE_DECIMALER = 12
KRONER_DECIMALER = 2
VAERDI_DECIMALER = 6


def eksakt(udtryk: str, decimaler: int) -> str:
    """A DOUBLE as an exact DECIMAL of `decimaler` decimals, to be summed in any order."""
    return f"round({udtryk}, {decimaler})::DECIMAL(38, {decimaler})"


def vaerdi(faktor: float, taeller: str, naevner: str) -> str:
    """A figure's value: faktor × numerator ÷ denominator, rounded; NULL without a denominator."""
    return f"round({faktor} * {taeller}::DOUBLE / nullif({naevner}, 0)::DOUBLE, {VAERDI_DECIMALER})"
