"""datapakker checks, all blocking: a period that fails one is never written.

- A kommune's individual-level package holds only lines whose interpreted handlekommune is it.
- Nothing in a package shows a figure resting on fewer than five individuals, and no withheld
  key figure or population in the `noegletal` package can be worked out from the rest of it, nor a
  withheld benchmark row of `vh_datamart` from the key figures that sum it.
- No package is addressed to, or shows, a kommunekode that is not in kodelister/kommuner.csv.

Dagster blocks per step: one failing month of a ranged run would hold back every month's
packages. So each check (`KONTROLLER`) is judged per month, twice on the same function: as an
asset check on `datapakker/indhold` (severity ERROR, which `flis materialize` reports per month as
blocking, and the UI shows) and by `datapakker/filer` itself (`afviste_perioder`) right before it
writes, which writes the months that pass and fails the run naming those that do not.
"""

from dataclasses import dataclass
from datetime import date

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks.factory import Validator, failing_rows_validator, frames_in_turn, per_maaned
from flis_assets.omraader.voksenhandicap import benchmark_diskretion
from flis_assets.defs.noegletal.checks import angreb_beskrivelse, angreb_validator
from flis_assets.defs.noegletal.diskretion import MIN_INDIVIDER
from flis_assets.omraader.voksenhandicap.benchmark_diskretion import hviler_paa_sql

INDHOLD = dg.AssetKey(["datapakker", "indhold"])

# The only package tables that list individuals, each with the harmonised table of its own area:
# their columns may come from that table alone, so no package ever joins two areas' individuals
# or lists those behind a linked figure.
INDIVIDLISTER = {
    "vh_individ": ["harmoniseret.vh_ydelser", "harmoniseret.vh_opmaerkninger"],
    "vh_regelrapport": ["harmoniseret.vh_opmaerkninger"],
    "skole_individ": ["harmoniseret.skole_elever"],
    "udsatte_individ": ["harmoniseret.udsatte_foranstaltninger"],
}
EGNE_KOLONNER = ("modtager", "leverandoer", "opmaerkninger", "antal_linjer")  # added by the package itself

INGEN_KOBLEDE_INDIVIDER_SQL = f"""
WITH kol AS (SELECT table_schema || '.' || table_name AS tabel, table_name, column_name
             FROM information_schema.columns WHERE table_schema IN ('datapakker', 'harmoniseret')),
tilladt AS ({" UNION ALL ".join(f"SELECT '{t}' AS pakke, '{k}' AS kilde" for t, ks in INDIVIDLISTER.items() for k in ks)})
SELECT kol.table_name AS pakke, kol.column_name AS kolonne, 'CPR_I_PAKKE_UDEN_INDIVIDLISTE' AS regel
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.column_name = 'cpr'
  AND kol.table_name NOT IN (SELECT pakke FROM tilladt)
UNION ALL
SELECT kol.table_name, kol.column_name, 'KOLONNE_FRA_ET_ANDET_OMRAADE'
FROM kol WHERE kol.tabel LIKE 'datapakker.%' AND kol.table_name IN (SELECT pakke FROM tilladt)
  AND kol.column_name NOT IN {EGNE_KOLONNER}
  AND kol.column_name NOT IN (SELECT k2.column_name FROM kol k2 JOIN tilladt t ON k2.tabel = t.kilde
                              WHERE t.pakke = kol.table_name)
  AND $maaned IS NOT NULL
"""

# One period's published figures of `benchmark_diskretion.figurer()` (kommune level) and benchmark rows.
FIGURER_OG_RAEKKER_SQL = f"""
SELECT 'noegletal' AS tabel, omraade, noegletal_id AS noegle, taeller, naevner, individer,
    NULL::DOUBLE AS helaarsmodtagere, NULL::BIGINT AS unikke_modtagere, diskretioneret, diskretion_aarsag
FROM datapakker.noegletal WHERE periode = $maaned AND niveau = 'kommune'
  AND noegletal_id IN (SELECT DISTINCT noegletal_id FROM ({hviler_paa_sql()}))
UNION ALL
SELECT 'vh_datamart', lpad(handlekommune::VARCHAR, 3, '0'), ydelseskode, NULL, NULL, NULL,
    helaarsmodtagere, unikke_modtagere, diskretioneret, diskretion_aarsag
FROM datapakker.vh_datamart WHERE periode = $maaned
"""

# Every kommunekode a package is addressed to or shows of a kommune (the kommune-level rows of the
# shared packages); the individual-level packages' own rows are their `modtager`'s (`kun_egne_individer`).
UKENDTE_KOMMUNER_SQL = """
WITH koder AS (
    SELECT 'abonnenter' AS tabel, kommunekode FROM datapakker.abonnenter WHERE periode = $maaned
    UNION ALL SELECT 'vh_datamart', handlekommune FROM datapakker.vh_datamart WHERE periode = $maaned
    UNION ALL SELECT 'noegletal', TRY_CAST(omraade AS INTEGER) FROM datapakker.noegletal
              WHERE periode = $maaned AND niveau = 'kommune'
    UNION ALL SELECT 'noegletal_populationer', TRY_CAST(omraade AS INTEGER) FROM datapakker.noegletal_populationer
              WHERE periode = $maaned AND niveau = 'kommune'
    UNION ALL SELECT 'vh_hand07_benchmark', kommunekode FROM datapakker.vh_hand07_benchmark WHERE periode = $maaned
)
SELECT tabel, kommunekode, count(*) AS raekker, 'UKENDT_KOMMUNEKODE' AS regel FROM koder
WHERE kommunekode IS NULL OR kommunekode NOT IN (SELECT kommunekode FROM kodelister.kommuner)
GROUP BY ALL ORDER BY ALL
"""


@dataclass(frozen=True)
class Kontrol:
    """A blocking check of one month's package content: `sql` ($maaned), then `validate` gives the
    failing rows (business keys and `regel`, never a CPR number)."""

    navn: str
    beskrivelse: str
    sql: str
    validate: Validator = failing_rows_validator


def angreb(tabel: str, navn: str, populationer: bool = False) -> Kontrol:
    """The attack of `diskretion.py` on one month of a package's cube (or populations) table."""
    return Kontrol(navn, angreb_beskrivelse(tabel, populationer), f"SELECT * FROM {tabel} WHERE periode = $maaned",
                   angreb_validator(populationer))


KONTROLLER = [
    Kontrol(
        navn="kun_egne_individer",
        beskrivelse="Blokerende: vh_individ og vh_regelrapport til en kommune rummer kun linjer, hvor kommunen "
        "er (fortolket) handlekommune, skole_individ kun kommunens egne skolers elever og udsatte_individ kun "
        "foranstaltninger, hvor kommunen er handlekommune.",
        sql="""SELECT modtager AS kommunekode, fagsystem, ydelse_id, handlekommune, 'ANDEN_KOMMUNES_LINJE' AS regel
               FROM datapakker.vh_individ WHERE periode = $maaned AND handlekommune <> modtager
               UNION ALL
               SELECT modtager, NULL, skolekode::VARCHAR, kommunekode, 'ANDEN_KOMMUNES_ELEV'  -- never a CPR number
               FROM datapakker.skole_individ WHERE periode = $maaned AND kommunekode <> modtager
               UNION ALL
               SELECT modtager, NULL, foranstaltning_id, handlekommune, 'ANDEN_KOMMUNES_FORANSTALTNING'
               FROM datapakker.udsatte_individ WHERE periode = $maaned AND handlekommune <> modtager
               UNION ALL
               SELECT modtager, NULL, NULL, handlekommune, 'ANDEN_KOMMUNES_BORGER'
               FROM datapakker.vh_regelrapport WHERE periode = $maaned AND handlekommune <> modtager""",
    ),
    Kontrol(
        navn="ingen_koblede_individlister",
        beskrivelse="Blokerende: kun de kommunespecifikke individpakker (ét område hver) har CPR-numre, og deres "
        "kolonner kommer kun fra deres eget områdes harmoniserede data: ingen pakke viser individerne bag et "
        "koblet nøgletal eller kombinerer to områders individlister.",
        sql=INGEN_KOBLEDE_INDIVIDER_SQL,
    ),
    Kontrol(
        navn="diskretion",
        beskrivelse=f"Blokerende: ingen pakke viser et tal, der hviler på færre end {MIN_INDIVIDER} individer.",
        sql=f"""SELECT 'noegletal' AS pakke, omraade, noegletal_id AS noegle, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER' AS regel
                FROM datapakker.noegletal k LEFT JOIN kodelister.noegletal n USING (noegletal_id)
                WHERE k.periode = $maaned AND coalesce(n.diskretion, true)
                  AND (k.vaerdi IS NOT NULL OR k.taeller IS NOT NULL OR k.naevner IS NOT NULL OR k.individer IS NOT NULL)
                  AND coalesce(k.individer, 0) < {MIN_INDIVIDER}
                UNION ALL
                SELECT 'vh_datamart', lpad(handlekommune::VARCHAR, 3, '0'), ydelseskode, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
                FROM datapakker.vh_datamart
                WHERE periode = $maaned AND (unikke_modtagere < {MIN_INDIVIDER}
                      OR (unikke_modtagere IS NULL AND helaarsmodtagere IS NOT NULL))
                UNION ALL
                SELECT 'vh_datamart', k.omraade, d.ydelseskode, 'VIST_SKOENT_NOEGLETAL_DER_HVILER_PAA_DEN_ER_SKJULT'
                FROM datapakker.vh_datamart d
                JOIN noegletal.kube k ON k.periode = d.periode AND k.niveau = 'kommune' AND k.diskretioneret
                 AND k.omraade = lpad(d.handlekommune::VARCHAR, 3, '0')
                JOIN ({hviler_paa_sql()}) h ON h.noegletal_id = k.noegletal_id AND h.ydelseskode = d.ydelseskode
                WHERE d.periode = $maaned AND (d.helaarsmodtagere IS NOT NULL OR d.unikke_modtagere IS NOT NULL)
                UNION ALL
                SELECT 'noegletal_populationer', omraade, noegletal_id || ':' || population,
                    'POPULATION_UNDER_{MIN_INDIVIDER}'
                FROM datapakker.noegletal_populationer WHERE periode = $maaned AND diskretioneret AND antal IS NOT NULL
                UNION ALL
                SELECT 'vh_hand07_benchmark', lpad(kommunekode::VARCHAR, 3, '0'), ydelseskode, 'FAERRE_END_{MIN_INDIVIDER}_INDIVIDER'
                FROM datapakker.vh_hand07_benchmark WHERE periode = $maaned AND flis < {MIN_INDIVIDER}""",
    ),
    angreb("datapakker.noegletal", "noegletal_kan_ikke_udregnes"),
    Kontrol(
        navn="benchmark_kan_ikke_udregnes",
        beskrivelse="Blokerende: i hver kommune er et vist nøgletal over flere ydelser summen af kommunens "
        "benchmarkrækker i vh_datamart. Ingen skjult række må kunne regnes ud af nøgletallet og de viste rækker, og "
        "intet skjult nøgletal må være summen af viste tal; fejler med det udregnede tal.",
        sql=FIGURER_OG_RAEKKER_SQL, validate=benchmark_diskretion.angrib,
    ),
    angreb("datapakker.noegletal_populationer", "populationer_kan_ikke_udregnes", populationer=True),
    Kontrol(
        navn="kun_kendte_kommuner",
        beskrivelse="Blokerende: hver kommunekode, en pakke sendes til eller viser en kommunes tal for, findes i "
        "kodelisten kommuner.csv; fejler med koden og tabellen.",
        sql=UKENDTE_KOMMUNER_SQL,
    ),
]


def maanedsfejl(con: duckdb.DuckDBPyConnection, kontrol: Kontrol, months: list[date]) -> list[pl.DataFrame]:
    """The failing rows of each month of `months` that fails `kontrol`, with the month (`maaned`).
    A month that cannot be read (its table is missing) fails: it was not shown to be safe."""
    failures, read = [], set()
    for m, frame in frames_in_turn(con, kontrol.sql, months):
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
