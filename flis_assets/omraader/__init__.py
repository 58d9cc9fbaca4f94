"""The data areas (dataområder): one package per area under this folder, each describing itself.

FLIS is a platform of many areas (Voksenhandicap, Ældre, Skole, ...). The platform (the layers
under `flis_assets/defs/`, the generator's orchestration, the CLI) names no area: it finds every
folder here and learns each area from it. An area's folder holds

- `__init__.py` with `OMRAADE = Omraade(...)`: the area's name, title and hooks (below);
- `kilder.csv`, `felter.csv` (and `felttyper.csv` for its own field types): its interface
  descriptions (snitfladebeskrivelser), read by landing, DSA and the generator;
- `kodelister/<praefiks>_*.csv`: its code lists, namespaced by the area's prefix so two areas'
  codes never collide (each becomes `kodelister.<name>` in DuckDB); every column is text unless
  `kodelister/typer.csv` (`liste;kolonne;type`, type `heltal`, `decimaltal` or `ja_nej`) types it;
- `noegletal.csv`: its central key figures (`defs/noegletal`), and its measures in `OMRAADE.maal`;
- `plausibilitet.csv` and `plausibilitet_tabeller.csv`: its measures judged against each kommune's
  own history, and the tables and columns they may read (`defs/datamart/plausibilitet.py`);
- its SQL and assets per layer (`dsa.py`, `harmoniseret.py`, `datamart.py`, ...), checks,
  packages, reports, generator (`generate.py`) and tests (`flis_assets_tests/omraader/<navn>/`).

Adding an area is adding a folder: no shared module changes (a test proves every area loads).
Reading the data files needs no import of an area's code (`mapper`); the hooks import lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

def _ingen() -> Sequence:
    return ()


@dataclass(frozen=True)
class Omraade:
    """One data area as the platform sees it.

    `assets`, `checks` and `sensors` return the area's Dagster definitions (imported only when
    called: reading an area's catalogue must not build its assets). `maal` are the measures its
    key figures may use (`defs/noegletal/maal.py`), `afstemninger` the tables it publishes beside
    the cube whose discretion is decided with the cube's (`maal.Afstemning`), `pakker` its data packages
    (`defs/datapakker/katalog.py`), `bestande` creates its DSA tables empty so the period layers
    can run before the source ever delivered, `generator` names the module of its synthetic
    deliveries that `flis generate` calls (`simuler(seed, befolkning, kommuner, scale)`, see
    `flis_assets/generate/__init__.py`; the first five areas' generators, on which the
    population and the accounts of the others build, are still orchestrated there by hand)."""

    navn: str  # folder and package name, ascii (aeldre)
    titel: str  # as shown to people (Ældre)
    praefiks: str  # of its tables, code lists and packages (aeldre_indsatser, vh_ydelser)
    beskrivelse: str = ""
    assets: Callable[[], Sequence[Any]] = _ingen
    checks: Callable[[], Sequence[Any]] = _ingen
    sensors: Callable[[], Sequence[Any]] = _ingen
    maal: Callable[[], Mapping[str, Any]] = dict
    afstemninger: Callable[[], Sequence[Any]] = _ingen
    pakker: Callable[[], Sequence[Any]] = _ingen
    bestande: Callable[[Any], None] | None = None
    generator: str | None = None
    ekstra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def mappe(self) -> Path:
        return next(p for p in mapper() if p.name == self.navn)


def mapper() -> list[Path]:
    """Every area's folder (a package with an `__init__.py`) on this package's path, in name order."""
    return sorted((p for rod in __path__ for p in Path(rod).iterdir() if p.is_dir() and (p / "__init__.py").exists()),
                  key=lambda p: p.name)


@cache
def omraader() -> tuple[Omraade, ...]:
    """Every area, as its own package describes it."""
    found = []
    for mappe in mapper():
        modul = importlib.import_module(f"{__name__}.{mappe.name}")
        omraade = getattr(modul, "OMRAADE", None)
        if not isinstance(omraade, Omraade):
            raise TypeError(f"Dataområdet {mappe.name} beskriver sig ikke: {mappe / '__init__.py'} mangler OMRAADE")
        if omraade.navn != mappe.name:
            raise ValueError(f"Dataområdet i mappen {mappe.name} kalder sig {omraade.navn}")
        found.append(omraade)
    praefikser = [o.praefiks for o in found]
    if len(set(praefikser)) != len(praefikser):
        raise ValueError(f"To dataområder deler præfiks: {sorted(praefikser)}")
    return tuple(found)


def omraade(navn: str) -> Omraade:
    return next(o for o in omraader() if o.navn == navn)
