"""The one GeoPackage writer of trafficprev.

:func:`write_gpkg` writes layers into a temporary file next to the target and moves it into
place with :func:`os.replace` (:func:`~trafficprev._outdir.atomic_write`), so an interrupted
or refused write leaves the previous file as it was. Text columns are written as strings and
frames without geometry get an empty one.

GDAL reports a write it cannot finish in words that rarely say why: a full disk during a
GeoPackage write is ``Failed to commit transaction``, a nearly full disk can be a
``FeatureError`` about a missing table, a read-only folder ``unable to open database file``.
Every such failure becomes one :class:`~trafficprev._errors.OutputError` naming the folder and
the reason, read from the exception chain or, when that is vague, from the folder itself
(:func:`os.statvfs`, :func:`os.access`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._display import display_path
from ._errors import WRITE_ERRORS, ArgumentError, OutputError, TrafficPrevError
from ._outdir import atomic_write

__all__ = ["WRITE_ERRORS", "write_gpkg"]


# what GDAL and SQLite say, when they say it
_SAID = [
    (re.compile(r"no space left|disk is full|database or disk is full", re.I), errno.ENOSPC),
    (re.compile(r"read-only file system|readonly database", re.I), errno.EROFS),
    (re.compile(r"permission denied|access denied|not permitted", re.I), errno.EACCES),
    (re.compile(r"quota", re.I), errno.EDQUOT),
]
# failures of GDAL's GeoPackage writer that are about the file, not about the data ...
_VAGUE = re.compile(
    r"commit|transaction|disk i/o|unable to open|sqlite3_open|failed to create|could not create|"
    r"cannot create|failed to write|write failed|journal",
    re.I,
)
# ... and words that are about the file only when the folder says so (a nearly full disk
# leaves GeoPackage's tables uncreated; a constraint on the data fails in SQLite too)
_MAYBE = re.compile(r"sqlite3_|no such table", re.I)
#: Free space below which a vague failure is put down to a full disk: the larger of this and
#: twice the frames' size in memory (a GeoPackage takes about as much as the frames).
_FULL_BELOW = 16 << 20


def _as_layer(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """A copy of `frame` as GDAL writes it: text columns as str, missing values as null, an
    empty WGS-84 geometry when `frame` has none."""
    out = frame.copy()
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col != geometry and out[col].dtype == object:
            out[col] = out[col].map(_text)
    if geometry is None:
        out = gpd.GeoDataFrame(
            out, geometry=gpd.GeoSeries([None] * len(out), index=out.index), crs="EPSG:4326"
        )
    return out


def _text(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return str(value)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _free(folder: Path) -> tuple[int, bool] | None:
    """Bytes free to this user in `folder` and whether it is mounted read-only."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows) or the folder is gone
        return None
    return st.f_bavail * st.f_frsize, bool(st.f_flag & getattr(os, "ST_RDONLY", 1))


def _diagnose(exc: Exception, folder: Path, frames: Mapping[str, pd.DataFrame]) -> int | None:
    """The errno that explains `exc` as a refused write into `folder`, or None when `exc`
    is not about writing there (a problem of the data, a bug)."""
    if isinstance(exc, TrafficPrevError):
        return None
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, OSError) and e.errno in WRITE_ERRORS and e.errno != errno.EIO:
            return e.errno
    text = " ".join(str(e) for e in chain)
    for pattern, code in _SAID:
        if pattern.search(text):
            return code
    if not any(isinstance(e, OSError) for e in chain) and not (
        _VAGUE.search(text) or _MAYBE.search(text)
    ):
        return None
    # vague: ask the folder
    if not folder.is_dir():
        return errno.ENOENT
    free = _free(folder)
    if free is not None and free[1]:
        return errno.EROFS
    if not os.access(folder, os.W_OK | os.X_OK):
        return errno.EACCES
    if free is not None and free[0] < _FULL_BELOW:
        return errno.ENOSPC
    if free is not None and free[0] < 2 * sum(
        int(f.memory_usage(deep=True).sum()) for f in frames.values()
    ):
        return errno.ENOSPC
    return errno.EIO if _VAGUE.search(text) else None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def _gdal_folder(folder: Path) -> Iterator[str]:
    """`folder` as a name GDAL can open: itself, or ``/proc/self/fd/N`` when its name is not
    UTF-8 (GDAL takes only UTF-8 paths)."""
    try:
        os.fsencode(folder).decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        yield str(folder)
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        proc = f"/proc/self/fd/{fd}"
        if not os.path.isdir(proc):
            raise OutputError(
                errno.EILSEQ,
                f"{display_path(folder)}: cannot write a GeoPackage into a folder whose name is "
                "not UTF-8 on this system; rename the folder / 文件夹名称不是 UTF-8，无法写入",
            )
        yield proc
    finally:
        os.close(fd)


def _write_layers(target: str, frames: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Write `frames` as the layers of the GeoPackage `target` (a name GDAL can open)."""
    for layer, frame in frames.items():
        frame.to_file(target, layer=layer, driver="GPKG", engine="pyogrio")


def _remove(folder: Path, name: str) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):  # gone already, or on a disk that refuses it
            os.unlink(folder / f"{name}{suffix}")


def write_gpkg(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    *,
    atomic: bool = True,
) -> Path:
    """Write `layers` into one GeoPackage at `path`, replacing the file as a whole.

    Parameters
    ----------
    path
        The ``.gpkg`` file; its folder must exist. Any name the file system takes, UTF-8 or
        not.
    layers
        Layer name -> frame, written in this order. Text (object) columns are written as
        strings (``None``/NaN as null); a frame without geometry gets an empty WGS-84
        geometry column. The frames are not changed.
    atomic
        Write a temporary file next to `path` and move it into place with
        :func:`os.replace`: readers see the old file or the new one, and a failed write
        leaves the old one as it was. ``False`` writes straight into `path` (for a caller
        that stages a whole folder); a failed write then removes the partial file.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    OutputError
        If the folder cannot be written (full disk, read-only, no permission, or a failure
        of GDAL's writer that the folder explains): one line naming the folder and the reason;
        ``.errno`` is the operating system's error number and ``.filename`` the GeoPackage.
        Nothing of the write is left behind.
    ValueError
        If `layers` is empty.
    """
    path = Path(path)
    if not layers:
        raise ArgumentError(f"no layers to write to {display_path(path)}")
    folder = path.parent
    frames = {name: _as_layer(frame) for name, frame in layers.items()}
    try:
        path.name.encode("utf-8")
        direct = not atomic
    except UnicodeEncodeError:  # GDAL cannot take the name: write under a temporary one
        direct = False
    stem = path.stem if path.stem.isascii() and path.stem.isprintable() else "layers"
    name = path.name if direct else f".{stem}-{os.getpid()}-{secrets.token_hex(4)}.tmp.gpkg"
    try:
        with _gdal_folder(folder) as where:
            if direct:
                _remove(folder, name)
                _write_layers(f"{where}/{name}", frames)
            else:
                atomic_write(
                    path, lambda tmp: _write_layers(f"{where}/{tmp.name}", frames), temp_name=name
                )
    except BaseException as exc:
        code = _diagnose(exc, folder, frames) if isinstance(exc, Exception) else None
        _remove(folder, name)
        if code is None:
            raise
        kept = (
            "The previous file, if any, is left as it was / 无法写入 GeoPackage，原有文件未改动"
            if atomic
            else "Nothing was written / 无法写入 GeoPackage"
        )
        raise OutputError(
            code,
            f"{display_path(folder)}: cannot write {display_path(path.name)}: "
            f"{WRITE_ERRORS[code]} — {_one_line(str(exc) or type(exc).__name__)}. {kept}",
            str(path),
        ) from exc
    return path
