"""Discretion shared by the key-figure cube and the hjemmehjælp rows of the `aeldre_datamart` package.

The package shows, per kommune and indsatstype, the hjemmehjælp recipients and their visited hours;
cube figures are sums of those rows (`defs/noegletal/raekkediskretion.py` holds the rules, the
rounds with the cube and the attack; this module says which rows and figures they are):

- `aeldre_timer_pr_modtager`: taeller = Σ visited hours, naevner = individer = the recipients of
  every hjemmehjælp type (personlig pleje and praktisk hjælp);
- `aeldre_udgift_pr_visiteret_time`: naevner = the same hours × the period's days ÷ 7, individer the
  same recipients, but only in kommuner with Økonomi's accounts too (elsewhere the cell is empty);
- `aeldre_andel_privat_praktisk`: naevner = the praktisk hjælp row's recipients (its individuals
  are the private provider's, no number of the package).

Which side of a figure is which row number follows from its measures (`TAL_AF_MAAL`): data, not a
list of figures. Recipients are counted distinct per figure but summed over the rows, the cube's
additive model (`diskretion.py`): the attacker's best guess and the stricter test.

Not modelled, being inequalities: the 67+/80+ recipients (`aeldre_hjemmehjaelp_pr_100_67`,
`aeldre_andel_80_hjemmehjaelp`) are subsets of the rows' recipients, and the private recipients
a subset of praktisk hjælp's. A shown subset only bounds withheld rows from below (the package
withholds a row's every count, so nothing of the row bounds it from above but its reason); where
the figure over both rows is withheld, a shown 67+ count minus a shown row could meet a primary
row's four, a residual risk the equations here do not see.
"""

from __future__ import annotations

import calendar
from datetime import date
from functools import cache

from flis_assets.defs.noegletal import maal, raekkediskretion
from flis_assets.omraader.aeldre.datamart import HARMONISERET, TIMER, hjemmehjaelp, kommuner_sql, typeparametre

SUM, INDIVIDER = "visiterede_timer", raekkediskretion.INDIVIDER

# Which row number a figure's side is, by the side's measure (`maal.py`): the visited hours (with
# or without Økonomi's accounts) are the rows' sum, the hjemmehjælp recipients their individuals.
# A side filtered by anything but the indsatstype (an age, a provider) is a subset: no row number.
TAL_AF_MAAL = {"aeldre_visiterede_timer": SUM, "aeldre_visiterede_timer_med_regnskab": SUM,
               "aeldre_hjemmehjaelp_modtagere": INDIVIDER}
# The argument of the hours over the whole period: hours per week × the period's days ÷ 7.
PERIODEN = "perioden"


def dage_pr_uge(periode: date) -> float:
    """The period's (a month's) days in weeks: the factor of the hours over the period."""
    return calendar.monthrange(periode.year, periode.month)[1] / 7


def _filtre(argument: str | None) -> dict[str, str] | None:
    """The argument's filters (`indsatstype=...`), or None when it filters on more than the type."""
    dele = [d.strip() for d in (argument or "").split(",") if d.strip() and d.strip() != PERIODEN]
    filtre = dict(tuple(x.strip() for x in d.partition("=")[::2]) for d in dele)
    return filtre if set(filtre) <= {"indsatstype"} else None


def hjemmehjaelpstyper() -> frozenset[str]:
    return frozenset(typeparametre()["hjemmehjaelpstyper"])


@maal.glemmes
@cache
def figurer() -> tuple[raekkediskretion.Figur, ...]:
    """The figures with discretion resting on the hjemmehjælp rows, from the key-figure catalogue."""
    out = []
    for f in maal.figurer():
        if not f["diskretion"]:
            continue
        tal, koder, skala, med_data = {}, set(), None, None
        for side in maal.SIDER:
            navn = TAL_AF_MAAL.get(f[f"{side}_maal"])
            if navn is None or (filtre := _filtre(f[f"{side}_argument"])) is None:
                continue
            # the figure's own individuals are the cube's column `individer`
            tal[navn] = INDIVIDER if navn == INDIVIDER and f["individer"] == side else side
            koder.add(frozenset([filtre["indsatstype"]]) if "indsatstype" in filtre else hjemmehjaelpstyper())
            m = maal.side(f, side)
            if navn == SUM:
                skala = dage_pr_uge if f[f"{side}_argument"] == PERIODEN else None
                # the hours' individuals are every hjemmehjælp recipient of the rows
                if f["individer"] == side:
                    tal[INDIVIDER] = INDIVIDER
            if m.med_data is not None and m.med_data is not kommuner_sql:  # limited to kommuner with another source
                med_data = m.med_data
        if tal and len(koder) == 1:
            out.append(raekkediskretion.Figur(f["noegletal_id"], next(iter(koder)), tal, skala, med_data))
    return tuple(out)


# Every kommune with Ældre lines and every hjemmehjælp type, zero where nobody had it: the rows
# as the package publishes them (`datapakker.AELDRE_DATAMART_SQL`, from datamart.aeldre_benchmark),
# counted here from the harmonised lines as the datamart and the measures count them.
RAEKKER_SQL = hjemmehjaelp() + f""",
h AS (
    SELECT periode, kommunekode, indsatstype, count(DISTINCT cpr) AS hjemmehjaelp_modtagere,
        sum({TIMER}) AS visiterede_timer
    FROM hjemmehjaelp WHERE paa_sidste_dag GROUP BY ALL
)
SELECT k.periode, k.kommunekode, t.indsatstype, coalesce(h.hjemmehjaelp_modtagere, 0) AS hjemmehjaelp_modtagere,
    coalesce(h.visiterede_timer, 0)::DOUBLE AS visiterede_timer
FROM ({kommuner_sql()}) k CROSS JOIN (SELECT indsatstype FROM kodelister.aeldre_indsatser WHERE hjemmehjaelp) t
LEFT JOIN h USING (periode, kommunekode, indsatstype)
"""

TABEL = "noegletal.aeldre_benchmark_diskretion"
DDL = raekkediskretion.ddl(TABEL, "kommunekode", "indsatstype")
BESKRIVELSE = raekkediskretion.beskrivelse("hjemmehjælpsrækker", "indsatstype", "indsatstyper", "aeldre_datamart")

BENCHMARK = raekkediskretion.Raekketabel(
    TABEL=TABEL, DDL=DDL, BESKRIVELSE=BESKRIVELSE,
    # the rows' lines, and what the measures the figures rest on read (Økonomi's accounts: where they have data)
    LAESER=tuple(dict.fromkeys([HARMONISERET, *(k for navn in TAL_AF_MAAL for k in maal.alle()[navn].laeser)])),
    raekker_sql=RAEKKER_SQL, kommune="kommunekode", kode="indsatstype", sum=SUM, individer="hjemmehjaelp_modtagere",
    figurer=figurer, pakke="aeldre_datamart")
