"""Hand-made accounts in an in-memory DuckDB: the DSA stock's rows as a delivery would give them, and
Økonomi's period tables built from them by the real SQL."""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from flis_assets import partitions
from flis_assets.defs import periodetabeller
from flis_assets.omraader.oekonomi import datamart
from flis_assets.resources import ensure_schemas, load_kodelister

SELECTS = {"datamart.oekonomi_regnskab": datamart.REGNSKAB_SQL, "datamart.regnskab_afstemning": datamart.AFSTEMNING_SQL}


@pytest.fixture
def con():
    with duckdb.connect() as c:
        ensure_schemas(c)
        load_kodelister(c)
        c.execute("CREATE TABLE referencedata.regk31 (aar INTEGER, kommunekode INTEGER, hovedfunktion VARCHAR, regk31 BIGINT)")
        periodetabeller.common.ensure_all(c)
        yield c


def konto(con, periode: str, beloeb: str, kommune=101, konto="5.30.26", hovedart="1", dranst="1",
          gruppering="000", indlaest="2024-12", leveret: str | None = None) -> None:
    """One account line of the stock: `periode` and `indlaest` as YYYY-MM, `beloeb` as delivered
    (decimal comma), `konto` as hovedkonto.hovedfunktion.funktion, `leveret` the delivery date."""
    hk, hf, fu = konto.split(".")
    m = date.fromisoformat(indlaest + "-01")
    leveret = date.fromisoformat(leveret) if leveret else m
    con.execute(
        """INSERT INTO dsa.oekonomi VALUES ($m, $k, 'OPUS', $lev, $m, $m, $fil,
               (SELECT count(*) + 1 FROM dsa.oekonomi), $p, $dranst, $hk, $hf, $fu, $gr, $ha, $ha || '0', $b)""",
        {"m": m, "k": kommune, "lev": leveret, "fil": f"OEKONOMI_{kommune:03d}_OPUS_FULD_{leveret:%Y%m%d}.csv",
         "p": date.fromisoformat(periode + "-01"), "dranst": dranst, "hk": hk, "hf": hf, "fu": fu, "gr": gruppering,
         "ha": hovedart, "b": Decimal(beloeb.replace(",", "."))})


def byg(con, fra: str, til: str) -> None:
    """Økonomi's datamart for the periods fra..til (YYYY-MM), as its asset builds them."""
    f, t = date.fromisoformat(fra + "-01"), date.fromisoformat(til + "-01")
    periodetabeller.build(con, SELECTS, partitions.months(f, partitions.add_months(t, 1)))
