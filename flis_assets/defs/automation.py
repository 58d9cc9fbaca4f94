"""Backfills after retroactive corrections, by default.

When a load month's `dsa/aendrede_perioder` is materialised, this sensor requests a backfill of
exactly the statistical periods whose data changed (with the later months of their year, whose
quarter- and year-to-date views include them) over every period layer, from harmoniseret to
datapakker. It reads the changed periods from the materialisation's metadata, so it never
opens DuckDB while a run is writing. A person can launch the same backfill from the UI.
A tick that requests nothing says why, and which load month it handled last.

A delivery landed into an old load month (a re-delivery) changes the DSA of every later load month
already built on it. The DSA asset says which in its metadata (`foraeldede_senere_maaneder`), and
the sensor `genopbyg_senere_bestande` requests those months of that source and of
`dsa/aendrede_perioder`; their changed periods then reach the sensor above as usual.
"""

from datetime import date

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.definitions.events import AssetKeyPartitionKey

from flis_assets import partitions, snitflader
from flis_assets.defs.dsa.aendrede_perioder import genberegningsperioder
from flis_assets.defs.dsa.common import FORAELDEDE

AENDREDE_PERIODER = dg.AssetKey(["dsa", "aendrede_perioder"])
FOERSTE_LAG = "harmoniseret"  # the first period layer: it reads the newest DSA stock
SIDSTE_LAG = dg.AssetKey(["datapakker", "filer"])  # the last layer
PERIOD_GROUPS = {"harmoniseret", "datamart", "noegletal", "datapakker", "rapporter"}
# Every sensor here runs by default and reads only Dagster's event log, so it may tick often.
SENSOR = {"default_status": dg.DefaultSensorStatus.RUNNING, "minimum_interval_seconds": 30}


@dg.sensor(
    name="genberegn_aendrede_perioder",
    asset_selection=dg.AssetSelection.groups(*sorted(PERIOD_GROUPS)),
    **SENSOR,
    description="Genberegner de statistiske perioder, som en indlæsningsmåned har ændret (bagudrettede rettelser), "
    "fra harmoniseret til datapakker.",
)
def genberegn_aendrede_perioder(context: dg.SensorEvaluationContext):
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=AENDREDE_PERIODER, after_storage_id=after), limit=1000, ascending=True
    )
    if not result.records:
        sidste = _indlaesningsmaaneder(context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=AENDREDE_PERIODER, before_storage_id=after + 1), limit=1).records
            if after is not None else [])[0]
        return dg.SkipReason(f"Ingen nye indlæsningsmåneder. Senest behandlede indlæsningsmåned: {max(sidste):%Y-%m}."
                             if sidste else "Ingen indlæsningsmåneder er indlæst endnu.")
    load_months, changed = _indlaesningsmaaneder(result.records)
    last = result.records[-1].storage_id
    context.update_cursor(str(last))
    if not load_months:  # a materialisation without its metadata (e.g. reported by hand)
        return dg.SkipReason("Materialiseringen af dsa/aendrede_perioder angav ingen indlæsningsmåned og ingen "
                             "ændrede perioder.")
    newest = max(date.fromisoformat(k) for k in context.instance.get_materialized_partitions(AENDREDE_PERIODER))
    perioder = set(genberegningsperioder(load_months, changed, newest))
    graph = context.repository_def.asset_graph
    keys = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name in PERIOD_GROUPS]
    # Periods recomputed since (e.g. by `flis materialize`) need nothing more: their first layer
    # after the load month (so from its stock; DuckDB's pool runs one step at a time), and their
    # last layer. The last alone may finish a run that read the stock before.
    done_perioder = set(perioder)
    for key in [k for k in keys if graph.get(k).group_name == FOERSTE_LAG] + [SIDSTE_LAG]:
        done = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, after_storage_id=last,
                                  asset_partitions=[p.isoformat() for p in perioder]), limit=10000).records
        done_perioder &= {date.fromisoformat(r.partition_key) for r in done}
    perioder -= done_perioder
    if not perioder:
        return dg.SkipReason(f"{_maanedstekst(load_months).capitalize()} er behandlet, og de {len(done_perioder)} "
                             "perioder, der skulle genberegnes, er allerede genberegnet.")
    subset = AssetGraphSubset.from_asset_partition_set(
        {AssetKeyPartitionKey(k, p.isoformat()) for k in keys for p in sorted(perioder)}, graph
    )
    return dg.RunRequest.for_asset_graph_subset(
        subset, tags={"flis/aarsag": f"ændrede perioder efter {_maanedstekst(load_months)}"}
    )


def _indlaesningsmaaneder(records) -> tuple[list[date], list[date]]:
    """The load months these materialisations of `dsa/aendrede_perioder` handled, and the periods they changed."""
    load_months, changed = [], []
    for record in records:
        meta = record.asset_materialization.metadata.get("aendrede_perioder")
        for maaned, perioder in (meta.value if meta else {}).items():
            load_months.append(date.fromisoformat(maaned + "-01"))
            changed += [date.fromisoformat(p + "-01") for p in perioder]
    return load_months, changed


def _maanedstekst(load_months: list[date]) -> str:
    maaneder = sorted({f"{m:%Y-%m}" for m in load_months})
    return f"indlæsningsmåned{'erne' if len(maaneder) > 1 else ''} {', '.join(maaneder)}"


def _bestande() -> list[dg.AssetKey]:
    return [dg.AssetKey(["dsa", k]) for k in snitflader.kilder()]


@dg.sensor(
    name="genopbyg_senere_bestande",
    asset_selection=dg.AssetSelection.groups("dsa"),
    **SENSOR,
    description="Genopbygger DSA og ændrede perioder for de senere indlæsningsmåneder, når en tidligere "
    "indlæsningsmåneds leverancer er ændret (en genlevering), så de ikke bygger på forældede leverancer.",
)
def genopbyg_senere_bestande(context: dg.SensorEvaluationContext):
    after = int(context.cursor) if context.cursor else None
    foraeldede: dict[dg.AssetKey, set[str]] = {}
    last = after
    for key in _bestande():
        for record in context.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, after_storage_id=after), limit=1000, ascending=True).records:
            last = max(last or 0, record.storage_id)
            meta = record.asset_materialization.metadata.get(FORAELDEDE)
            maaneder = {f"{m}-01" for m in (meta.value if meta else [])}
            # months built again since (e.g. by `flis materialize`) are no longer stale
            siden = context.instance.fetch_materializations(dg.AssetRecordsFilter(
                asset_key=key, after_storage_id=record.storage_id, asset_partitions=sorted(maaneder)),
                limit=10000).records if maaneder else []
            foraeldede.setdefault(key, set()).update(maaneder - {r.partition_key for r in siden})
    if last is not None:
        context.update_cursor(str(last))
    foraeldede = {k: ms for k, ms in foraeldede.items() if ms}
    if not foraeldede:
        return dg.SkipReason("Ingen senere indlæsningsmåneder bygger på ændrede leverancer.")
    alle = sorted(set().union(*foraeldede.values()))
    maaneder = [p.isoformat() for p in partitions.months(date.fromisoformat(alle[0]),
                                                         partitions.add_months(date.fromisoformat(alle[-1]), 1))]
    subset = AssetGraphSubset.from_asset_partition_set(
        {AssetKeyPartitionKey(k, m) for k in [*foraeldede, AENDREDE_PERIODER] for m in maaneder},
        context.repository_def.asset_graph)
    kilder = ", ".join(sorted(k.path[-1] for k in foraeldede))
    return dg.RunRequest.for_asset_graph_subset(subset, tags={
        "flis/aarsag": f"genlevering: DSA ({kilder}) for {_maanedstekst([date.fromisoformat(m) for m in maaneder])} "
                       "byggede på ændrede leverancer"})
