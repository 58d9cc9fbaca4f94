"""Reference files under `<data root>/reference/`: each replaced by a newer version, never edited.

Each becomes a table in schema `referencedata`, re-read whole on every materialisation. A file
that breaks its format stops the asset with the file, line and reason; a missing optional file
gives an empty table (no systemskifte rules, no subscriptions list). The platform's files are
here; an area's own (Statistikbanken's tables, DST's approvals) are read in its folder
(`omraader/<navn>/referencedata.py`) with `reference_asset` and the helpers of this module.
"""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from flis_assets import kodelister, settings
from flis_assets.resources import ensure_schemas, kolonneskema, load_kodelister

GROUP = "referencedata"


class ReferencefilFejl(dg.Failure):
    def __init__(self, path: Path, linje: int | None, aarsag: str):
        where = f"{path.name}, linje {linje}" if linje else path.name
        super().__init__(description=f"Referencefilen {where}: {aarsag}")


def read_csv(path: Path, header: list[str]) -> pl.DataFrame:
    """A `;`-separated UTF-8 reference file with exactly `header`, all columns as text."""
    if not path.exists():
        return pl.DataFrame(schema={c: pl.String for c in header})
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    found = lines[0].strip().split(";") if lines else []
    if found != header:
        raise ReferencefilFejl(path, 1, f"overskriften skal være '{';'.join(header)}', men er '{';'.join(found)}'")
    rows = []
    for nr, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split(";")
        if len(fields) != len(header):
            raise ReferencefilFejl(path, nr, f"linjen har {len(fields)} felter, forventede {len(header)}")
        rows.append([f.strip() for f in fields] + [nr])
    return pl.DataFrame(rows, schema=tekst_schema(header), orient="row")


def tekst_schema(header: list[str]) -> dict:
    """Text columns and the line number: typed even for a file that is its header alone (a valid
    file: no rule, approval or subscription), which polars could not type from no rows."""
    return {**dict.fromkeys(header, pl.String), "linje": pl.Int64}


def tjek(frame: pl.DataFrame, path: Path, mask: pl.Expr, aarsag: str) -> None:
    bad = frame.filter(mask).head(1)
    if bad.height:
        raise ReferencefilFejl(path, bad["linje"][0], aarsag)


def kendt_kommune(col: str) -> pl.Expr:
    return ~pl.col(col).cast(pl.Int32, strict=False).is_in(kodelister.kommunekoder())


def read_systemskifte(path: Path) -> pl.DataFrame:
    f = read_csv(path, ["kommunekode", "fagsystem_gammel", "fagsystem_ny", "skiftedato", "regel"])
    tjek(f, path, kendt_kommune("kommunekode"), "kommunekoden er ikke en af de 98 kommuner")
    tjek(f, path, ~pl.col("regel").is_in(["2", "3"]), "regel skal være 2 eller 3 (regel 1 står ikke i filen)")
    tjek(f, path, ~pl.col("fagsystem_gammel").str.contains(r"^[A-Z0-9]+$") | ~pl.col("fagsystem_ny").str.contains(r"^[A-Z0-9]+$"),
           "fagsystem_gammel og fagsystem_ny skal begge være angivet ([A-Z0-9]+)")
    dato = pl.col("skiftedato").str.strptime(pl.Date, "%Y%m%d", strict=False)
    tjek(f, path, (pl.col("regel") == "2") & dato.is_null(), "regel 2 kræver en skiftedato ÅÅÅÅMMDD")
    # A kommune may change system in one area and not in another: one line per change, each naming
    # its fagsystemer (dsa/systemskifte.py finds a source's line by them). Two lines naming the same
    # two systems could not be told apart.
    par = pl.concat_list(pl.min_horizontal("fagsystem_gammel", "fagsystem_ny"),
                         pl.max_horizontal("fagsystem_gammel", "fagsystem_ny"))
    tjek(f, path, pl.struct(pl.col("kommunekode"), par.alias("par")).is_duplicated(),
           "kommunen står på mere end én linje med de samme to fagsystemer")
    return f.select(
        pl.col("kommunekode").cast(pl.Int32), "fagsystem_gammel", "fagsystem_ny",
        dato.alias("skiftedato"), pl.col("regel").cast(pl.Int32),
    )


def read_abonnementer(path: Path) -> pl.DataFrame:
    f = read_csv(path, ["kommunekode", "pakke"])
    tjek(f, path, kendt_kommune("kommunekode"), "kommunekoden er ikke en af de 98 kommuner")
    return f.select(pl.col("kommunekode").cast(pl.Int32), "pakke").with_columns(
        pl.lit(path.exists()).alias("fra_fil")
    )


def _store(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> dg.MaterializeResult:
    ensure_schemas(con)
    con.execute(f"CREATE OR REPLACE TABLE referencedata.{name} AS SELECT * FROM frame")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": frame.height, "dagster/table_name": f"referencedata.{name}",
                  "dagster/column_schema": kolonneskema(con, f"referencedata.{name}")}
    )


def reference_asset(name: str, description: str, reader, filename: str | None = None):
    @dg.asset(key=[GROUP, name], group_name=GROUP, pool="duckdb", kinds={"duckdb"}, description=description)
    def _asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        source = settings.reference_dir() / filename if filename else settings.reference_dir()
        frame = reader(source)
        with duckdb.get_connection() as con:
            return _store(con, name, frame)

    return _asset


systemskifte = reference_asset(
    "systemskifte", "Kommuner med systemskifte (regel 2) eller parallel indberetning (regel 3).",
    read_systemskifte, "systemskifte.csv",
)
abonnementer = reference_asset(
    "abonnementer", "Hvilke kommuner abonnerer på hvilke datapakker (tom: alle på alle).",
    read_abonnementer, "abonnementer.csv",
)


@dg.asset(key=[GROUP, "kodelister"], group_name=GROUP, pool="duckdb", kinds={"duckdb"},
          description="Projektets kodelister (kommuner, ydelser, målgrupper, kontoplanbro ...) som tabeller i skemaet kodelister.")
def kodelister_tabeller(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as con:
        load_kodelister(con)
    return dg.MaterializeResult(metadata={"tabeller": ", ".join(kodelister.names())})


assets = [systemskifte, abonnementer, kodelister_tabeller]
