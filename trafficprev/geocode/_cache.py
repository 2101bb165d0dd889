"""A persistent cache of geocode results, so that a quarterly rerun geocodes only new text.

Entries are keyed by the area version (the hash of the gazetteer's inputs) and the
normalised place text (:func:`trafficprev.geocode._review.text_key`). The store is one
SQLite file (stdlib :mod:`sqlite3`) with one table::

    geocode(area_version, text_key, text_hash, payload)   primary key (area_version, text_key)

``payload`` is the geocode result of one text as JSON with sorted keys (deterministic
bytes); floats are written with :func:`repr`, so they read back bit for bit.

Robustness:

- every write is one transaction in SQLite's rollback-journal mode (WAL off): a process
  killed mid-write leaves the previous state, restored on the next open;
- a damaged file (random bytes, truncated, another program's database) is moved aside to
  ``<name>.corrupt-<n>`` with a :class:`CacheWarning`, and a fresh cache is started: a
  damaged cache costs time, never a wrong answer;
- a location that cannot be written (read-only folder or file) does not stop a run: the
  cache warns and works in memory for this session, starting from a copy of the entries
  it can still read there.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import sqlite3
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .._errors import ArgumentError, ArgumentTypeError, OutputError, TrafficPrevWarning
from ._review import text_hash, text_key

__all__ = ["CacheWarning", "GeocodeCache"]

logger = logging.getLogger(__name__)

#: Format of the cache file, stored in SQLite's ``user_version``.
FORMAT_VERSION = 1
_TABLE_SQL = (
    "CREATE TABLE geocode ("
    "area_version TEXT NOT NULL, text_key TEXT NOT NULL, text_hash TEXT NOT NULL, "
    "payload TEXT NOT NULL, PRIMARY KEY (area_version, text_key)) WITHOUT ROWID"
)
_COLUMNS = ["area_version", "text_key", "text_hash", "payload"]
_CHUNK = 500  # keys per SELECT, well below SQLite's bound-parameter limit
_TIMEOUT_S = 30.0  # how long to wait for another process's lock


class CacheWarning(TrafficPrevWarning):
    """The geocode cache was rebuilt or cannot be written; results stay correct."""


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or (not isinstance(value, (str, bytes)) and _is_missing(value)):
        return None
    raise ArgumentTypeError(
        f"cannot store a {type(value).__name__} in the geocode cache: {value!r}"
    )


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _dumps(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        dict(payload), sort_keys=True, ensure_ascii=False, default=_json_default, allow_nan=True
    )


class GeocodeCache:
    """Geocode results of place texts for one area version, kept in one SQLite file.

    Parameters
    ----------
    path
        The cache file (created with its folder when missing), e.g.
        ``areas/changde/geocode_cache.sqlite``.
    area_version
        Version of the area the results were computed on; entries of other versions are
        invisible (and :meth:`prune` deletes them).

    Attributes
    ----------
    path
        The cache file.
    area_version
        The area version served.
    persistent
        False when the location could not be written and the cache lives in memory.

    Warns
    -----
    CacheWarning
        When the file is damaged (it is moved aside and a fresh cache started) or the
        location cannot be written (the cache then works in memory).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with GeocodeCache(pathlib.Path(d) / "c.sqlite", "v1") as cache:
    ...         n = cache.put_many({"人民路": {"lon": 111.69, "lat": 29.03}})
    ...         cache.get_many(["人民路", "洞庭大道"])
    {'人民路': {'lat': 29.03, 'lon': 111.69}}
    """

    def __init__(self, path: str | Path, area_version: str) -> None:
        if not isinstance(area_version, str) or not area_version.strip():
            raise ArgumentError(f"area_version must be a non-empty string, got {area_version!r}")
        self.path = Path(path)
        self.area_version = area_version
        self.persistent = True
        self._hits = 0
        self._misses = 0
        self._writes = 0
        self._conn = self._open()

    # ------------------------------------------------------------------ opening

    def _writable(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        if not os.access(self.path.parent, os.W_OK | os.X_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.R_OK | os.W_OK)

    def _connect(self, target: str | Path) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=_TIMEOUT_S, isolation_level=None)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _open(self) -> sqlite3.Connection:
        if not self._writable():
            return self._open_in_memory()
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect(self.path)
            problem = self._check(conn)
        except sqlite3.OperationalError as exc:
            # not damage: a lock held too long, a read-only file, an I/O error
            if conn is not None:
                conn.close()
            if "readonly" in str(exc) or "unable to open" in str(exc):
                return self._open_in_memory()
            raise OutputError(
                errno.EIO,
                f"{self.path}: cannot open the geocode cache ({exc}) / 无法打开地理编码缓存",
            ) from exc
        except sqlite3.DatabaseError as exc:  # not a database, malformed image
            problem = f"{type(exc).__name__}: {exc}"
        if problem is None and conn is not None:
            return conn
        if conn is not None:
            conn.close()
        self._move_aside(problem or "unknown problem")
        conn = self._connect(self.path)
        self._create(conn)
        return conn

    def _check(self, conn: sqlite3.Connection) -> str | None:
        """None when `conn` is a sound cache (creating the table in an empty file), else why not."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if version == 0 and not tables:
            self._create(conn)
            return None
        if version != FORMAT_VERSION or "geocode" not in tables:
            return f"not a trafficprev geocode cache (format {version}, tables {tables})"
        columns = [r[1] for r in conn.execute("PRAGMA table_info(geocode)")]
        if columns != _COLUMNS:
            return f"unexpected columns {columns}"
        result = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if result != ["ok"]:
            return "integrity check failed: " + "; ".join(result[:3])
        return None

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_TABLE_SQL)
            conn.execute("CREATE INDEX geocode_hash ON geocode (area_version, text_hash)")
            conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _move_aside(self, problem: str) -> None:
        n = 1
        while Path(f"{self.path}.corrupt-{n}").exists():
            n += 1
        target = Path(f"{self.path}.corrupt-{n}")
        os.replace(self.path, target)
        # a journal left next to the damaged file belongs to it, not to the new cache
        for suffix in ("-journal", "-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{target}{suffix}"))
        warnings.warn(
            f"geocode cache {self.path} is damaged ({problem}); it was moved to {target} "
            "and the cache is rebuilt (place texts are geocoded again)",
            CacheWarning,
            stacklevel=4,
        )

    def _open_in_memory(self) -> sqlite3.Connection:
        self.persistent = False
        mem = sqlite3.connect(":memory:", isolation_level=None)
        self._create(mem)
        copied = 0
        if self.path.is_file():
            try:
                src = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    if self._check_readonly(src):
                        rows = src.execute(
                            "SELECT area_version, text_key, text_hash, payload FROM geocode "
                            "WHERE area_version = ?",
                            (self.area_version,),
                        ).fetchall()
                        mem.executemany("INSERT INTO geocode VALUES (?, ?, ?, ?)", rows)
                        copied = len(rows)
                finally:
                    src.close()
            except sqlite3.DatabaseError:
                copied = 0
        warnings.warn(
            f"geocode cache {self.path}: the location cannot be written; the cache works in "
            f"memory for this run ({copied} entries read from the file) and is not saved",
            CacheWarning,
            stacklevel=4,
        )
        return mem

    @staticmethod
    def _check_readonly(conn: sqlite3.Connection) -> bool:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        columns = [r[1] for r in conn.execute("PRAGMA table_info(geocode)")]
        ok = [r[0] for r in conn.execute("PRAGMA quick_check")] == ["ok"]
        return version == FORMAT_VERSION and columns == _COLUMNS and ok

    def _recover(self, exc: sqlite3.DatabaseError) -> None:
        """Replace a cache found damaged while in use by a fresh one."""
        self._conn.close()
        if self.persistent:
            self._move_aside(f"{type(exc).__name__}: {exc}")
            self._conn = self._connect(self.path)
        else:
            self._conn = sqlite3.connect(":memory:", isolation_level=None)
        self._create(self._conn)

    # ------------------------------------------------------------------ public API

    def get_many(self, text_keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Look up cached results.

        Parameters
        ----------
        text_keys
            Place texts (normalised with :func:`~trafficprev.geocode._review.text_key`
            before the lookup, so raw texts work too).

        Returns
        -------
        dict
            ``{given text: payload}`` for the texts found under this area version; texts
            not found are absent. Each distinct text counts once as a hit or a miss.
        """
        wanted: dict[str, list[str]] = {}
        for k in dict.fromkeys(text_keys):
            wanted.setdefault(text_key(k), []).append(k)
        found: dict[str, str] = {}
        keys = list(wanted)
        for attempt in range(2):
            try:
                found = self._select(keys)
                break
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as exc:
                if attempt:
                    raise
                self._recover(exc)
        out: dict[str, dict[str, Any]] = {}
        for key, originals in wanted.items():
            payload = None
            if key in found:
                try:
                    payload = json.loads(found[key])
                except ValueError:
                    payload = None
            if isinstance(payload, dict):
                self._hits += len(originals)
                for k in originals:
                    out[k] = payload if len(originals) == 1 else json.loads(found[key])
            else:
                self._misses += len(originals)
        return out

    def _select(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        self._conn.execute("BEGIN")  # one snapshot across the chunks
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(
                    self._conn.execute(
                        "SELECT text_key, payload FROM geocode "
                        f"WHERE area_version = ? AND text_key IN ({marks})",
                        [self.area_version, *chunk],
                    ).fetchall()
                )
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
        return found

    def put_many(self, mapping: Mapping[str, Mapping[str, Any]]) -> int:
        """Store results, all or nothing, in one transaction.

        Parameters
        ----------
        mapping
            ``{place text: result}``; each result is a mapping of JSON-able values (numpy
            scalars and NaN are accepted; tuples come back as lists). A text already
            cached for this area version is replaced.

        Returns
        -------
        int
            The number of entries written.

        Raises
        ------
        TypeError
            If a result is not a mapping or holds a value JSON cannot store.
        OSError
            If the file cannot be written (disk full, permissions changed meanwhile).
        """
        rows: dict[str, tuple[str, str, str, str]] = {}
        for text, payload in mapping.items():
            if not isinstance(payload, Mapping):
                raise ArgumentTypeError(
                    f"geocode cache: the result for {text!r} must be a mapping, "
                    f"got {type(payload).__name__}"
                )
            key = text_key(text)
            rows[key] = (self.area_version, key, text_hash(key), _dumps(payload))
        if not rows:
            return 0
        for attempt in range(2):
            try:
                self._write(list(rows.values()))
                break
            except sqlite3.OperationalError as exc:
                raise OutputError(
                    errno.EIO,
                    f"{self.path}: cannot write the geocode cache ({exc}) / 无法写入地理编码缓存",
                ) from exc
            except sqlite3.DatabaseError as exc:
                if attempt:
                    raise
                self._recover(exc)
        self._writes += len(rows)
        return len(rows)

    def _write(self, rows: list[tuple[str, str, str, str]]) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany("INSERT OR REPLACE INTO geocode VALUES (?, ?, ?, ?)", rows)
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def prune(self) -> int:
        """Delete the entries of other area versions and compact the file.

        Returns
        -------
        int
            The number of entries deleted.
        """
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            n = self._conn.execute(
                "DELETE FROM geocode WHERE area_version != ?", (self.area_version,)
            ).rowcount
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        if n:
            self._conn.execute("VACUUM")
        return int(n)

    def __len__(self) -> int:
        """Number of entries for this area version."""
        return int(
            self._conn.execute(
                "SELECT count(*) FROM geocode WHERE area_version = ?", (self.area_version,)
            ).fetchone()[0]
        )

    @property
    def stats(self) -> dict[str, int]:
        """Lookups answered (``hits``), not answered (``misses``) and entries ``written``."""
        return {"hits": self._hits, "misses": self._misses, "written": self._writes}

    @property
    def hit_rate(self) -> float:
        """Share of lookups answered from the cache (NaN before any lookup)."""
        total = self._hits + self._misses
        return self._hits / total if total else math.nan

    def close(self) -> None:
        """Close the file (further use raises :class:`sqlite3.ProgrammingError`)."""
        self._conn.close()
        logger.info("geocode cache %s: %s", self.path, self.stats)

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.persistent else f"{self.path} (in memory)"
        return f"GeocodeCache({where!r}, area_version={self.area_version!r})"
