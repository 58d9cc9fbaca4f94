"""Økonomi's measures for the key-figure cube (`noegletal.csv` beside this file).

`nettodriftsudgifter` (argument a hovedfunktion like `5.30` or a funktion like `5.30.26` of
`kodelister/oekonomi_kontoplan.csv`): per period and kommune, the month's nettodriftsudgifter
(`datamart.nettodriftsudgifter_sql`) on that account, as an exact DECIMAL. Only kommuner with accounts
for the period have a row (0 when nothing is booked on the account): a kommune without accounts has
no figure, and is left out of its region's and Danmark's amounts and populations alike
(borger-oekonomi.md). `niveauer_sql` is that rule for the levels.
"""

import re
from functools import cache

import dagster as dg

from flis_assets import kodelister
from flis_assets.defs.noegletal import diskretion
from flis_assets.defs.noegletal.maal import Maal
from flis_assets.omraader.oekonomi.datamart import nettodriftsudgifter_sql

KONTO = re.compile(r"^[0-9]\.[0-9]{2}(\.[0-9]{2})?$")
NIVEAU = {1: "hovedfunktion", 2: "funktion"}  # dots in the code -> its column


@cache
def _konti() -> frozenset[str]:
    kontoplan = kodelister.load("oekonomi_kontoplan")
    return frozenset(kontoplan.filter(kontoplan["niveau"].is_in(list(NIVEAU.values())))["kode"].to_list())


def nettodriftsudgifter(konto: str, fra: str = "$fra", til: str = "$til") -> str:
    """(periode, kommunekode, v DECIMAL) for the periods fra..til: nettodriftsudgifter on `konto`.

    The account goes into the SQL as a literal only after it is proved to be a code of the kontoplan
    (digits and dots), so a catalogue row can never change the query's shape."""
    if not KONTO.match(konto) or konto not in _konti():
        raise ValueError(f"Målet nettodriftsudgifter kender ikke kontoen '{konto}': argumentet skal være en "
                         "hovedfunktion (som 5.30) eller en funktion (som 5.30.26) fra oekonomi_kontoplan.csv")
    kolonne = NIVEAU[konto.count(".")]
    return f"""SELECT m.periode, m.kommunekode,
            coalesce(sum(n.beloeb) FILTER (WHERE n.{kolonne} = '{konto}'), 0)::DECIMAL(38, 2) AS v
        FROM (SELECT DISTINCT periode, kommunekode FROM datamart.oekonomi_regnskab
              WHERE visning = 'maaned' AND periode BETWEEN {fra} AND {til}) m
        LEFT JOIN ({nettodriftsudgifter_sql(fra, til)}) n USING (periode, kommunekode)
        GROUP BY ALL"""


def niveauer_sql(taeller: str, naevner: str) -> str:
    """Kommune, region and Danmark of a figure whose numerator is one of these measures: Σ numerators
    and Σ denominators of the kommuner the numerator has (those with accounts for the period) only.

    The cube (`defs/noegletal/kube.py`) keeps every kommune of the period and sums all denominators;
    for these figures it must sum the denominator only where the numerator is not NULL."""
    return f"""WITH k AS (
        SELECT t.periode, t.kommunekode, km.region, t.v AS taeller, n.v AS naevner
        FROM ({taeller}) t JOIN kodelister.kommuner km USING (kommunekode)
        LEFT JOIN ({naevner}) n USING (periode, kommunekode)
    )
    SELECT periode, 'kommune' AS niveau, lpad(kommunekode::VARCHAR, 3, '0') AS omraade, taeller, naevner FROM k
    UNION ALL SELECT periode, 'region', region, sum(taeller), sum(naevner) FROM k GROUP BY periode, region
    UNION ALL SELECT periode, 'land', 'Danmark', sum(taeller), sum(naevner) FROM k GROUP BY periode"""


def maal() -> dict[str, Maal]:
    return {
        "nettodriftsudgifter": Maal(
            sql=nettodriftsudgifter, art=diskretion.FRI,  # incomes and refunds can make the net negative
            kilde=lambda konto: f"nettodriftsudgifter fra Økonomi på {konto}",
            kommuner=lambda fra, til: (f"SELECT DISTINCT periode, kommunekode FROM datamart.oekonomi_regnskab "
                                       f"WHERE visning = 'maaned' AND periode BETWEEN {fra} AND {til}"),
            laeser=(dg.AssetKey(["datamart", "oekonomi_regnskab"]),)),
    }
