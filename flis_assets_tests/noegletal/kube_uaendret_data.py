"""A fixed data set over two periods and three regions for `test_kube_uaendret`: kommuner with VH and
Økonomi, VH without Økonomi, Økonomi without VH, counts under five, fractional full-time recipients,
negative expenses (refunds), kommuner without residents, one with only Økonomi and one with only
residents, so every rule of the cube acts on it."""

from datetime import date

P1, P2 = date(2024, 3, 1), date(2024, 4, 1)
SEKS = ["1.8.1", "1.8.2", "1.12.0.1", "1.12.0.2", "1.18.1", "1.18.2"]


def data() -> dict:
    out = {}
    for p, skift in ((P1, 0), (P2, 1)):
        modtagere, udgifter, befolkning = {}, {}, {}
        kommuner = [101, 147, 151, 153, 157, 615, 657, 661, 665, 751, 810, 849, 851]
        for i, k in enumerate(kommuner):
            kilde = (i + skift) % 4  # 0, 1: both; 2: VH only; 3: Økonomi only
            if (i + skift) % 5:
                befolkning[k] = 900 + 37 * i
            for j, y in enumerate([*SEKS, "1.4"]):
                n = (i * 7 + j * 3 + skift) % 11  # 0..10: some under five
                if kilde != 3 and n:
                    modtagere[(k, y)] = (n, round(n * (0.55 + 0.05 * ((i + j) % 9)), 4))
                if kilde != 2 and (i + j) % 3:
                    udgifter[(k, y)] = round(((i + 1) * (j + 2) * 12345.67) % 400_000 - 20_000, 2)
        udgifter |= {(860, "1.8.1"): 1234.5, (860, "1.12.0.2"): -50.0}  # Økonomi alone, no residents
        befolkning[265] = 1200  # residents alone (Sjælland)
        out[p] = (modtagere, udgifter, befolkning)
    return out
