"""Discretion that cannot be undone by arithmetic: primary and secondary suppression, and the attack.

For one key figure (or linked population) and period the published table is a two-level sum
hierarchy for each of its numbers (taeller, naevner, individer; a population's antal):
Danmark = Σ regions and each region = Σ its kommuner. Withholding a cell withholds all its
numbers. The attacker knows the structure, every published number, the reason recorded with
each withheld cell and what that implies (`primaer`: fewer than five individuals; `sekundaer`:
at least five), that counts are not negative, and which cells are empty: a kommune without
recipients delivers no VH data (who delivers is public), so the individuals and full-time
recipients of its withheld cells, and of a region's without any, are known to be zero
(`Tabel.kendte`): such a cell covers no neighbour. The table is held against an attacker who does
not know them as well, so an empty cell's zero is not published by arithmetic either. From that
alone, `intervaller` gives the tightest interval the attacker can derive for each withheld number,
i.e. the minimum and maximum of a linear programme over every equation. The equations form a tree of sums, for which interval
propagation up and down the tree gives exactly those (the tests hold it against scipy's LP on
random tables). A number is disclosed when its interval collapses to a point.

`undertryk` withholds, after the primary rule, the fewest further cells (then those with the
fewest individuals) for which no interval collapses: within each region the cheapest safe
addition by exhaustive search over a few cells, and, only when a region itself must be withheld,
a greedy step over regions and the country checked by the whole attack. Distinct counts of
individuals are not exactly additive (a person in two kommuner counts once in their region);
treating them as additive is the attacker's best guess and the stricter test, and an interval
the additive model makes empty is not a disclosure.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations

import polars as pl

from flis_assets import kodelister

MIN_INDIVIDER = 5
PRIMAER, SEKUNDAER = "primaer", "sekundaer"
INF = float("inf")

# What the attacker knows of a withheld number's range, by the number's kind.
INDIVIDER = "individer"  # the figure's individuals: < 5 when primary, >= 5 when secondary
IKKE_NEGATIV = "ikke_negativ"  # other counts and sums of days or full-time recipients
FRI = "fri"  # expenses: refunds can make them negative
# A region that cannot be protected by withholding up to this many more of its kommuner is
# withheld as a whole instead (searching larger sets is hopeless in practice).
MAX_TILLAEG = 3


class DiskretionFejl(RuntimeError):
    """Discretion could not be completed: the table would be published with a derivable number."""


@dataclass(frozen=True)
class Tal:
    navn: str
    art: str
    # the number is zero in a cell without individuals (full-time recipients): known when the cell is empty
    nul_uden_individer: bool = False


@cache
def regioner() -> dict[str, tuple[str, ...]]:
    """Region name → its kommuner as published (`omraade`, three digits)."""
    out: dict[str, list[str]] = {}
    for row in kodelister.load("kommuner").iter_rows(named=True):
        out.setdefault(row["region"], []).append(f"{row['kommunekode']:03d}")
    return {r: tuple(k) for r, k in out.items()}


@dataclass
class Tabel:
    """One key figure's cells for one period: omraade → number → value (None when withheld)."""

    tal: list[Tal]
    vaerdier: dict[str, dict[str, float | None]]
    land: str = "Danmark"
    struktur: Mapping[str, tuple[str, ...]] = field(default_factory=regioner)
    # (omraade, number) → what other published tables say a withheld number is at least
    nedre: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # (omraade, number) → the value of a withheld number the attacker knows anyway (an empty cell: 0)
    kendte: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self):  # the areas present, once: the search asks for them thousands of times
        self._uden_kendte: Tabel | None = None
        self._regioner = [r for r in self.struktur if r in self.vaerdier]
        self._kommuner = {r: [k for k in ks if k in self.vaerdier] for r, ks in self.struktur.items()}

    def kommuner(self, region: str) -> list[str]:
        return self._kommuner.get(region, [])

    def regioner(self) -> list[str]:
        return self._regioner


def graenser(t: Tal, aarsag: str | None) -> tuple[float, float]:
    """The range an attacker knows a withheld number lies in, before any equation."""
    if t.art == FRI:
        return -INF, INF
    if t.art == INDIVIDER:
        return (0.0, MIN_INDIVIDER - 1.0) if aarsag == PRIMAER else (float(MIN_INDIVIDER), INF)
    return 0.0, INF


def _val(v: float | None) -> float:
    return 0.0 if v is None else float(v)


def er_punkt(lo: float, hi: float) -> bool:
    """Collapsed: the interval is one point (an empty interval means the model does not hold)."""
    return abs(lo) != INF and abs(hi - lo) <= 1e-9 * max(1.0, abs(lo))


Interval = tuple[float, float]


def _snit(a: Interval, b: Interval) -> Interval:
    return max(a[0], b[0]), min(a[1], b[1])


def _boern(foraelder: Interval, boern: Mapping[str, Interval], kun: Container[str] | None = None
           ) -> dict[str, Interval]:
    """Each child's interval when the children sum to the parent (parent and children in their
    intervals, independent otherwise): child in [P_lo - Σ others' hi, P_hi - Σ others' lo] ∩ its own.
    Exact for one equation; applied down a tree of sums it is exact for the tree. With `kun`, only
    those children's (the withheld: a published child's interval is its value)."""
    los, his = _Sum([lo for lo, _ in boern.values()]), _Sum([hi for _, hi in boern.values()])
    return {o: (max(foraelder[0] - his.uden(hi), lo), min(foraelder[1] - los.uden(lo), hi))  # _snit, inlined: hot
            for o, (lo, hi) in boern.items() if kun is None or o in kun}


def _sum(intervaller: Iterable[Interval]) -> Interval:
    ivs = list(intervaller)
    return sum(lo for lo, _ in ivs), sum(hi for _, hi in ivs)


class _Sum:
    """A sum of bounds that may be infinite, from which one term can be taken out again."""

    def __init__(self, terms: list[float]):
        self.endelig = sum(v for v in terms if abs(v) != INF)
        self.uendelige = [v for v in terms if abs(v) == INF]

    def uden(self, term: float) -> float:
        u = self.uendelige
        if abs(term) == INF:  # the first infinite term left once `term` is taken out, if any
            rest = u[1:2] if u[0] == term else u[:1]
            return rest[0] if rest else self.endelig
        return u[0] if u else self.endelig - term


def _egen(tabel: Tabel, o: str, t: Tal, aarsag: Mapping[str, str]) -> Interval:
    """What is known of one number before any equation: its value if published, else its bounds."""
    if o in aarsag:
        if (o, t.navn) in tabel.kendte:  # known to be empty: no cover for anyone
            v = tabel.kendte[(o, t.navn)]
            return v, v
        lo, hi = graenser(t, aarsag[o])
        return max(lo, tabel.nedre.get((o, t.navn), lo)), hi
    v = _val(tabel.vaerdier[o][t.navn])
    return v, v


def region_intervaller(tabel: Tabel, region: str, t: Tal, aarsag: Mapping[str, str]) -> dict[str, Interval]:
    """Intervals of one number of the withheld kommuner of a published region (its one equation)."""
    kommuner = tabel.kommuner(region)
    ukendte = {k for k in kommuner if k in aarsag and (k, t.navn) not in tabel.kendte}
    return _boern(_egen(tabel, region, t, aarsag), {k: _egen(tabel, k, t, aarsag) for k in kommuner}, ukendte)


def _tal_intervaller(tabel: Tabel, t: Tal, aarsag: Mapping[str, str]) -> dict[str, Interval]:
    """`intervaller` of one number."""
    regioner = tabel.regioner()
    ned = {}  # from below: own bounds ∩ the sum of the children
    for r in regioner:
        for k in tabel.kommuner(r):
            ned[k] = _egen(tabel, k, t, aarsag)
        ned[r] = _snit(_egen(tabel, r, t, aarsag), _sum(ned[k] for k in tabel.kommuner(r)))
    if tabel.land in tabel.vaerdier:
        ned[tabel.land] = _snit(_egen(tabel, tabel.land, t, aarsag), _sum(ned[r] for r in regioner))
        endelig = {tabel.land: ned[tabel.land], **_boern(ned[tabel.land], {r: ned[r] for r in regioner})}
    else:
        endelig = {r: ned[r] for r in regioner}
    for r in regioner:  # from above: the region's final range bounds its kommuner
        endelig.update(_boern(endelig[r], {k: ned[k] for k in tabel.kommuner(r)}, aarsag))
    return {o: iv for o, iv in endelig.items() if o in aarsag and (o, t.navn) not in tabel.kendte}


def intervaller(tabel: Tabel, aarsag: Mapping[str, str]) -> dict[tuple[str, str], Interval]:
    """(omraade, number) → the tightest interval an attacker derives for each withheld number.

    The table is a tree of sums (Danmark → regions → kommuner): each node's range from its own
    subtree upwards, then each node's range from the rest of the tree downwards; their intersection
    is what the whole system allows (the linear programme's min and max, tested against one)."""
    return {(o, t.navn): iv for t in tabel.tal for o, iv in _tal_intervaller(tabel, t, aarsag).items()}


def _modeller(tabel: Tabel) -> list[Tabel]:
    """The attackers to hold the table against: one knowing the empty cells (they cover no one), and,
    when there are any, one that does not (an empty cell's zero is not to be worked out either by
    someone who does not know who delivers)."""
    if not tabel.kendte:
        return [tabel]
    if tabel._uden_kendte is None:
        tabel._uden_kendte = Tabel(tabel.tal, tabel.vaerdier, tabel.land, tabel.struktur, tabel.nedre)
    return [tabel, tabel._uden_kendte]


def udledte(tabel: Tabel, aarsag: Mapping[str, str]) -> list[tuple[str, str, float, float]]:
    """The withheld numbers whose interval collapses for either attacker (`_modeller`):
    (omraade, number, lo, hi)."""
    fundet = {}
    for m in _modeller(tabel):
        fundet.update({(o, t): (lo, hi) for (o, t), (lo, hi) in intervaller(m, aarsag).items()
                       if er_punkt(lo, hi) and (o, t) not in fundet})
    return [(o, t, lo, hi) for (o, t), (lo, hi) in fundet.items()]


def sikker(tabel: Tabel, aarsag: Mapping[str, str], region: str | None = None) -> bool:
    """No withheld number can be derived (by the region's equation alone when `region` is given);
    number by number, stopping at the first that can; for either attacker (`_modeller`)."""
    for m in _modeller(tabel):
        for t in m.tal:
            ivs = region_intervaller(m, region, t, aarsag) if region else _tal_intervaller(m, t, aarsag)
            if any(er_punkt(lo, hi) for lo, hi in ivs.values()):
                return False
    return True


def undertryk(tabel: Tabel, primaer: Iterable[str], vaegt: Mapping[str, float], foelg: Iterable[str] = ()
               ) -> dict[str, str]:
    """The withheld cells with their reason: `primaer` as given, `sekundaer` the cells `foelg`
    (withheld in a linked table that publishes the same numbers) and the fewest further cells
    (ties: the fewest individuals, `vaegt`) that leave no withheld number derivable. The `foelg`
    cells stay withheld: giving one back would have the linked table ask for it again, forever."""
    tvungne = {o for o in foelg if o in tabel.vaerdier}
    aarsag = dict.fromkeys(tvungne, SEKUNDAER)
    aarsag.update({o: PRIMAER for o in primaer if o in tabel.vaerdier})
    skjul_regioner = [r for r in tabel.regioner() if r in aarsag]
    for r in tabel.regioner():
        if r in aarsag:
            continue
        tillaeg = billigste_tillaeg(tabel, r, aarsag, vaegt)
        if tillaeg is None:
            skjul_regioner.append(r)
        else:
            aarsag.update({k: SEKUNDAER for k in tillaeg})
    if skjul_regioner or tabel.land in aarsag:
        for r in skjul_regioner:
            aarsag.setdefault(r, SEKUNDAER)
        _beskyt_pulje(tabel, aarsag, vaegt, tvungne)
    return aarsag


def billigste_tillaeg(tabel: Tabel, region: str, aarsag: dict[str, str], vaegt: Mapping[str, float]
                       ) -> tuple[str, ...] | None:
    """The cheapest set of published kommuner of a published region whose withholding protects it."""
    kommuner = tabel.kommuner(region)
    if not any(k in aarsag for k in kommuner):
        return ()
    kandidater = sorted((k for k in kommuner if k not in aarsag), key=lambda k: (vaegt.get(k, 0.0), k))
    for n in range(0, min(MAX_TILLAEG, len(kandidater)) + 1):
        bedste = None
        for valg in combinations(kandidater, n):
            pris = sum(vaegt.get(k, 0.0) for k in valg)
            if bedste is not None and pris >= bedste[0]:
                continue
            proeve = {**aarsag, **{k: SEKUNDAER for k in valg}}
            if sikker(tabel, proeve, region):
                bedste = (pris, valg)
        if bedste is not None:
            return bedste[1]
    return None


def _beskyt_pulje(tabel: Tabel, aarsag: dict[str, str], vaegt: Mapping[str, float],
                  tvungne: Container[str] = ()) -> None:
    """Withheld regions and the country: add cells greedily until the attack finds no point,
    then give back every secondary cell that is no longer needed, except the `tvungne`.

    Each step takes the cell that leaves the fewest derivable numbers, then adds the fewest cells
    (a region brings its cheapest kommune), then the fewest individuals. Only tiny tables (a
    region under five individuals) come here, so every candidate is tried. Each round withholds
    at least one more cell, so there are at most as many rounds as cells; a table that is unsafe
    with every candidate withheld stops with `DiskretionFejl` rather than being published.
    """
    for _ in range(len(tabel.vaerdier) + 1):
        if sikker(tabel, aarsag):
            break
        skjulte = [r for r in tabel.regioner() if r in aarsag]
        kandidater = [k for r in skjulte for k in tabel.kommuner(r) if k not in aarsag]
        kandidater += [r for r in tabel.regioner() if r not in aarsag]
        if tabel.land in tabel.vaerdier and tabel.land not in aarsag:
            kandidater.append(tabel.land)
        if not kandidater:
            raise DiskretionFejl(f"{len(udledte(tabel, aarsag))} skjulte tal kan stadig regnes ud, "
                                 "selv med alle celler skjult")
        bedste = None
        for o in sorted(kandidater, key=lambda o: (vaegt.get(o, 0.0), o)):
            proeve = {**aarsag, o: SEKUNDAER}
            if o in tabel.struktur:  # a region withheld equals the sum of its kommuner unless one is withheld
                proeve.update({k: SEKUNDAER for k in _billigste_kommune(tabel, o, proeve, vaegt)})
            noegle = (len(udledte(tabel, proeve)), len(proeve))
            if bedste is None or noegle < bedste[0]:
                bedste = (noegle, proeve)
            if noegle == (0, len(aarsag) + 1):
                break
        aarsag.clear()
        aarsag.update(bedste[1])
    else:  # unreachable while every round withholds one more cell; never spin
        raise DiskretionFejl(f"intet fremskridt efter {len(tabel.vaerdier) + 1} runder")
    # one pass over a fixed list: it ends
    for o in sorted((o for o, a in aarsag.items() if a == SEKUNDAER and o not in tvungne),
                    key=lambda o: (-vaegt.get(o, 0.0), o)):
        uden = {k: a for k, a in aarsag.items() if k != o}
        if sikker(tabel, uden):
            del aarsag[o]


def _billigste_kommune(tabel: Tabel, region: str, aarsag: Mapping[str, str], vaegt: Mapping[str, float]) -> list[str]:
    """A withheld region with no withheld kommune equals the sum of its kommuner: withhold the cheapest."""
    kommuner = tabel.kommuner(region)
    if any(k in aarsag for k in kommuner) or not kommuner:
        return []
    return [min(kommuner, key=lambda k: (vaegt.get(k, 0.0), k))]


def kendte_tal(cells: Iterable[dict], tal: list[Tal], tom: Callable[[dict], bool]) -> dict[tuple[str, str], float]:
    """(omraade, number) → the value the attacker knows: the `tom` cells (areas without recipients,
    which deliver no data) have their individuals and the numbers that follow them zero."""
    return {(c["omraade"], t.navn): 0.0 for c in cells if tom(c) for t in tal
            if t.art == INDIVIDER or t.nul_uden_individer}


# The column naming the cells an attacker knows to be empty: the area delivers no VH data.
UDEN_INDIVIDER = "uden_individer"


def _tom(frame: pl.DataFrame) -> Callable[[dict], bool]:
    """Which cells of a table the attacker knows to be empty (column `uden_individer`, if any)."""
    return (lambda c: bool(c[UDEN_INDIVIDER])) if UDEN_INDIVIDER in frame.columns else (lambda c: False)


def _tabeller(frame: pl.DataFrame, keys: list[str], tal: Callable[[tuple], list[Tal]],
              nedre: Callable[[tuple], Mapping[tuple[str, str], float]] = lambda key: {},
              tom: Callable[[dict], bool] = lambda c: False):
    """(key, Tabel, its rows as dicts) for each key of a table of cells; `tom` says which cells the
    attacker knows to be empty (`kendte_tal`)."""
    for key, part in frame.partition_by(keys, as_dict=True).items():
        tal_ = tal(key)
        cells = part.to_dicts()
        vaerdier = {c["omraade"]: {t.navn: c[t.navn] for t in tal_} for c in cells}
        yield key, Tabel(tal_, vaerdier, nedre=nedre(key), kendte=kendte_tal(cells, tal_, tom)), cells


def _navn(keys: list[str], key: tuple) -> str:
    """A table's key as an analyst reads it, e.g. `periode 2024-03-01, noegletal_id vh_x`."""
    return ", ".join(f"{k} {v}" for k, v in zip(keys, key, strict=True))


def anvend(frame: pl.DataFrame, noegle: list[str], tal: Callable[[tuple], list[Tal]], skjul: list[str],
           foelg: Callable[[tuple], Iterable[str]] = lambda key: (),
           nedre: Callable[[tuple], Mapping[tuple[str, str], float]] = lambda key: {}) -> pl.DataFrame:
    """Discretion on a table of cells (periode, `noegle`, niveau, omraade, numbers, individer, diskretion):
    per period and key the withheld cells get their numbers `skjul` NULL, `diskretioneret` and
    `diskretion_aarsag`; tables with `diskretion` false are shown whole. `foelg(key)` names cells a
    linked table publishing the same numbers has withheld: they are withheld here too. `nedre(key)`
    gives the lower bounds other published tables put on the table's numbers (`Tabel.nedre`). A column
    `uden_individer` says which cells the attacker knows to be empty (`Tabel.kendte`): they cover no one."""
    keys = ["periode", *noegle]
    rows: list[tuple] = []
    for key, tabel, cells in _tabeller(frame.filter(pl.col("diskretion")), keys, tal, nedre, _tom(frame)):
        individer = {c["omraade"]: float(c["individer"] or 0) for c in cells}
        primaer = [o for o, n in individer.items() if n < MIN_INDIVIDER]
        try:
            aarsager = undertryk(tabel, primaer, individer, foelg(key))
        except DiskretionFejl as e:
            raise DiskretionFejl(f"Diskretionen kunne ikke gennemføres for {_navn(keys, key)}: {e}") from e
        rows += [(*key, o, a) for o, a in aarsager.items()]
    aarsager = pl.DataFrame(rows, schema={**{k: frame.schema[k] for k in keys}, "omraade": pl.String,
                                          "diskretion_aarsag": pl.String}, orient="row")
    skjult = pl.col("diskretion_aarsag").is_not_null()
    return (frame.join(aarsager, on=[*keys, "omraade"], how="left")
            .with_columns(*(pl.when(skjult).then(None).otherwise(pl.col(c)).alias(c) for c in skjul),
                          skjult.alias("diskretioneret"))
            .drop("diskretion", UDEN_INDIVIDER, strict=False))


def angrib(frame: pl.DataFrame, noegle: list[str], tal: Callable[[tuple], list[Tal]]) -> pl.DataFrame:
    """The attack on a published table (withheld numbers NULL, `diskretion_aarsag` recorded): every
    withheld number whose tightest derivable interval is a point, with that interval. A column
    `uden_individer` says which cells the attacker knows to be empty (no recipients delivered)."""
    rows = []
    for key, tabel, cells in _tabeller(frame, noegle, tal, tom=_tom(frame)):
        aarsag = {c["omraade"]: c["diskretion_aarsag"] for c in cells if c["diskretioneret"]}
        if aarsag:
            rows += [(*key, o, t, lo, hi) for o, t, lo, hi in udledte(tabel, aarsag)]
    return pl.DataFrame(rows, orient="row", schema={**{k: frame.schema[k] for k in noegle}, "omraade": pl.String,
                                                    "tal": pl.String, "fra": pl.Float64, "til": pl.Float64}
                        ).with_columns(regel=pl.lit("KAN_UDREGNES_AF_DET_PUBLICEREDE"))
