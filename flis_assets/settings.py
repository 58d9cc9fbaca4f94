"""Where FLIS keeps its data: the data root and the DuckDB file (outputs.md pins both)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("FLIS_DATA_DIR", "data")).resolve()


def duckdb_path() -> Path:
    return Path(os.environ.get("FLIS_DUCKDB", data_dir() / "flis.duckdb")).resolve()


def incoming_dir() -> Path:
    return data_dir() / "incoming"


def reference_dir() -> Path:
    return data_dir() / "reference"


def duckdb_memory_limit() -> str:
    """DuckDB spills to disk beyond this; the default keeps a national month within 6 GiB."""
    return os.environ.get("FLIS_DUCKDB_MEMORY_LIMIT", "4GB")


def stille_dagster_advarsler() -> None:
    """Dagster's Beta- and PreviewWarnings (a parameter or check FLIS uses is not yet stable) say
    nothing an analyst can act on, and dozens of them hid `make run`'s own messages (issue 16).
    Called where FLIS loads: the code location and `flis materialize`."""
    from dagster import BetaWarning, PreviewWarning

    for category in (BetaWarning, PreviewWarning):
        warnings.filterwarnings("ignore", category=category)
