"""Asset checks that validate each month of a run and report the failing business keys.

`frame_check` is the one factory: it loads a month with SQL, hands the frame to a validator that
returns the failing rows (business keys plus `regel`), and turns them into one
`AssetCheckResult` per run. Months are taken from the run's window, so a ranged backfill is
checked month by month even though Dagster 1.13 runs the check once, without a partition.
`pandera_validator` makes a validator of a pandera schema (lazy, so every rule is reported).
"""

from collections.abc import Callable, Iterator, Sequence

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import partitions
from flis_assets.resources import Tilstand, query_pl, read_ahead

Validator = Callable[[pl.DataFrame], pl.DataFrame]
MAX_SHOWN = 200


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
        additional_deps=list(additional_deps),
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        failures = []
        months = partitions.window_months(context)
        with duckdb.get_connection() as con:
            for m, frame in frames_in_turn(con, sql, months, tilstand):
                bad = validate(frame)
                if bad.height:
                    failures.append(bad.with_columns(pl.lit(m).alias("maaned")))
        return result(failures, months, severity)

    return _check


def frames_in_turn(con: duckdb.DuckDBPyConnection, sql: str, months: list, tilstand: Tilstand | None = None
                   ) -> Iterator[tuple[object, pl.DataFrame]]:
    """Each month's frame of `sql`, the next one queried while this one is validated. A month
    whose table does not exist yet (nothing was materialised) is left out."""
    oprettet = []

    def hent(laeser, m, _):
        try:
            if tilstand:  # as it is after month m, which is stored
                if not oprettet:
                    tilstand.opret(laeser, m)
                    oprettet.append(m)
                tilstand.frem(laeser, m)
            return query_pl(laeser, sql, {"maaned": m})
        except Exception as e:
            if "does not exist" not in str(e):
                raise
            return None

    return ((m, frame) for m, frame in read_ahead(con, months, hent) if frame is not None)


def result(failures: list[pl.DataFrame], months, severity) -> dg.AssetCheckResult:
    allbad = pl.concat(failures, how="diagonal_relaxed") if failures else pl.DataFrame()
    metadata = {
        "maaneder_kontrolleret": ", ".join(f"{m:%Y-%m}" for m in months) or "ingen",
        "antal_fejl": allbad.height,
    }
    if allbad.height:
        metadata["maaneder_med_fejl"] = ", ".join(
            f"{m:%Y-%m}" for m in sorted(allbad["maaned"].unique().to_list()))
        per_regel = allbad.group_by("maaned", "regel").len("antal").sort("maaned", "regel")
        metadata["fejl_pr_regel"] = dg.MetadataValue.md(markdown(per_regel))
        shown = allbad.head(MAX_SHOWN)
        metadata["fejlende_noegler"] = dg.MetadataValue.md(
            markdown(shown)
            + (f"\n\n… og {allbad.height - MAX_SHOWN} flere" if allbad.height > MAX_SHOWN else "")
        )
    return dg.AssetCheckResult(passed=allbad.height == 0, severity=severity, metadata=metadata)


def markdown(frame: pl.DataFrame) -> str:
    cols = frame.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)
