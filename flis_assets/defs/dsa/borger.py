"""DSA for CPR: the register of the newest record per person, as known after each load month.

Each monthly extract holds everyone resident in that month plus those who died in it; the
dead and the emigrated then vanish from later extracts but keep their last record here.
A partition holds only the records that are new or changed against the register before it
(the national register is ~6 M people; storing it whole every month would cost ~1 G rows by
now). `dsa.cpr_register(maaned)` gives the register as known after any load month.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from flis_assets import snitflader
from flis_assets.defs.dsa import common

KILDE = snitflader.kilde("cpr")
VAERDIER = ", ".join(f.navn for f in KILDE.felter if f.navn != "cpr")


def register_sql(m: str, personer: str | None = None) -> str:
    """The register after load month `m`; with `personer` (a query of cpr) only those people,
    chosen before the window, so a month sorts the people it touches, not the whole register."""
    semi = f"SEMI JOIN ({personer}) p USING (cpr)" if personer else ""
    return f"""SELECT * EXCLUDE (aendring) FROM dsa.cpr {semi} WHERE indlaesningsmaaned <= {m}
    QUALIFY row_number() OVER (PARTITION BY cpr ORDER BY indlaesningsmaaned DESC) = 1"""


def seneste_hash_sql(betingelse: str) -> str:
    """Per person the hash of the values of the newest record with `indlaesningsmaaned <betingelse>`:
    an aggregate over three columns, cheaper than the register's window over all of them."""
    return f"""SELECT cpr, arg_max(hash({VAERDIER}), indlaesningsmaaned) AS h
    FROM dsa.cpr WHERE indlaesningsmaaned {betingelse} GROUP BY cpr"""


REGISTER_MACRO = f"CREATE OR REPLACE MACRO dsa.cpr_register(m) AS TABLE {register_sql('m')}"

DELTA_SQL = f"""
WITH lev AS (
    {common.kendte_leverancer("cpr")}
),
udtraek AS (  -- the newest extract delivered in this very load month
    SELECT * FROM lev WHERE indlaesningsmaaned = $maaned ORDER BY {common.NYESTE_FOERST} LIMIT 1
),
ny AS (
    SELECT {common.lineage_select()}, {KILDE.typed_select("r")}
    FROM udtraek l {common.linjer_join("cpr")}
    WHERE r.indlaesningsmaaned <= $maaned
),
foer AS ({seneste_hash_sql("< $maaned")})
SELECT ny.*, CASE WHEN foer.cpr IS NULL THEN 'ny' ELSE 'aendret' END AS aendring
FROM ny LEFT JOIN foer USING (cpr)
WHERE foer.h IS DISTINCT FROM hash({", ".join("ny." + v for v in VAERDIER.split(", "))})
"""


def create_register(con) -> None:
    common.ensure_raadata(con, KILDE)
    common.create_table(con, KILDE, "")
    con.execute("ALTER TABLE dsa.cpr ADD COLUMN IF NOT EXISTS aendring VARCHAR")
    con.execute(REGISTER_MACRO)


@dg.asset(
    **common.dsa_asset_kwargs(
        KILDE,
        "CPR-registeret med den nyeste oplysning pr. person efter indlæsningsmåneden: partitionen "
        "rummer de nye og ændrede personer; dsa.cpr_register(måned) giver hele registeret.",
    )
)
def dsa_cpr(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    return common.materialize_stock(context, duckdb, KILDE, DELTA_SQL, setup=create_register,
                                    noegle="nye_og_aendrede_personer")
