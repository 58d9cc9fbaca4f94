"""Writing deliveries and reference files exactly as sources.md describes them.

Field order, field count and encoding come from the interface descriptions (`snitflader`);
xlsx files are made byte-reproducible (fixed document properties and zip entry timestamps).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import polars as pl
from openpyxl import Workbook

from flis_assets import snitflader

_FAST_TID = datetime(2000, 1, 1)
_ZIP_TID = (1980, 1, 1, 0, 0, 0)


def leverance_sti(out: Path, kilde: str, mi_dato: date, kode: int, fagsystem: str, leveret: date) -> Path:
    k = snitflader.kilde(kilde)
    navn = f"{k.praefiks}_{kode:03d}_{fagsystem}_FULD_{leveret:%Y%m%d}.csv"
    return out / "incoming" / kilde / f"{mi_dato:%Y-%m}" / navn


def _felter(kilde: str, df: pl.DataFrame) -> pl.DataFrame:
    navne = [felt.navn for felt in snitflader.kilde(kilde).felter]
    return df.select(navne)


def _csv(df: pl.DataFrame) -> str:
    return df.write_csv(
        include_header=False, separator=";", line_terminator="\n", null_value="", quote_style="never"
    )


def skriv_leverance(sti: Path, kilde: str, dele: Iterable[pl.DataFrame]) -> int:
    """Write one delivery from one or more frames (chunks); returns the number of lines.

    A system with nothing to report sends no file: an empty full stock would be quarantined."""
    k = snitflader.kilde(kilde)
    sti.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(sti, "wb") as fh:
        for df in dele:
            fh.write(_csv(_felter(kilde, df)).encode(k.encoding))
            n += df.height
    if n == 0:
        sti.unlink()
    return n


def skriv_csv_med_hoved(sti: Path, df: pl.DataFrame) -> None:
    sti.parent.mkdir(parents=True, exist_ok=True)
    sti.write_bytes(
        df.write_csv(separator=";", line_terminator="\n", null_value="", quote_style="never").encode("utf-8")
    )


def skriv_xlsx(sti: Path, ark: str, hoved: list[str], raekker: Iterable[tuple]) -> None:
    """An xlsx file that is byte-identical for identical content."""
    wb = Workbook()
    ws = wb.active
    ws.title = ark
    ws.append(hoved)
    for r in raekker:
        ws.append(list(r))
    wb.properties.creator = "FLIS generator"
    wb.properties.created = _FAST_TID
    wb.properties.modified = _FAST_TID
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time into docProps/core.xml and the zip entries: replace both.
    fast = _FAST_TID.strftime("%Y-%m-%dT%H:%M:%SZ")
    ud = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(ud, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + fast.encode() + rb"\g<3>", data
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TID)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    sti.parent.mkdir(parents=True, exist_ok=True)
    sti.write_bytes(ud.getvalue())
