"""datapakker checks, all blocking: a period that fails one is never written.

Generated from the package catalogue (`katalog.py`), so an area's new package is guarded
without a change here:

- `kun_egne_individer`: a kommune's rows of a per-recipient table are its own (`Tabel.ejere`).
- `ingen_koblede_individlister`: only the tables that declare individuals (`Tabel.individer`) have
  CPR numbers, and their columns come from their own area's tables alone.
- `diskretion`: nothing in a package shows a figure resting on fewer than five individuals (each
  table's `Tabel.diskretion`); a package's own checks (`Pakke.kontroller`) add the attacks: no
  withheld key figure or population in `noegletal` can be worked out from the rest of it, nor a
  withheld row of an area's benchmark.
- `kun_kendte_kommuner`: no package is addressed to, or shows (`Tabel.kommunekoder`), a kommunekode
  that is not in kodelister/kommuner.csv.

Dagster blocks per step: one failing month of a ranged run would hold back every month's
packages. So each check (`KONTROLLER`) is judged per month, twice on the same function: as an
asset check on `datapakker/indhold` (severity ERROR, which `flis materialize` reports per month as
blocking, and the UI shows) and by `datapakker/filer` itself (`afviste_perioder`) right before it
writes, which writes the months that pass and fails the run naming those that do not. The
generated checks read the catalogue when they run.
"""

from datetime import date

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks.factory import frames_in_turn, per_maaned
from flis_assets.defs.datapakker import katalog
from flis_assets.defs.datapakker.katalog import Kontrol
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER

INDHOLD = dg.AssetKey(["datapakker", "indhold"])


def kun_egne_sql() -> str:
    """Each per-recipient table's rows of the month whose `modtager` is none of their `ejere`."""
    dele = [f"""SELECT modtager AS kommunekode, '{t.navn}' AS tabel, ({t.noegle})::VARCHAR AS noegle,
                   concat_ws(' og ', {', '.join(f'{e}::VARCHAR' for e in t.ejere)}) AS ejere, '{t.regel}' AS regel
               FROM datapakker.{t.navn} WHERE periode = $maaned
                 AND {' AND '.join(f'modtager IS DISTINCT FROM {e}' for e in t.ejere)}"""
            for t in katalog.tabeller(katalog.pakker()) if t.per_modtager]
    return katalog.union(dele, "SELECT NULL::INTEGER AS kommunekode, NULL AS tabel, NULL AS noegle, NULL AS ejere, "
                               "NULL AS regel WHERE $maaned IS NULL AND false")


def ingen_koblede_sql() -> str:
    """Columns `cpr` outside the individual tables, and individual tables' columns from another table
    than their own area's (`Tabel.individer`) besides `modtager` and their `egne_kolonner`."""
    individ = [t for t in katalog.tabeller(katalog.pakker()) if t.individer]
    tilladt = " UNION ALL ".join(f"SELECT '{t.navn}' AS pakke, '{k}' AS kilde" for t in individ for k in t.individer)
    egne = " UNION ALL ".join(f"SELECT '{t.navn}' AS pakke, '{k}' AS kolonne"
                              for t in individ for k in ("modtager", *t.egne_kolonner))
    return f"""
WITH kol AS (SELECT table_schema || '.' || table_name AS tabel, table_name, column_name
             FROM information_schema.columns),
tilladt AS ({tilladt or "SELECT NULL AS pakke, NULL AS kilde WHERE false"}),
egne AS ({egne or "SELECT NULL AS pakke, NULL AS kolonne WHERE false"})
SELECT kol.table_name AS pakke, kol.column_name AS kolonne, 'CPR_I_PAKKE_UDEN_INDIVIDLISTE' AS regel
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.column_name = 'cpr'
  AND kol.table_name NOT IN (SELECT pakke FROM tilladt)
UNION ALL
SELECT kol.table_name, kol.column_name, 'KOLONNE_FRA_ET_ANDET_OMRAADE'
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.table_name IN (SELECT pakke FROM tilladt)
  AND NOT EXISTS (SELECT 1 FROM egne e WHERE e.pakke = kol.table_name AND e.kolonne = kol.column_name)
  AND kol.column_name NOT IN (SELECT k2.column_name FROM kol k2 JOIN tilladt t ON k2.tabel = t.kilde
                              WHERE t.pakke = kol.table_name)
  AND $maaned IS NOT NULL
"""


def diskretion_sql() -> str:
    """Every table's rows of the month that show a figure on fewer than five (`Tabel.diskretion`)."""
    return katalog.union([t.diskretion for t in katalog.tabeller(katalog.pakker()) if t.diskretion],
                         "SELECT NULL AS pakke, NULL AS omraade, NULL AS noegle, NULL AS regel "
                         "WHERE $maaned IS NULL AND false")


def ukendte_kommuner_sql() -> str:
    """Every kommunekode a package is addressed to or shows of a kommune (`Tabel.kommunekoder`); the
    per-recipient tables' own rows are their `modtager`'s (`kun_egne_individer`)."""
    koder = [f"SELECT 'abonnenter' AS tabel, kommunekode FROM datapakker.abonnenter WHERE periode = $maaned"]
    koder += [f"SELECT '{t.navn}', TRY_CAST(({k}) AS INTEGER) FROM datapakker.{t.navn} "
              f"WHERE periode = $maaned AND ({t.kommuneraekker})"
              for t in katalog.tabeller(katalog.pakker()) for k in t.kommunekoder]
    return f"""
WITH koder AS ({" UNION ALL ".join(koder)})
SELECT tabel, kommunekode, count(*) AS raekker, 'UKENDT_KOMMUNEKODE' AS regel FROM koder
WHERE kommunekode IS NULL OR kommunekode NOT IN (SELECT kommunekode FROM kodelister.kommuner)
GROUP BY ALL ORDER BY ALL
"""


def kontroller() -> list[Kontrol]:
    """The catalogue's generated checks, with every package's own checks before the last."""
    return [
        Kontrol(
            navn="kun_egne_individer",
            beskrivelse="Blokerende: en kommunes egne tabeller (individpakkerne og de øvrige kommunespecifikke "
            "tabeller) rummer kun rækker, der er kommunens egne: kommunen er den, rækken hører til (fx den fortolkede "
            "handlekommune, skolens kommune); fejler med tabellen, kommunen og en nøgle, aldrig et CPR-nummer.",
            sql=kun_egne_sql,
        ),
        Kontrol(
            navn="ingen_koblede_individlister",
            beskrivelse="Blokerende: kun de kommunespecifikke individpakker (ét område hver) har CPR-numre, og "
            "deres kolonner kommer kun fra deres eget områdes data: ingen pakke viser individerne bag et koblet "
            "nøgletal eller kombinerer to områders individlister.",
            sql=ingen_koblede_sql,
        ),
        Kontrol(
            navn="diskretion",
            beskrivelse=f"Blokerende: ingen pakke viser et tal, der hviler på færre end {MIN_INDIVIDER} individer.",
            sql=diskretion_sql,
        ),
        *(k for p in katalog.pakker() for k in p.kontroller),
        Kontrol(
            navn="kun_kendte_kommuner",
            beskrivelse="Blokerende: hver kommunekode, en pakke sendes til eller viser en kommunes tal for, findes "
            "i kodelisten kommuner.csv; fejler med koden og tabellen.",
            sql=ukendte_kommuner_sql,
        ),
    ]


KONTROLLER = kontroller()


def maanedsfejl(con: duckdb.DuckDBPyConnection, kontrol: Kontrol, months: list[date]) -> list[pl.DataFrame]:
    """The failing rows of each month of `months` that fails `kontrol`, with the month (`maaned`).
    A month that cannot be read (its table is missing) fails: it was not shown to be safe."""
    failures, read = [], set()
    for m, frame in frames_in_turn(con, kontrol.forespoergsel(), months):
        read.add(m)
        bad = kontrol.validate(frame)
        if bad.height:
            failures.append(bad.with_columns(pl.lit(m).alias("maaned")))
    failures += [pl.DataFrame({"regel": ["KUNNE_IKKE_KONTROLLERES"], "maaned": [m]}) for m in months if m not in read]
    return failures


def afviste_perioder(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[date, list[str]]:
    """The months of `months` that fail a blocking check, with the checks' names, in order."""
    afvist: dict[date, list[str]] = {}
    for kontrol in KONTROLLER:
        for bad in maanedsfejl(con, kontrol, months):
            afvist.setdefault(bad["maaned"][0], []).append(kontrol.navn)
    return dict(sorted(afvist.items()))


def _asset_check(kontrol: Kontrol) -> dg.AssetChecksDefinition:
    """`kontrol` as a check of `datapakker/indhold` for every month of the run. Severity ERROR, but
    not Dagster-blocking, which would hold back the whole window: `datapakker/filer` holds back
    the failing months itself."""

    @dg.asset_check(asset=INDHOLD, name=kontrol.navn, blocking=False, pool="duckdb", partitions_def=partitions.maaned,
                    description=f"{kontrol.beskrivelse} Datapakkerne (datapakker/filer) skrives ikke for en periode, "
                    "der fejler; kørslens øvrige perioder skrives.")
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        months = partitions.window_months(context)
        with duckdb.get_connection() as con:
            yield from per_maaned(context, con, maanedsfejl(con, kontrol, months), months, dg.AssetCheckSeverity.ERROR)

    return _check


checks = [_asset_check(k) for k in KONTROLLER]
