"""Secondary suppression and the attack on the published table (diskretion.py).

Hand-made cases for the rules, and properties over random cubes on the real region structure:
nothing withheld is ever derivable by the strongest attacker (a linear programme over the whole
hierarchy, written here independently of the module's interval propagation), and the number of
secondary suppressions is close to the minimum that brute force finds on small tables.
"""

from itertools import combinations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from flis_assets.defs.noegletal import diskretion as d

IND = d.Tal("individer", d.INDIVIDER)
TAELLER = d.Tal("taeller", d.IKKE_NEGATIV)
UDGIFT = d.Tal("taeller", d.FRI)
REGIONER = d.regioner()


def tabel(kommuner: dict[str, dict[str, float]], tal=(IND, TAELLER), struktur=None) -> d.Tabel:
    """Cells of the given kommuner with their regions and Danmark as exact sums."""
    struktur = struktur or {r: ks for r, ks in REGIONER.items() if any(k in kommuner for k in ks)}
    v = dict(kommuner)
    for r, ks in struktur.items():
        v[r] = {t.navn: sum(kommuner[k][t.navn] for k in ks if k in kommuner) for t in tal}
    v["Danmark"] = {t.navn: sum(v[r][t.navn] for r in struktur) for t in tal}
    return d.Tabel(list(tal), v, struktur={r: tuple(ks) for r, ks in struktur.items()})


def celle(individer, taeller=None):
    return {"individer": float(individer), "taeller": float(individer if taeller is None else taeller)}


def beskyt(t: d.Tabel) -> dict[str, str]:
    vaegt = {o: v["individer"] for o, v in t.vaerdier.items()}
    return d.undertryk(t, [o for o, n in vaegt.items() if n < d.MIN_INDIVIDER], vaegt)


# -- the attacker, independently: one LP over every equation of the hierarchy -----------------------

def lp_intervaller(t: d.Tabel, aarsag: dict[str, str]) -> dict[tuple[str, str], tuple[float, float]]:
    ukendte = sorted(aarsag)
    idx = {o: i for i, o in enumerate(ukendte)}
    ligninger = [(r, [k for k in ks if k in t.vaerdier]) for r, ks in t.struktur.items() if r in t.vaerdier]
    ligninger.append((t.land, [r for r, _ in ligninger]))
    out = {}
    for tal in t.tal:
        A, b = [], []
        for total, dele in ligninger:  # total - Σ dele = 0, published values moved to the right
            row, rhs = np.zeros(len(ukendte)), 0.0
            for o, sign in [(total, 1.0)] + [(x, -1.0) for x in dele]:
                if o in idx:
                    row[idx[o]] += sign
                else:
                    rhs -= sign * t.vaerdier[o][tal.navn]
            if row.any():
                A.append(row)
                b.append(rhs)
        bounds = [tuple(None if abs(x) == d.INF else x for x in d.graenser(tal, aarsag[o])) for o in ukendte]
        for o in ukendte:
            c = np.zeros(len(ukendte))
            c[idx[o]] = 1
            kw = dict(A_eq=np.array(A), b_eq=b) if A else {}
            lo = linprog(c, bounds=bounds, method="highs", **kw)
            hi = linprog(-c, bounds=bounds, method="highs", **kw)
            if lo.status == 2:
                out[(o, tal.navn)] = (d.INF, -d.INF)
            else:
                out[(o, tal.navn)] = (lo.fun if lo.status == 0 else -d.INF, -hi.fun if hi.status == 0 else d.INF)
    return out


def punkter(ivs):
    return sorted(k for k, (lo, hi) in ivs.items() if d.er_punkt(lo, hi))


# -- hand-made cases ---------------------------------------------------------------------------------

def test_a_lone_primary_in_a_region_is_the_region_minus_its_neighbours():
    t = tabel({"101": celle(3), "147": celle(40), "151": celle(9)})
    assert punkter(d.intervaller(t, {"101": d.PRIMAER})) == [("101", "individer"), ("101", "taeller")]


def test_the_cheapest_safe_neighbour_is_withheld_as_secondary():
    t = tabel({"101": celle(3), "147": celle(40), "151": celle(9), "153": celle(12)})
    aarsag = beskyt(t)
    assert aarsag == {"101": d.PRIMAER, "151": d.SEKUNDAER}
    ivs = d.intervaller(t, aarsag)
    assert ivs[("101", "individer")] == (0.0, 4.0) and ivs[("151", "individer")] == (8.0, 12.0)
    assert ivs[("101", "taeller")] == (0.0, 12.0)


def test_a_partner_of_exactly_five_with_an_empty_primary_gives_both_away():
    # the recorded reasons tell the attacker: primary < 5, secondary >= 5; 0 + 5 = 5 leaves one solution
    t = tabel({"101": celle(0), "147": celle(5), "151": celle(6), "153": celle(30)})
    assert punkter(d.intervaller(t, {"101": d.PRIMAER, "147": d.SEKUNDAER})) != []
    assert beskyt(t) == {"101": d.PRIMAER, "151": d.SEKUNDAER}


def test_withheld_cells_summing_to_zero_are_all_zero():
    # two primaries with no special-class pupils: the region's total says both are 0
    t = tabel({"101": celle(3, 0), "147": celle(2, 0), "151": celle(9, 0), "153": celle(12, 4)})
    assert ("101", "taeller") in punkter(d.intervaller(t, {"101": d.PRIMAER, "147": d.PRIMAER}))
    aarsag = beskyt(t)
    assert aarsag == {"101": d.PRIMAER, "147": d.PRIMAER, "153": d.SEKUNDAER}
    assert punkter(d.intervaller(t, aarsag)) == []


def test_expenses_may_be_negative_so_two_withheld_never_collapse():
    t = tabel({"101": {"individer": 3.0, "taeller": 0.0}, "147": {"individer": 2.0, "taeller": 0.0},
               "151": {"individer": 9.0, "taeller": 100.0}}, tal=(IND, UDGIFT))
    ivs = d.intervaller(t, {"101": d.PRIMAER, "147": d.PRIMAER})
    assert ivs[("101", "taeller")][0] == -d.INF


def test_a_region_under_five_is_protected_through_another_region_and_the_country():
    t = tabel({"101": celle(30), "147": celle(40), "751": celle(2), "851": celle(20), "860": celle(25)})
    aarsag = beskyt(t)
    assert aarsag["Midtjylland"] == d.PRIMAER and aarsag["751"] == d.PRIMAER
    # Midtjylland = Danmark minus the other regions, unless another region or Danmark is withheld too
    assert sum(1 for r in REGIONER if r in aarsag) >= 2 or "Danmark" in aarsag
    assert punkter(lp_intervaller(t, aarsag)) == []


def test_the_attack_reports_the_derived_cell_and_its_interval():
    frame = pl.DataFrame({
        "noegletal_id": ["x"] * 4, "niveau": ["kommune", "kommune", "region", "land"],
        "omraade": ["101", "147", "Hovedstaden", "Danmark"],
        "taeller": [None, 30.0, 33.0, 33.0], "naevner": [None, 60.0, 70.0, 70.0],
        "individer": [None, 30, 33, 33], "diskretioneret": [True, False, False, False],
        "diskretion_aarsag": ["primaer", None, None, None],
    })
    tal = [d.Tal("taeller", d.IKKE_NEGATIV), d.Tal("naevner", d.IKKE_NEGATIV), IND]
    bad = d.angrib(frame, ["noegletal_id"], lambda key: tal)
    assert sorted(bad.select("omraade", "tal", "fra").rows()) == [
        ("101", "individer", 3.0), ("101", "naevner", 10.0), ("101", "taeller", 3.0)]
    assert set(bad["regel"]) == {"KAN_UDREGNES_AF_DET_PUBLICEREDE"}


# -- properties over random cubes on the real region structure ---------------------------------------

ALLE = [k for ks in REGIONER.values() for k in ks]


@st.composite
def kuber(draw, kommuner=ALLE, max_individer=60):
    """Random cells: many small (primary) ones, zeros, and numerators that may be 0."""
    cells = {}
    for k in draw(st.lists(st.sampled_from(kommuner), min_size=1, max_size=len(kommuner), unique=True)):
        n = draw(st.one_of(st.integers(0, 6), st.integers(0, max_individer)))
        cells[k] = celle(n, draw(st.integers(0, n)))
    return tabel(cells)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kuber())
def test_nothing_withheld_is_ever_derivable(t):
    aarsag = beskyt(t)
    assert all(aarsag.get(o) == d.PRIMAER for o, v in t.vaerdier.items() if v["individer"] < d.MIN_INDIVIDER)
    assert all(a == d.SEKUNDAER for o, a in aarsag.items() if t.vaerdier[o]["individer"] >= d.MIN_INDIVIDER)
    assert punkter(lp_intervaller(t, aarsag)) == []


@st.composite
def moenstre(draw):
    t = draw(kuber(kommuner=[k for r in ("Hovedstaden", "Nordjylland") for k in REGIONER[r][:4]]))
    skjult = draw(st.lists(st.sampled_from(sorted(t.vaerdier)), unique=True))
    # any pattern, with the reasons its cells' true counts give
    return t, {o: d.PRIMAER if t.vaerdier[o]["individer"] < d.MIN_INDIVIDER else d.SEKUNDAER for o in skjult}


@settings(max_examples=80, deadline=None)
@given(moenstre())
def test_the_attack_equals_a_linear_programme_over_the_whole_hierarchy(case):
    t, aarsag = case
    ventet = lp_intervaller(t, aarsag)
    fundet = d.intervaller(t, aarsag)
    assert fundet.keys() == ventet.keys()
    for k, (lo, hi) in ventet.items():
        assert lo <= t.vaerdier[k[0]][k[1]] <= hi
        assert fundet[k] == pytest.approx((lo, hi), abs=1e-6), k


def minimum(t: d.Tabel, primaer: set[str]) -> int:
    """Brute force: the fewest further cells whose withholding leaves no point for the LP attacker."""
    frie = sorted(set(t.vaerdier) - primaer)
    for n in range(len(frie) + 1):
        for valg in combinations(frie, n):
            aarsag = {**{o: d.PRIMAER for o in primaer}, **{o: d.SEKUNDAER for o in valg}}
            if not punkter(lp_intervaller(t, aarsag)):
                return n
    raise AssertionError("withholding everything is always safe")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kuber(kommuner=[k for r in ("Hovedstaden", "Nordjylland") for k in REGIONER[r][:3]], max_individer=15))
def test_secondary_suppressions_stay_close_to_the_minimum(t):
    aarsag = beskyt(t)
    primaer = {o for o, a in aarsag.items() if a == d.PRIMAER}
    sekundaere = len(aarsag) - len(primaer)
    assert sekundaere <= minimum(t, primaer) + 1
