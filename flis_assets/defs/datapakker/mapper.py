"""Package folders replaced whole: a reader sees the old package or the new one, never a mix.

A folder's new content is written into a hidden temporary sibling (`.<ÅÅÅÅ-MM>.ny-<id>`, same
filesystem), flushed to disk, and then swapped with the old folder in one rename: Linux's
`renameat2(RENAME_EXCHANGE)`, else two renames through `.<ÅÅÅÅ-MM>.gammel-<id>` (for an instant
the folder is absent, never half-written). A kill or a full disk leaves at most such hidden
siblings, which `ryd_op` removes (or, for an old folder moved aside but not replaced, puts back)
before the next write. Every failure is one Danish line naming the folder, the file and the cause.
"""

import ctypes
import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RESTER = re.compile(r"^\.(?P<navn>.+)\.(?P<art>ny|gammel)-[0-9a-f]{32}$")

# The causes an analyst meets, in Danish; any other keeps the system's own wording.
AARSAGER = {
    errno.EROFS: "filsystemet er skrivebeskyttet",
    errno.ENOSPC: "der er ikke mere plads på disken",
    errno.EDQUOT: "diskkvoten er opbrugt",
    errno.EACCES: "ingen adgang til at skrive der",
    errno.EPERM: "ingen adgang til at skrive der",
    errno.EIO: "disken gav en I/O-fejl",
}


class SkrivefejlDatapakke(Exception):
    """A package folder could not be written or put in place; the old one, if any, is intact."""

    def __init__(self, mappe: Path, fil: str | None, fejl: OSError):
        aarsag = AARSAGER.get(fejl.errno) or fejl.strerror or str(fejl)
        super().__init__(f"Kan ikke skrive datapakken {mappe}{f' ({fil})' if fil else ''}: {aarsag}")


@contextmanager
def skrivefejl(mappe: Path, fil: str | None = None) -> Iterator[None]:
    """An OSError inside is raised as `SkrivefejlDatapakke` for `mappe` (and `fil`), alone: the
    system's message names no folder."""
    try:
        yield
    except OSError as e:
        raise SkrivefejlDatapakke(mappe, fil, e) from None


def skriv_mappe(mappe: Path, filer: list[tuple[str, bytes]]) -> Path:
    """`filer` (name, bytes) written in this order into a new temporary sibling of `mappe`; its
    path. A failed write leaves nothing behind."""
    with skrivefejl(mappe):
        mappe.parent.mkdir(parents=True, exist_ok=True)
    ny = mappe.with_name(f".{mappe.name}.ny-{uuid.uuid4().hex}")
    try:
        with skrivefejl(mappe):
            ny.mkdir()
        for fil, data in filer:
            with skrivefejl(mappe, fil):
                (ny / fil).write_bytes(data)
    except BaseException:
        shutil.rmtree(ny, ignore_errors=True)
        raise
    return ny


def synk(rod: Path) -> None:
    """Everything written under `rod` on disk: before a folder is swapped in (else a power cut can
    leave the new folder with empty files) and after (the swaps themselves). One `syncfs` of the
    data's filesystem costs less than an fsync per file of ~1,500 a period. No `rod` yet (no kommune
    subscribed to anything so far, e.g. a period with accounts alone): nothing to sync."""
    if not rod.is_dir():
        return
    with skrivefejl(rod):
        fd = os.open(rod, os.O_RDONLY)
        try:
            if getattr(_LIBC, "syncfs", None) is None or _LIBC.syncfs(fd) != 0:
                os.sync()
        finally:
            os.close(fd)


def indsaet(ny: Path, mappe: Path) -> None:
    """The temporary folder `ny` becomes `mappe`; the old `mappe`, if any, is removed."""
    with skrivefejl(mappe):
        if not mappe.exists():
            os.rename(ny, mappe)
            return
        if _ombyt(ny, mappe):
            gammel = ny  # now the old package
        else:
            gammel = mappe.with_name(f".{mappe.name}.gammel-{uuid.uuid4().hex}")
            os.rename(mappe, gammel)
            os.rename(ny, mappe)
    # the new package is in place: an old one that will not go is left to `ryd_op`
    shutil.rmtree(gammel, ignore_errors=True)


def kasser(ny: Path) -> None:
    shutil.rmtree(ny, ignore_errors=True)


def ryd_op(rod: Path) -> None:
    """What an interrupted write left under `rod` (`<kommune>/<hidden sibling>`): a new folder
    not swapped in is removed; an old folder moved aside whose place is empty goes back."""
    if not rod.is_dir():
        return
    for kommune in sorted(rod.iterdir()):
        if not kommune.is_dir():
            continue
        for rest in sorted(kommune.iterdir()):
            fundet = RESTER.match(rest.name)
            if not fundet:
                continue
            with skrivefejl(rest):
                mappe = kommune / fundet["navn"]
                if fundet["art"] == "gammel" and not mappe.exists():
                    os.rename(rest, mappe)
                else:
                    shutil.rmtree(rest)


_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None
RENAME_EXCHANGE, AT_FDCWD = 2, -100


def _ombyt(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux `renameat2`); False where the system cannot."""
    ombyt = getattr(_LIBC, "renameat2", None)
    if ombyt is None:
        return False
    if ombyt(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    fejl = ctypes.get_errno()
    if fejl in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # filesystem or kernel without it
        return False
    raise OSError(fejl, os.strerror(fejl), str(b))
