"""Quarterly reconciliation of an area's figures against a Statistikbanken table (HAND07, AED06, FOLK1A).

An area's reconciliation table holds, per quarter ending in the partition window, FLIS's figure
beside the reference's, with their difference: `periode` (the quarter's last month, the partition
the row belongs to), `kvartal` (Statistikbanken's label, `2024K2`), the area's keys, `flis`, the
reference's column (named as its table) and `difference`. A cell missing on either side is a row
too (FULL OUTER JOIN): FLIS counts nobody there (`flis` 0), or the reference has no figure (NULL).

The area writes only what is its own: which quarters it reconciles (`kvartaler`, e.g. only those
whose three months are materialised), how FLIS counts a quarter (`flis`, a SELECT over the CTE
`kvartaler k`) and the keys. `afvigelser_check` is the warning check every reconciliation has.
"""

from collections.abc import Sequence

import dagster as dg

from flis_assets.checks.factory import frame_check
from flis_assets.defs.periodetabeller import MAANEDER

# A quarter is reconciled in the partition of its last month, once all three months of the
# harmonised table are materialised ($materialiseret: those months): a quarter counted from one
# or two of its months would differ from Statistikbanken for no fault of the kommune.
TRE_MAANEDER_MATERIALISERET = ("list_has_all($materialiseret::DATE[], "
                               "[(periode - INTERVAL 2 MONTH)::DATE, (periode - INTERVAL 1 MONTH)::DATE, periode])")


def kvartaler(*betingelser: str, kvartal_af: str = "periode") -> str:
    """The CTE `kvartaler`: each quarter's last month `periode` in $fra..$til that meets `betingelser`
    (SQL over `periode`), its first month `fra` and the label `kvartal` of the month `kvartal_af`
    (FOLK1A labels the population at the end of March `K2`: the month after)."""
    hvor = " AND ".join(["month(periode) % 3 = 0", *betingelser])
    return f"""kvartaler AS (
    SELECT periode, date_trunc('quarter', periode)::DATE AS fra,
        year({kvartal_af}) || 'K' || quarter({kvartal_af}) AS kvartal
    FROM ({MAANEDER})
    WHERE {hvor}
)"""


def sammenligning(kvartaler_cte: str, flis: str, reference: str, noegler: Sequence[str],
                  finere_celler: bool = False, kun_referencens_kvartaler: bool = False) -> str:
    """The CTEs `kvartaler`, `flis` and `reference` and the final SELECT, to follow the caller's own
    CTEs (or `WITH `): `flis` is the area's SELECT of (periode, kvartal, *noegler, flis) over
    `kvartaler k`; the reference is `referencedata.<reference>` (column `<reference>`) per quarter
    and keys, summed when the table has `finere_celler` than the keys (FOLK1A's sex and age).
    `kun_referencens_kvartaler` leaves out quarters the reference does not publish (yet), instead
    of showing every FLIS cell as missing there."""
    n = ", ".join(noegler)
    rn = ", ".join(f"r.{k}" for k in noegler)
    vaerdi, grupper = (f"sum(r.{reference})", " GROUP BY ALL") if finere_celler else (f"r.{reference}", "")
    kun = f"\nWHERE kvartal IN (SELECT kvartal FROM referencedata.{reference})" if kun_referencens_kvartaler else ""
    return f"""{kvartaler_cte},
flis AS ({flis}),
reference AS (SELECT k.periode, k.kvartal, {rn}, {vaerdi} AS {reference}
              FROM kvartaler k JOIN referencedata.{reference} r USING (kvartal){grupper})
SELECT periode, kvartal, {n}, coalesce(flis.flis, 0)::BIGINT AS flis, reference.{reference}::BIGINT AS {reference},
    (coalesce(flis.flis, 0) - reference.{reference})::BIGINT AS difference
FROM flis FULL OUTER JOIN reference USING (periode, kvartal, {n}){kun}
"""


def afvigelser_sql(tabel: str, reference: str, noegler: Sequence[str]) -> str:
    """Every cell of the partition's quarter where FLIS differs from the reference or one side has
    no figure, the largest difference first; cells that match are not shown."""
    n = ", ".join(noegler)
    ref = reference.upper()
    return f"""
SELECT {n}, kvartal, flis, {reference}, difference,
    CASE WHEN {reference} IS NULL THEN 'MANGLER_I_{ref}' ELSE 'AFVIGER_FRA_{ref}' END AS regel
FROM datamart.{tabel}
WHERE periode = $maaned AND difference IS DISTINCT FROM 0
ORDER BY abs(coalesce(difference, flis)) DESC, {n}
"""


def afvigelser_check(tabel: str, reference: str, noegler: Sequence[str], description: str) -> dg.AssetChecksDefinition:
    """The warning check `<reference>_afvigelser` on datamart.<tabel> (`afvigelser_sql`)."""
    return frame_check(asset=dg.AssetKey(["datamart", tabel]), name=f"{reference}_afvigelser",
                       description=description, sql=afvigelser_sql(tabel, reference, noegler))
