"""Files under `incoming/` that landing never reads, so they would be missing without a word.

Landing reads exactly the files directly in `incoming/<kilde>/<ÅÅÅÅ-MM>/` of the months it runs
(sources.md). Everything else is named here with why: a folder that is no source, a folder that
is no load month, a file outside a month folder or in a sub-folder, and a file that came into a
month after that month was landed. A late file is not landed behind the month's back by a later
month's run (its load month is its folder's); re-running its month lands it, since landing skips
only the files it has recorded.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from flis_assets import partitions, settings, snitflader
from flis_assets.defs.raadata.landing import relativ_sti
from flis_assets.snitflader import Kilde

MAANEDSMAPPE = re.compile(r"^(?P<aar>[0-9]{4})-(?P<maaned>0[1-9]|1[0-2])$")
SCHEMA = {"sti": pl.String, "regel": pl.String, "forklaring": pl.String}


def _filer(folder: Path) -> list[Path]:
    """Every file under `folder`, at any depth (symlinked folders are not followed: the walk ends)."""
    return sorted(Path(d) / f for d, _, fs in os.walk(folder) for f in fs)


def maanedsmappe(navn: str) -> date | None:
    """The load month a folder name stands for, or None when landing never reads it."""
    m = MAANEDSMAPPE.match(navn)
    if not m:
        return None
    d = date(int(m["aar"]), int(m["maaned"]), 1)
    return d if d >= partitions.START else None


def usete_filer(con: duckdb.DuckDBPyConnection, kilde: Kilde) -> pl.DataFrame:
    """The files under `incoming/` that landing of `kilde` does not see (`sti`, `regel`,
    `forklaring`): those in the source's own folder, and those in no source's folder (every
    source's check names them, as any of them may be the one run)."""
    incoming, root = settings.incoming_dir(), settings.data_dir()
    rows: list[tuple[str, str, str]] = []

    def add(path: Path, regel: str, forklaring: str) -> None:
        rows.append((relativ_sti(path, root), regel, forklaring))

    kilder = snitflader.kilder()
    for entry in sorted(incoming.iterdir()) if incoming.is_dir() else []:
        if entry.name in kilder:
            continue
        for f in _filer(entry) if entry.is_dir() else [entry]:
            add(f, "UKENDT_KILDE", f"{relativ_sti(entry, root)} er ikke en kildes mappe "
                f"(kilderne er {', '.join(kilder)}); filen indlæses ikke")

    folder = incoming / kilde.kilde
    if not folder.is_dir():
        return pl.DataFrame(rows, schema=SCHEMA, orient="row")
    landed, loaded = _kendte(con, kilde)
    for entry in sorted(folder.iterdir()):
        maaned = maanedsmappe(entry.name) if entry.is_dir() else None
        if not entry.is_dir():
            add(entry, "FIL_UDEN_MAANEDSMAPPE",
                f"filen ligger ikke i en månedsmappe {relativ_sti(folder, root)}/ÅÅÅÅ-MM og indlæses ikke")
        elif maaned is None:
            for f in _filer(entry):
                add(f, "UGYLDIG_MAANEDSMAPPE",
                    f"mappen {entry.name} er ikke en indlæsningsmåned ÅÅÅÅ-MM fra {partitions.START:%Y-%m} "
                    "(f.eks. 2026-04, ikke 2026-4); filen indlæses ikke")
        else:
            for f in _filer(entry):
                if f.parent != entry:
                    add(f, "FIL_I_UNDERMAPPE", f"filen ligger i en undermappe af {entry.name} og indlæses ikke; "
                        f"læg den direkte i {relativ_sti(entry, root)}")
                elif maaned in loaded and relativ_sti(f, root) not in landed:
                    add(f, "KOM_EFTER_INDLAESNING",
                        f"filen kom, efter at {maaned:%Y-%m} blev indlæst; kør indlæsningsmåned "
                        f"{maaned:%Y-%m} (og de senere måneder) igen for at indlæse den")
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _kendte(con: duckdb.DuckDBPyConnection, kilde: Kilde) -> tuple[set[str], set[date]]:
    """The files recorded in raadata.leverancer for `kilde`, and the load months landing ran with
    a file (none before the first landing)."""
    try:
        rows = con.execute("SELECT DISTINCT fil, indlaesningsmaaned FROM raadata.leverancer WHERE kilde = ?",
                           [kilde.kilde]).fetchall()
    except duckdb.CatalogException:
        return set(), set()
    return {f for f, _ in rows}, {m for _, m in rows}
