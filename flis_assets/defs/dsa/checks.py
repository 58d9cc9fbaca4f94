"""DSA checks.

Blocking (severity ERROR): the typed schema generated from the interface descriptions, and no
line lost between rådata and DSA. Warnings: DST's validity rules (DST deletes such lines; FLIS
keeps and marks them), duplicate ids, and kommuner delivering from systems the systemskifte
rules do not name.
"""

import dagster as dg
import pandera.polars as pa
import polars as pl

from flis_assets import snitflader
from flis_assets.checks.factory import frame_check, pandera_validator
from flis_assets.defs.dsa import systemskifte
from flis_assets.defs.dsa.common import linjer_join
from flis_assets.resources import Tilstand
from flis_assets.snitflader import Kilde

KEYS = ["kommunekode", "fagsystem", "fil", "linjenr"]
POLARS_TYPE = {"VARCHAR": pl.String, "INTEGER": pl.Int32, "DATE": pl.Date, "DOUBLE": pl.Float64,
               "DECIMAL(18,2)": pl.Decimal(18, 2)}
NULLABLE_TYPES = {"tekst"}  # plus every type that admits an empty field (…_tom, cifre_tom, ^…?$)


def _nullable(felt) -> bool:
    return felt.felttype in NULLABLE_TYPES or felt.regex is None or felt.regex.endswith("?$") or "*" in felt.regex


def typed_schema(kilde: Kilde) -> pa.DataFrameSchema:
    """The DSA table's contract, generated from the interface description."""
    cols = {f.navn: pa.Column(POLARS_TYPE[f.sql_type], nullable=_nullable(f)) for f in kilde.felter}
    cols.update({k: pa.Column(pl.Int32 if k == "kommunekode" else pl.Int64 if k == "linjenr" else pl.String)
                 for k in KEYS})
    return pa.DataFrameSchema(cols, name=f"dsa.{kilde.kilde}")


def rule(name: str, expr: pl.Expr) -> pa.Check:
    """A row-wise rule: `expr` is true for the good rows (NULL counts as good)."""
    return pa.Check(lambda d: d.lazyframe.select(expr.fill_null(True)), name=name)


def regel_skema(name: str, rules: dict[str, pl.Expr]) -> pa.DataFrameSchema:
    """A pandera schema of row-wise rules, each reported under its own name."""
    return pa.DataFrameSchema(checks=[rule(n, e) for n, e in rules.items()], name=name)


def _stock_sql(k: str) -> str:
    return f"SELECT * FROM dsa.{k} WHERE indlaesningsmaaned = $maaned"


def schema_check(kilde: Kilde) -> dg.AssetChecksDefinition:
    return frame_check(
        asset=dg.AssetKey(["dsa", kilde.kilde]), name="skema", blocking=True,
        description="DSA-tabellens felter har snitfladens navne og typer, og påkrævede felter er udfyldt.",
        sql=_stock_sql(kilde.kilde), validate=pandera_validator(typed_schema(kilde), KEYS),
    )


def validity_check(kilde: str, id_col: str | None, rules: dict[str, pl.Expr], description: str):
    """Failing lines named by their id, or by file and line where the only id is a CPR number
    (check metadata reaches the UI: no CPR number leaves the kommune-specific data)."""
    schema = regel_skema(f"dsa.{kilde} gyldighed", rules)
    ids = [id_col] if id_col else ["fil", "linjenr"]
    return frame_check(
        asset=dg.AssetKey(["dsa", kilde]), name="gyldighedsregler", description=description,
        sql=_stock_sql(kilde), validate=pandera_validator(schema, ["kommunekode", "fagsystem", *ids]),
    )


def lost_lines_sql(k: str) -> str:
    """Lines of a stock file missing from DSA (or doubled), and kommuner whose stock vanished.

    A file of a systemskifte source taken under rule 2 with its ended lines only (`kun_afsluttede`)
    must hold exactly those; every other file all of its lines.
    """
    kilde = snitflader.kilde(k)
    if kilde.bestand == systemskifte.BESTAND:
        only_ended, n_ended = "bool_or(kun_afsluttede)", f"count(*) FILTER (WHERE felt_{kilde.felt('slutdato').nr} <> '')"
    else:
        only_ended, n_ended = "false", "count(*)"
    per_file = f"""
        WITH d AS (SELECT fil, any_value(kommunekode) AS kommunekode, any_value(fagsystem) AS fagsystem,
                       count(*) AS n, count(DISTINCT linjenr) AS nd, {only_ended} AS kun_afsluttede
                   FROM dsa.{k} WHERE indlaesningsmaaned = $maaned GROUP BY fil),
        r AS (SELECT l.fil, count(*) AS n, {n_ended} AS n_afsluttede
              FROM raadata.leverancer l {linjer_join(k)}
              WHERE r.indlaesningsmaaned <= $maaned AND l.fil IN (SELECT fil FROM d) GROUP BY l.fil),
        x AS (SELECT d.*, CASE WHEN d.kun_afsluttede THEN r.n_afsluttede ELSE r.n END AS forventet
              FROM d JOIN r USING (fil))
        SELECT kommunekode, fagsystem, fil,
            CASE WHEN n <> nd THEN 'LINJE_DOBBELT_I_DSA' ELSE 'LINJER_TABT_MELLEM_RAADATA_OG_DSA' END AS regel,
            forventet - n AS antal
        FROM x WHERE n <> nd OR n <> forventet
        UNION ALL"""
    return f"""{per_file}
        SELECT DISTINCT kommunekode, NULL AS fagsystem, NULL AS fil, 'BESTAND_FORSVUNDET' AS regel, NULL AS antal
        FROM raadata.leverancer
        WHERE kilde = '{k}' AND status = 'indlaest' AND indlaesningsmaaned <= $maaned
          AND kommunekode NOT IN (SELECT DISTINCT kommunekode FROM dsa.{k} WHERE indlaesningsmaaned = $maaned)
    """


def fagsystem_sql(kilde: str) -> str:
    """Kommuner delivering `kilde` from systems the systemskifte rule that applies to the source
    (`systemskifte.gaeldende_regler`) does not name, or from several with no rule."""
    return f"""
WITH lev AS (SELECT kommunekode, fagsystem FROM raadata.leverancer
             WHERE kilde = '{kilde}' AND status = 'indlaest' AND indlaesningsmaaned = $maaned),
kendte AS (SELECT kommunekode, fagsystem FROM raadata.leverancer
           WHERE kilde = '{kilde}' AND status = 'indlaest' AND indlaesningsmaaned <= $maaned),
skifte AS ({systemskifte.gaeldende_regler("kendte")}),
uden AS (SELECT kommunekode, string_agg(DISTINCT fagsystem, ', ' ORDER BY fagsystem) AS fagsystemer,
         'FLERE_FAGSYSTEMER_UDEN_SYSTEMSKIFTE' AS regel
         FROM lev WHERE kommunekode NOT IN (SELECT kommunekode FROM skifte)
         GROUP BY kommunekode HAVING count(DISTINCT fagsystem) > 1),
ukendt AS (SELECT DISTINCT l.kommunekode, l.fagsystem AS fagsystemer, 'FAGSYSTEM_IKKE_I_SYSTEMSKIFTE' AS regel
           FROM lev l JOIN skifte s USING (kommunekode)
           WHERE l.fagsystem NOT IN (s.fagsystem_gammel, s.fagsystem_ny))
SELECT * FROM uden UNION ALL SELECT * FROM ukendt ORDER BY kommunekode
"""


def fagsystem_check(kilde: str) -> dg.AssetChecksDefinition:
    return frame_check(
        asset=dg.AssetKey(["dsa", kilde]), name="fagsystemer_efter_systemskifte",
        description="En kommune, der ikke står i systemskifte.csv, men leverer fra flere fagsystemer i måneden, "
        "er en datafejl, som en person skal løse (regel 1 gælder stadig); ligesom et fagsystem, "
        "som kommunens systemskifteregel ikke nævner.",
        sql=fagsystem_sql(kilde), additional_deps=[dg.AssetKey(["referencedata", "systemskifte"])],
    )


def duplicate_ids_check(kilde: str, id_col: str) -> dg.AssetChecksDefinition:
    return frame_check(
        asset=dg.AssetKey(["dsa", kilde]), name="unikke_id",
        description=f"{id_col} skal være unik inden for kommune og fagsystem (snitfladen).",
        sql=f"""SELECT kommunekode, fagsystem, {id_col}, 'DUBLET_{id_col.upper()}' AS regel, count(*) AS antal
                FROM dsa.{kilde} WHERE indlaesningsmaaned = $maaned
                GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL""",
    )


def bestand_checks(kilde: str, id_col: str, rules: dict[str, pl.Expr], description: str) -> list:
    """The warnings on a stock of lines with ids chosen by the systemskifte rules: DST's validity
    rules (`validity_check`), unique ids, and the fagsystemer the rules name."""
    return [validity_check(kilde, id_col, rules, description), duplicate_ids_check(kilde, id_col), fagsystem_check(kilde)]


def lost_check(k: str, sql: str, tilstand: Tilstand | None = None) -> dg.AssetChecksDefinition:
    return frame_check(
        asset=dg.AssetKey(["dsa", k]), name="ingen_linjer_tabt", blocking=True,
        description="Blokerende: hver linje i de leverancer, der udgør bestanden, findes i DSA (og kun én gang), "
        "og ingen kommunes bestand er forsvundet.",
        sql=sql, tilstand=tilstand,
    )


# The platform's checks of every source: its typed schema, and for a source kept as a whole stock
# per load month (interval, maaned) no line lost. A register or a stock replaced by period has its
# own no-line-lost check in its area (`lost_check` with the area's SQL).
checks = [
    *(schema_check(k) for k in snitflader.kilder().values()),
    *(lost_check(k.kilde, lost_lines_sql(k.kilde)) for k in snitflader.kilder().values()
      if k.aendringstype in ("interval", "maaned")),
]
