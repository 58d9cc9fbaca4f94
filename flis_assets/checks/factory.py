"""Asset checks that validate each month of a run and report the failing business keys.

`frame_check` is the one factory: it loads a month with SQL, hands the frame to a validator that
returns the failing rows (business keys plus `regel`), and records the outcome per month
(`per_maaned`). Checks are partitioned by month: a single-month run's `AssetCheckResult` is that
month's; Dagster 1.13 runs a check once for a ranged run (a backfill), so the check logs an
`AssetCheckEvaluation` for each month's partition itself and ends with the whole window as one
result (without a partition). A later run over some months thus never hides the others' results.
Every failing key (not only the `MAX_SHOWN` in the metadata) is kept in `validering.fejl`.
`pandera_validator` makes a validator of a pandera schema (lazy, so every rule is reported).

A check that cannot read what it guards fails: a table its SQL reads that does not exist (misspelt,
renamed, never materialised), or a month of the window its asset has never materialised. A month
that was materialised without rows has nothing wrong in it and passes.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # not exported by dagster
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.checks import validering
from flis_assets.resources import Tilstand, query_pl, read_ahead

Validator = Callable[[pl.DataFrame], pl.DataFrame]
MAX_SHOWN = 200
LAESER: dict[dg.AssetCheckKey, str] = {}  # the SQL each frame check reads (tests rename its tables)


def pandera_validator(schema: pa.DataFrameSchema, keys: Sequence[str]) -> Validator:
    """Failing rows of `schema` as `keys` + `regel`; schema-level errors get keys NULL."""

    def validate(frame: pl.DataFrame) -> pl.DataFrame:
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as e:
            fc = e.failure_cases.select(
                pl.col("index").cast(pl.UInt32),
                pl.when(pl.col("column").is_not_null())
                .then(pl.col("check") + " (" + pl.col("column") + ")")
                .otherwise(pl.col("check"))
                .alias("regel"),
            )
            rows = frame.select(keys).with_row_index("index")
            keyed = fc.filter(pl.col("index").is_not_null()).join(rows, on="index", how="left")
            whole = fc.filter(pl.col("index").is_null())
            return pl.concat(
                [keyed.select(*keys, "regel"),
                 whole.select(*[pl.lit(None, rows.schema[k]).alias(k) for k in keys], "regel")]
            )
        return pl.DataFrame(schema={**{k: frame.schema[k] for k in keys}, "regel": pl.String})

    return validate


def failing_rows_validator(frame: pl.DataFrame) -> pl.DataFrame:
    """For SQL that already selects the failing rows (with a `regel` column)."""
    return frame


def frame_check(
    *,
    asset: dg.AssetKey | Sequence[str],
    name: str,
    description: str,
    sql: str,
    validate: Validator = failing_rows_validator,
    blocking: bool = False,
    additional_deps: Sequence[dg.AssetKey] = (),
    tilstand: Tilstand | None = None,
) -> dg.AssetChecksDefinition:
    """A check over `sql` (parameter $maaned) for every month of the run; `sql` may read `tilstand`,
    brought past the month.

    Blocking checks have severity ERROR and stop what comes after them; the rest are warnings.
    """
    severity = dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=asset, name=name, description=description, blocking=blocking, pool="duckdb",
        additional_deps=list(additional_deps), partitions_def=partitions.maaned,
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
        failures = []
        months = partitions.window_months(context)
        umaterialiseret = ikke_materialiseret(context, months)
        ulaeselige, mangler = umaterialiseret, (
            f"asset'et {asset_key.to_user_string()} er aldrig materialiseret for "
            f"{'måneden' if len(umaterialiseret) == 1 else 'månederne'}") if umaterialiseret else None
        with duckdb.get_connection() as con:
            try:
                for m, frame in frames_in_turn(con, sql, [m for m in months if m not in umaterialiseret], tilstand):
                    bad = validate(frame)
                    if bad.height:
                        failures.append(bad.with_columns(pl.lit(m).alias("maaned")))
            except TabelMangler as e:
                ulaeselige, mangler = umaterialiseret + [m for m in months if m >= e.maaned], e.besked
            yield from per_maaned(context, con, failures, months, severity, ulaeselige, mangler)

    asset_key = dg.AssetKey.from_coercible(asset)
    LAESER[dg.AssetCheckKey(asset_key, name)] = sql
    return _check


class TabelMangler(Exception):
    """A table the check's SQL reads does not exist: the check cannot see what it guards."""

    def __init__(self, tabel: str, maaned):
        self.maaned = maaned
        self.besked = (f"tabellen {tabel} findes ikke ({maaned:%Y-%m}), så checket kan ikke læse det, det skal "
                       "kontrollere (er navnet stavet forkert, er tabellen omdøbt, eller er asset'et aldrig materialiseret?)")
        super().__init__(self.besked)


MANGLENDE_TABEL = re.compile(r'Table with name "?([\w.]+?)"? does not exist')


def manglende_tabel(fejl: duckdb.CatalogException, sql: str) -> str | None:
    """The missing table of DuckDB's catalog error, schema-qualified as `sql` names it; None for others."""
    found = MANGLENDE_TABEL.search(str(fejl))
    if not found:
        return None
    tabel = found[1]
    if "." not in tabel:  # DuckDB names the table alone when its schema exists
        qualified = re.search(r"\b(\w+\." + re.escape(tabel) + r")\b", sql)
        tabel = qualified[1] if qualified else tabel
    return tabel


def ikke_materialiseret(context: dg.AssetCheckExecutionContext, months: list) -> list:
    """Months of the window the checked asset has never materialised (in this run or before): there
    is nothing there to vouch for. Inside a run the asset materialises first, so only a check run
    on its own for a month never loaded finds any."""
    key = context.check_specs[0].asset_key
    if context.job_def.asset_layer.asset_graph.get(key).partitions_def is None:
        return []
    done = context.instance.get_materialized_partitions(key)
    return [m for m in months if m.isoformat() not in done]


def frames_in_turn(con: duckdb.DuckDBPyConnection, sql: str, months: list, tilstand: Tilstand | None = None
                   ) -> Iterator[tuple[object, pl.DataFrame]]:
    """Each month's frame of `sql`, the next one queried while this one is validated. A table the
    SQL reads that does not exist raises `TabelMangler` naming it and the month."""
    oprettet = []

    def hent(laeser, m, _):
        try:
            if tilstand:  # as it is after month m, which is stored
                if not oprettet:
                    tilstand.opret(laeser, m)
                    oprettet.append(m)
                tilstand.frem(laeser, m)
            return query_pl(laeser, sql, {"maaned": m})
        except duckdb.CatalogException as e:
            tabel = manglende_tabel(e, sql)
            if tabel is None:
                raise
            raise TabelMangler(tabel, m) from e

    return read_ahead(con, months, hent)


def per_maaned(context: dg.AssetCheckExecutionContext, con: duckdb.DuckDBPyConnection,
               failures: list[pl.DataFrame], months: list, severity, ulaeselige=(), mangler: str | None = None
               ) -> Iterator[dg.AssetCheckEvaluation | dg.AssetCheckResult]:
    """The check's outcome for each month of the run, recorded for that month's partition, so a
    later run over other months leaves it in place; a ranged run ends with its whole window as
    one result (Dagster gives that no partition). All failing keys replace the check's rows of
    those months in the validation table."""
    spec = context.check_specs[0]
    tjek = f"{spec.asset_key.to_user_string()}:{spec.name}"
    allbad = pl.concat(failures, how="diagonal_relaxed") if failures else None
    ikke = [pl.DataFrame({"regel": ["IKKE_KONTROLLERET"], "maaned": [m]}) for m in sorted(set(ulaeselige))]
    validering.erstat(con, tjek, months, pl.concat([f for f in (allbad, *ikke) if f is not None],
                                                    how="diagonal_relaxed") if allbad is not None or ikke else None,
                      context.run.run_id)
    navngiv = partial(validering.med_kommunenavne, con)
    if len(months) > 1:
        maal_pr_maaned = maal(context, spec.asset_key, [m.isoformat() for m in months])
        for m in months:
            month = [f for f in failures if f["maaned"][0] == m]
            r = result(month, [m], severity, [u for u in ulaeselige if u == m], mangler, navngiv, tjek)
            yield dg.AssetCheckEvaluation(
                asset_key=spec.asset_key, check_name=spec.name, passed=r.passed, metadata=r.metadata,
                severity=severity, blocking=spec.blocking, partition=m.isoformat(),
                target_materialization_data=maal_pr_maaned.get(m.isoformat()))
    yield result(failures, months, severity, ulaeselige, mangler, navngiv, tjek)


def maal(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey, partitions_: list[str]
         ) -> dict[str, AssetCheckEvaluationTargetMaterializationData]:
    """Each month's latest materialisation, which its evaluation vouches for: the UI shows a month's
    status only while it is the latest (as Dagster does for an `AssetCheckResult` in a
    single-partition run). Two look-ups for the whole window, not one per month."""
    nyeste = context.instance.event_log_storage.get_latest_storage_id_by_partition(
        asset_key, dg.DagsterEventType.ASSET_MATERIALIZATION, set(partitions_))
    if not nyeste:
        return {}
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, storage_ids=list(nyeste.values())), limit=len(nyeste)).records
    efter_id = {r.storage_id: r for r in records}
    return {p: AssetCheckEvaluationTargetMaterializationData(
                run_id=efter_id[i].event_log_entry.run_id, storage_id=i, timestamp=efter_id[i].timestamp)
            for p, i in nyeste.items() if i in efter_id}


def result(failures: list[pl.DataFrame], months, severity, ulaeselige=(), mangler: str | None = None,
           navngiv: Callable[[pl.DataFrame], pl.DataFrame] = lambda f: f, tjek: str | None = None
           ) -> dg.AssetCheckResult:
    """Passed when no month has failing rows and every month could be read; `ulaeselige` are the
    months that could not be (`mangler` says why). `navngiv` puts kommune names beside the shown
    keys; `tjek` names the check in the validation table that holds every failing key."""
    allbad = pl.concat(failures, how="diagonal_relaxed") if failures else pl.DataFrame()
    ulaeselige = sorted(set(ulaeselige))
    metadata = {
        "maaneder_kontrolleret": ", ".join(f"{m:%Y-%m}" for m in months if m not in ulaeselige) or "ingen",
        "antal_fejl": allbad.height,
    }
    fejlmaaneder = set(ulaeselige) | (set(allbad["maaned"].unique().to_list()) if allbad.height else set())
    if fejlmaaneder:
        metadata["maaneder_med_fejl"] = ", ".join(f"{m:%Y-%m}" for m in sorted(fejlmaaneder))
    if ulaeselige:
        metadata["ikke_kontrolleret"] = (f"Checket fejler, fordi det ikke kunne kontrollere "
                                         f"{', '.join(f'{m:%Y-%m}' for m in ulaeselige)}: {mangler}.")
    if allbad.height:
        per_regel = allbad.group_by("maaned", "regel").len("antal").sort("maaned", "regel")
        metadata["fejl_pr_regel"] = dg.MetadataValue.md(markdown(per_regel))
        shown = navngiv(validering.uden_cpr(allbad.head(MAX_SHOWN)))
        metadata["fejlende_noegler"] = dg.MetadataValue.md(
            markdown(shown)
            + (f"\n\n… og {allbad.height - MAX_SHOWN} flere"
               + (f": alle står i `{validering.TABEL}` (se alle_fejl)" if tjek else "")
               if allbad.height > MAX_SHOWN else "")
        )
    if fejlmaaneder and tjek:
        metadata["alle_fejl"] = dg.MetadataValue.md(
            f"Alle fejlende nøgler (ikke kun de første {MAX_SHOWN}) står i DuckDB-tabellen `{validering.TABEL}`, "
            f"én række pr. nøgle og regel, med kommunekoden når nøglen har en. For fx {min(fejlmaaneder):%Y-%m}:"
            f"\n\n```sql\n{validering.sql_eksempel(tjek, min(fejlmaaneder))}\n```")
    return dg.AssetCheckResult(passed=not fejlmaaneder, severity=severity, metadata=metadata)


def markdown(frame: pl.DataFrame) -> str:
    cols = frame.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)
