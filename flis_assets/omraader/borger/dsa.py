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
from flis_assets.defs.dsa import common, strategier
from flis_assets.resources import Tilstand

KILDE = snitflader.kilde("cpr")
VAERDIER = ", ".join(f.navn for f in KILDE.felter if f.navn != "cpr")


def register_sql(m: str, personer: str | None = None) -> str:
    """The register after load month `m` (`strategier.register_sql`)."""
    return strategier.register_sql(KILDE.kilde, m, personer)


HASH = f"hash({VAERDIER})"  # the one hash of a record's values, stored and compared alike
REGISTER_HASH = "cpr_register_hash"  # temp table (cpr, h), see `register_hash`
# per person the hash of the record stored for load month $maaned
_MAANEDENS_HASH_SQL = f"""SELECT cpr, arg_max({HASH}, linjenr) AS h FROM dsa.cpr
    WHERE indlaesningsmaaned = $maaned GROUP BY cpr"""


def _opret_register_hash(con, maaned) -> None:
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {REGISTER_HASH} AS
        SELECT cpr, arg_max({HASH}, indlaesningsmaaned) AS h FROM dsa.cpr
        WHERE indlaesningsmaaned < $maaned GROUP BY cpr""", {"maaned": maaned})


def _frem_register_hash(con, maaned) -> None:
    p = {"maaned": maaned}
    con.execute(f"UPDATE {REGISTER_HASH} r SET h = n.h FROM ({_MAANEDENS_HASH_SQL}) n WHERE r.cpr = n.cpr", p)
    con.execute(f"INSERT INTO {REGISTER_HASH} SELECT * FROM ({_MAANEDENS_HASH_SQL}) n ANTI JOIN {REGISTER_HASH} USING (cpr)", p)


# Per person the hash of the values of the newest record before the month: DSA's delta and the
# no-line-lost check compare the extract with it. Aggregating the register's whole history for
# it cost ~0.3 s CPU a month at --scale 0.1, twice; a run aggregates it once, then adds each
# month's new and changed persons.
register_hash = Tilstand(opret=_opret_register_hash, frem=_frem_register_hash)


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
)
SELECT ny.*, CASE WHEN foer.cpr IS NULL THEN 'ny' ELSE 'aendret' END AS aendring
FROM ny LEFT JOIN {REGISTER_HASH} foer USING (cpr)
WHERE foer.h IS DISTINCT FROM {HASH}
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
                                    noegle="nye_og_aendrede_personer", tilstand=register_hash)
