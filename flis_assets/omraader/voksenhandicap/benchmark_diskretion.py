"""Discretion shared by the key-figure cube and the benchmark rows of the `vh_datamart` package.

The package shows every kommune's benchmark row per ydelse (unique and full-time recipients); a
cube figure with discretion sums the full-time recipients of some of those rows (its `side`), and
its individuals are theirs. The rules, the rounds with the cube and the attack are the platform's
(`defs/noegletal/raekkediskretion.py`); this module says which rows and figures they are, and is
Voksenhandicap's `maal.Afstemning`, offered by `OMRAADE.afstemninger`. Rows are published for
every ydelse and the cube has a cell for every kommune of the data, so no absence tells an
attacker that a withheld number is zero.
"""

from __future__ import annotations

from functools import cache

import dagster as dg

from flis_assets.defs.noegletal import maal, raekkediskretion
from flis_assets.omraader.voksenhandicap.harmoniseret import GODKENDT_DST, godkendt_join
from flis_assets.omraader.voksenhandicap.maal import ydelser

# The measure whose numbers the benchmark rows publish per ydelse (`omraader/voksenhandicap/maal.py`).
HELAARSMODTAGERE = "helaarsmodtagere"


# Every kommune of the period's data, whichever area's measure it came from (residents, VH,
# Økonomi, ...): the cube has a cell and the package a row for each, so an absent one never tells
# that it is empty.
KOMMUNER_SQL = maal.kommuner_sql()

# The benchmark rows as the package publishes them: every kommune of the period's data and every
# ydelse of the code list, zero where nobody received it. A row left out would say "zero": a
# withheld cell of the cube that the package shows to be empty is no cover for its neighbours.
RAEKKER_SQL = f"""
WITH kommuner AS ({KOMMUNER_SQL})
SELECT k.periode, k.kommunekode AS handlekommune, y.ydelseskode,
    coalesce(b.unikke_modtagere, 0) AS unikke_modtagere, coalesce(b.helaarsmodtagere, 0) AS helaarsmodtagere,
    coalesce(b.godkendt_dst, {GODKENDT_DST}) AS godkendt_dst
FROM kommuner k CROSS JOIN kodelister.vh_ydelser y
LEFT JOIN datamart.vh_benchmark b
       ON b.periode = k.periode AND b.handlekommune = k.kommunekode AND b.ydelseskode = y.ydelseskode
{godkendt_join("k.kommunekode", "y.ydelseskode", "year(k.periode) || 'K' || quarter(k.periode)")}
"""


# What the cube's asset writes of it (`maal.Afstemning`).
TABEL = "noegletal.vh_benchmark_diskretion"
DDL = raekkediskretion.ddl(TABEL, "handlekommune", "ydelseskode")
BESKRIVELSE = raekkediskretion.beskrivelse("benchmarkrækker", "ydelse", "ydelser", "vh_datamart")
LAESER = tuple(dict.fromkeys([*maal.laeser(), dg.AssetKey(["datamart", "vh_benchmark"]),
                              dg.AssetKey(["referencedata", "godkendte_kommuner"])]))


class Figur(raekkediskretion.Figur):
    """A figure over benchmark rows: its `ydelser`, and the `side` that is their full-time recipients."""

    @property
    def ydelser(self) -> frozenset[str]:
        return self.koder

    @property
    def side(self) -> str:
        return self.tal[HELAARSMODTAGERE]


@maal.glemmes
@cache
def figurer() -> tuple[Figur, ...]:
    """The figures with discretion whose individuals are the recipients behind benchmark rows: those
    of the full-time recipients over the figure's ydelser, from the key-figure catalogue."""
    out = []
    for f in maal.figurer():
        if f["diskretion"] and (side := f["individer"]) and f[f"{side}_maal"] == HELAARSMODTAGERE:
            out.append(Figur(f["noegletal_id"], frozenset(ydelser(f[f"{side}_argument"])),
                             {HELAARSMODTAGERE: side, raekkediskretion.INDIVIDER: raekkediskretion.INDIVIDER}))
    return tuple(out)


BENCHMARK = raekkediskretion.Raekketabel(
    TABEL=TABEL, DDL=DDL, BESKRIVELSE=BESKRIVELSE, LAESER=LAESER, raekker_sql=RAEKKER_SQL,
    kommune="handlekommune", kode="ydelseskode", sum=HELAARSMODTAGERE, individer="unikke_modtagere",
    figurer=figurer, pakke="vh_datamart")

# This module is Voksenhandicap's `maal.Afstemning` (its names, as the cube and the tests read them).
hviler_paa_sql = BENCHMARK.hviler_paa_sql
nedre_graenser = BENCHMARK.nedre_graenser
afstem = BENCHMARK.afstem
angrib = BENCHMARK.angrib
afstem_alle = BENCHMARK.afstem_alle
