"""The strongest attacker on a period's published figures and benchmark rows, written apart from
the module it tests: one linear programme over every equation at once.

Unknowns are the withheld benchmark rows (kommune, ydelse) that a figure rests on. Each published
figure cell (kommune, region or Danmark) says its rows' full-time recipients sum to its number and,
counting individuals as additive, that their recipients sum to its individuals; a withheld cell
says its individuals are under five (`primaer`) or at least five (`sekundaer`), as does each
withheld row. The attacker also knows which rows are empty (no recipients: a kommune without any
delivers no VH data), so those are zero and no secret. A withheld row, or the rows of a withheld
cell, is disclosed when the programme's minimum and maximum of it meet.
"""

from collections.abc import Container

import numpy as np
import polars as pl
from scipy import sparse
from scipy.optimize import linprog

from flis_assets.omraader.voksenhandicap import benchmark_diskretion as b
from flis_assets.defs.noegletal import diskretion as d


def punkter(noegletal: pl.DataFrame, vh_datamart: pl.DataFrame, tomme: Container[tuple[str, str]] = (),
            binder: bool = True) -> list[tuple[str, str, float]]:
    """(number, what, value) for each withheld number one period's published tables give away;
    `tomme` are the rows (kommune, ydelse) the attacker knows to be empty: no secret, and (`binder`)
    zero in every equation."""
    figurer = {f.noegletal_id: f for f in b.figurer()}
    region = {k: r for r, ks in d.regioner().items() for k in ks}
    rows = {(f"{r['handlekommune']:03d}", r["ydelseskode"]): r for r in vh_datamart.to_dicts()}
    ukendte = sorted(k for k, r in rows.items() if r["diskretioneret"]
                     and any(k[1] in f.ydelser for f in figurer.values()))
    idx = {k: i for i, k in enumerate(ukendte)}
    cells = noegletal.filter(pl.col("noegletal_id").is_in(list(figurer))).to_dicts()

    def rows_of(c):
        if c["niveau"] == "kommune":
            kommuner = [c["omraade"]]
        else:
            kommuner = [k for k in region if c["niveau"] == "land" or region[k] == c["omraade"]]
        return [(k, y) for k in kommuner for y in figurer[c["noegletal_id"]].ydelser if (k, y) in rows]

    fundet = []
    for tal, kolonne in (("helaarsmodtagere", "helaarsmodtagere"), ("individer", "unikke_modtagere")):
        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        for c in cells:
            row, kendt = np.zeros(len(ukendte)), 0.0
            for k in rows_of(c):
                if k in idx:
                    row[idx[k]] += 1
                else:
                    kendt += rows[k][kolonne]
            if not row.any():
                continue
            if not c["diskretioneret"]:
                a_eq.append(row)
                b_eq.append((c[figurer[c["noegletal_id"]].side] if tal == "helaarsmodtagere" else c["individer"]) - kendt)
            elif tal == "individer":
                if c["diskretion_aarsag"] == d.PRIMAER:
                    a_ub.append(row)
                    b_ub.append(d.MIN_INDIVIDER - 1 - kendt)
                else:
                    a_ub.append(-row)
                    b_ub.append(kendt - d.MIN_INDIVIDER)
        bounds = [(0, 0) if binder and k in tomme else
                  ((0, d.MIN_INDIVIDER - 1) if rows[k]["diskretion_aarsag"] == d.PRIMAER else (d.MIN_INDIVIDER, None))
                  if tal == "individer" else (0, None) for k in ukendte]
        kw = {}
        if a_eq:
            kw.update(A_eq=sparse.csr_array(np.array(a_eq)), b_eq=b_eq)
        if a_ub:
            kw.update(A_ub=sparse.csr_array(np.array(a_ub)), b_ub=b_ub)
        # a row a shown single-ydelse figure of its kommune publishes is no secret to find
        udgivet = {(c["omraade"], y) for c in cells if c["niveau"] == "kommune" and not c["diskretioneret"]
                   for y in figurer[c["noegletal_id"]].ydelser if len(figurer[c["noegletal_id"]].ydelser) == 1}
        maal = [([k], f"{k[0]} {k[1]}") for k in ukendte if k not in udgivet and k not in tomme]
        maal += [([k for k in rows_of(c) if k in idx], f"{c['omraade']} {c['noegletal_id']}")
                 for c in cells if c["diskretioneret"] and any(k not in tomme for k in rows_of(c))]
        # One feasible point (the least of everything): a number whose maximum lies above its value
        # there is no point, so most numbers need one programme, not two.
        nedre = linprog(np.ones(len(ukendte)), bounds=bounds, method="highs", **kw) if ukendte else None
        for ks, navn in maal:
            if not ks:  # a withheld cell whose rows are all published (a cell with no rows is zero)
                fundet.append((tal, navn, float("nan")))
                continue
            c = np.zeros(len(ukendte))
            c[[idx[k] for k in ks]] = 1
            hi = linprog(-c, bounds=bounds, method="highs", **kw)
            if hi.status != 0 or nedre.status != 0 or -hi.fun - c @ nedre.x > 1e-6:
                continue  # unbounded, inconsistent, or above a feasible value: no point
            lo = linprog(c, bounds=bounds, method="highs", **kw)
            if lo.status == 0 and d.er_punkt(lo.fun, -hi.fun):
                fundet.append((tal, navn, lo.fun))
    return fundet
