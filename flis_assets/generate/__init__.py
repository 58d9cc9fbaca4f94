"""Synthetic deliveries for FLIS: every source of sources.md, for any kommuner and load months.

    generate(out, kommuner, fra, til, scale=0.01, seed=1) -> GenerateResult

writes `out/incoming/<kilde>/<YYYY-MM>/<KILDE>_<kommunekode>_<fagsystem>_FULD_<YYYYMMDD>.csv` for
each load month in [fra, til] and `out/reference/` (systemskifte.csv, godkendte_kommuner_<YYYY>.xlsx
per year 2013..til, HAND07.csv, AED06.csv).

How it works
- Everything is simulated once on a fixed horizon (2013-01..2030-12) from RNG streams seeded by
  (seed, kommunekode, source); a load month's file is a view of those timelines as known in
  that month. So the same seed gives byte-identical files, and a month's file for a kommune
  does not depend on the requested range or on the other kommuner requested. All kommuners'
  populations and udsatte measures are always simulated (cheap), because pupils cross kommune
  borders; the national CPR extract holds the residents of the requested kommuner (all of them
  for `kommuner=None`) plus every other person the written files refer to.
- Sizes are proportional to `indbyggere_ca` (kommuner.csv) times `scale`; scale 1 is the whole
  country (about 5.9 M citizens, 78,500 VH recipients and 105,100 ydelser in Q4 2022).
- `befolkning` (CPR), `voksenhandicap` (VH, systemskifte rules 2/3, Ishøj/Tårnby reporting,
  planted DST rule hits, retroactive corrections), `udsatte`, `skole`, `oekonomi`,
  `reference` (systemskifte, approvals, HAND07), `writer` (formats from `snitflader`).
- Areas that name a generator hook (`Omraade.generator`, e.g. `aeldre`) plug in through it:
  `simuler(seed, bef, koder, scale)` gives an object with `kilde`, `leverancer(mi)` (the load
  month's files), `systemskifter` (its lines of systemskifte.csv) and `reference(out, fra, til)`
  (its reference files, e.g. AED06.csv).
- HAND07 holds only cells DST has approved (newest list) with a recipient, computed from the
  newest knowledge at `til` after DST's corrections; about 3 % of cells deviate by a few.
- systemskifte.csv lists the requested kommuner with rule 3, and those with rule 2 whose
  skiftedato is at or before the last load month.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from flis_assets import omraader, snitflader
from flis_assets.generate import faelles as f
from flis_assets.generate import reference, writer
from flis_assets.omraader.borger import generate as befolkning
from flis_assets.omraader.oekonomi import generate as oekonomi
from flis_assets.omraader.skole.generate import Skole
from flis_assets.omraader.udsatte import generate as udsatte
from flis_assets.omraader.voksenhandicap import generate as vh

__all__ = ["GenerateResult", "generate"]

_KILDER = tuple(snitflader.kilder())  # every area's sources
_CPR_CHUNK = 1_000_000


def _omraadegeneratorer() -> list:
    """The generator modules of the areas that plug in through their hook (`Omraade.generator`);
    the areas without one are orchestrated by hand below."""
    return [importlib.import_module(o.generator) for o in omraader.omraader() if o.generator]


@dataclass
class GenerateResult:
    files: list[Path] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_KILDER, 0))


def generate(
    out: Path,
    kommuner: list[int] | None,
    fra: date,
    til: date,
    scale: float = 0.01,
    seed: int = 1,
    progress: bool = True,
) -> GenerateResult:
    out = Path(out)
    km = f.kommuner()
    alle = [int(k) for k in km.koder]
    if kommuner is None:
        koder = alle
    else:
        ukendte = sorted(set(kommuner) - set(alle))
        if ukendte:
            raise ValueError(f"unknown kommunekoder: {ukendte}")
        koder = [k for k in alle if k in set(kommuner)]
    if fra.day != 1 or til.day != 1 or fra > til:
        raise ValueError("fra and til must be first days of months, fra <= til")
    if fra < f.HORISONT_START or til > f.HORISONT_SLUT:
        raise ValueError(f"load months must lie within {f.HORISONT_START:%Y-%m}..{f.HORISONT_SLUT:%Y-%m}")
    if scale <= 0:
        raise ValueError("scale must be positive")

    res = GenerateResult()
    maaneder = list(range(f.maaned(fra), f.maaned(til) + 1))
    moduler = _omraadegeneratorer()
    with tqdm(total=4 + len(moduler), desc="Simulerer forløb", unit="trin", disable=not progress, leave=False) as bar:
        bef = befolkning.simuler(seed, scale)
        bar.update()
        uds = udsatte.simuler(seed, bef, scale)
        bar.update()
        skole = Skole.simuler(seed, bef, scale)
        bar.update()
        # VH lines live with the delivering kommune; the kommune it reports for is inside it.
        vh_pop = {v: k for k, v in vh.RAPPORTERER_FOR.items()}
        levkoder = sorted({vh_pop.get(k, k) for k in koder}, key=alle.index)
        lev = {k: vh.simuler(seed, bef, k, scale) for k in levkoder}
        bar.update()
        hooks = []
        for modul in moduler:
            hooks.append(modul.simuler(seed, bef, koder, scale))
            bar.update()

    pop_koder = sorted(set(koder) | {vh.RAPPORTERER_FOR[k] for k in koder if k in vh.RAPPORTERER_FOR})
    pop_maske = np.isin(km.koder, pop_koder)
    cpr_grund = bef.nogensinde_i(pop_maske)
    kidx = {k: km.idx(k) for k in koder}
    vh_helaar_cache: dict[int, dict[int, np.ndarray]] = {}
    uds_helaar_cache: dict[int, np.ndarray] = {}
    maalgrupper, regk31 = oekonomi.Maalgrupper(bef), oekonomi.Regk31()

    def vh_helaar(p: int) -> dict[int, np.ndarray]:
        if p not in vh_helaar_cache:
            p_eff = max(p, f.maaned(f.VH_START))
            d: dict[int, np.ndarray] = {}
            for lv in lev.values():
                d.update(vh.helaarsmodtagere(lv, bef, p_eff))
            vh_helaar_cache[p] = d
        return vh_helaar_cache[p]

    def uds_helaar(p: int) -> np.ndarray:
        if p not in uds_helaar_cache:
            uds_helaar_cache[p] = oekonomi.udsatte_helaar(uds, p)
        return uds_helaar_cache[p]

    def skriv(kilde: str, mi: int, kode: int, system: str, dele, tidligst: date | None = None) -> None:
        leveret = f.leveringsdato(seed, kode, kilde, mi)
        if tidligst is not None and f.maaned(tidligst) == mi:
            leveret = max(leveret, tidligst)  # a new system delivers from its skiftedato on
        sti = writer.leverance_sti(out, kilde, f.maaned_dato(mi), kode, system, leveret)
        n = writer.skriv_leverance(sti, kilde, dele)
        res.lines[kilde] += n
        if n:
            res.files.append(sti)

    nul = np.zeros(len(vh.gyldige_koder()))
    with tqdm(total=len(maaneder) * len(_KILDER), desc="Genererer leverancer", unit="fil",
              disable=not progress) as bar:
        for mi in maaneder:
            bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} vh")
            for k in koder:
                if k in lev:
                    sk = vh.skifte(k)
                    for system, df in lev[k].filer(mi).items():
                        skriv("vh", mi, k, system, [df], sk.skiftedato if sk else None)
            bar.update()

            for hook in hooks:
                bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} {hook.kilde}")
                for k, system, df, tidligst in hook.leverancer(mi):
                    skriv(hook.kilde, mi, k, system, [df], tidligst)
                bar.update()

            bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} udsatte")
            for k in koder:
                skriv("udsatte", mi, k, "DUBU", [uds.fil(bef, kidx[k], mi)])
            bar.update()

            bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} skole")
            elever = skole.elever(seed, bef, uds, mi)
            elever = elever.filter(pl.col("skolekommune").is_in([kidx[k] for k in koder]))
            for (ki,), df in sorted(elever.partition_by("skolekommune", as_dict=True).items()):
                k = alle[ki]
                skriv("skole", mi, k, skole.fagsystem[k], [df])
            refereret = np.zeros(len(bef), dtype=bool)
            refereret[elever["pid"].to_numpy()] = True
            del elever
            bar.update()

            bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} oekonomi")
            for k in koder:
                vhh = {p: vh_helaar(p).get(k, nul) for p in oekonomi.perioder(mi)}
                udh = {p: uds_helaar(p)[kidx[k]] for p in oekonomi.perioder(mi)}
                df = oekonomi.fil(seed, k, mi, vhh, udh, vh.gyldige_koder(), scale, maalgrupper)
                regk31.tilfoej(k, mi, df)
                skriv("oekonomi", mi, k, oekonomi.fagsystem(seed, k), [df])
            bar.update()

            bar.set_postfix_str(f"{f.maaned_dato(mi):%Y-%m} cpr")
            med = cpr_grund | refereret
            udtraek = befolkning.cpr_udtraek(bef, mi, med)
            skriv("cpr", mi, 0, "CPR",
                  (udtraek.slice(i, _CPR_CHUNK) for i in range(0, max(udtraek.height, 1), _CPR_CHUNK)))
            del udtraek
            bar.update()

    til_mi = f.maaned(til)
    res.files.append(reference.systemskifte(out, koder, til_mi, [s for h in hooks for s in h.systemskifter]))
    stier, godkendt = reference.godkendte(seed, out, pop_koder, til_mi)
    res.files.extend(stier)
    modtagere = pl.concat([vh.dst_modtagere(lv, bef, til_mi) for lv in lev.values()])
    modtagere = modtagere.filter(pl.col("omraade").is_in(pop_koder))
    res.files.append(reference.hand07(seed, out, modtagere, godkendt))
    res.files.append(befolkning.folk1a(seed, out, bef, pop_koder, maaneder))
    res.files.append(regk31.skriv(seed, out))
    for hook in hooks:
        res.files.extend(hook.reference(out, f.maaned(fra), til_mi))
    return res
