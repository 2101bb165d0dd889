"""Output folders trafficprev makes, and the files it writes into folders it did not make.

One rule: **never delete or overwrite a file trafficprev did not write; refuse with one line
instead.** Everything that writes an output goes through this module:

**Folders** (a run folder, an area folder, an intake folder) are marked with
``.trafficprev.json`` (:data:`MARKER`): who made it, its kind, the trafficprev version, and
every file the command wrote with a fingerprint (size, mtime in ns, SHA-256). A folder made
before the marker existed is recognised by its own files (:func:`folder_kind`). Writing one:

1. :func:`check_folder` before anything is computed: the target may not exist, or be empty,
   or be a folder trafficprev made of the same kind; it may not be (or contain) the current
   folder, nor contain an input of the command. Anything else is an
   :class:`~trafficprev._errors.OutputRefusedError` and nothing is touched.
2. :func:`staged` takes the folder's lock (:func:`locked`), puts back what an interrupted
   swap left (:func:`restore`), checks again and opens the staging folder
   ``.NAME.partial-PID`` next to the target. The command writes its outputs there.
3. :meth:`Stage.carry_over` brings every file and sub-folder of the current folder that the
   previous command did not write into the staging folder (a hard link, else a copy), and
   a file it wrote that was edited since under a new name (``sites.edited.xlsx``); these
   are the *kept* files.
4. :meth:`Stage.commit` writes the marker and swaps the staging folder in with two renames:
   ``NAME`` → ``.NAME.old-PID``, ``.NAME.partial-PID`` → ``NAME``; the old folder is then
   emptied of what is provably ours and removed (anything left in it that is not ours is
   moved into the new folder first).

Between the two renames ``NAME`` does not exist (microseconds). A ``kill -9`` exactly there
leaves the previous folder complete as ``.NAME.old-PID``; every command that reads or writes
the folder calls :func:`restore` first, which renames it back.

**Files** written into a folder trafficprev did not make (``--protected FILE``, ``geocode
--out FILE.gpkg`` and the ``review_queue.csv`` next to it, the demo's map copies) go through
:func:`check_files` and :func:`write_file`: a file is written atomically (a temporary file
and :func:`os.replace`) and recorded in that folder's ``.trafficprev-files.json``
(:data:`FILES_MARKER`); an existing file is replaced only when it is recorded there and
unchanged since.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ._display import display_path
from ._errors import WRITE_ERRORS, OutputError, OutputRefusedError, TrafficPrevError
from ._version import __version__

__all__ = [
    "FILES_MARKER",
    "KINDS",
    "MARKER",
    "RunLockedError",
    "Stage",
    "atomic_write",
    "check_files",
    "check_folder",
    "file_sha256",
    "folder_kind",
    "is_output_error",
    "locked",
    "output_error",
    "restore",
    "staged",
    "write_file",
]

#: The marker of a folder trafficprev made (inside it).
MARKER = ".trafficprev.json"
#: The record of the files trafficprev wrote into a folder it did not make.
FILES_MARKER = ".trafficprev-files.json"
#: Kinds of folders, with their names in messages (English, Chinese).
KINDS: dict[str, tuple[str, str]] = {
    "run": ("run", "季度运行"),
    "area": ("area", "区域地名库"),
    "intake": ("intake", "导入核对"),
    "precision": ("precision project", "精准预防"),
}
_MADE_BY = "trafficprev"
_FORMAT = 1
#: Files of a folder made before the marker existed: identity file, and what proves the kind.
_LEGACY_IDENTITY = {"run": "manifest.json", "area": "area.json", "intake": "accounting.json"}
_LEGACY_RUN_FILES = (
    "cases.gpkg", "review_queue.csv", "rejected_rows.csv", "duplicates.csv", "sites.xlsx",
    "sites.gpkg", "report.html", "overrides_report.csv", "manifest.json",
)  # fmt: skip
_LEGACY_MAPS = ("hotspots", "sign_sites", "campaign_sites")
_INTAKE_SUBFOLDERS = ("", "enterprises", "campaign_sites")
_STAGING, _OLD = ".partial-", ".old-"


class RunLockedError(TrafficPrevError, RuntimeError):
    """Another command is writing into the same output folder."""


# --- one atomic write ------------------------------------------------------------------------


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Path], object], *, temp_name: str | None = None
) -> Path:
    """Write one file so that a reader sees the old content or the new, never half of it.

    The single implementation of trafficprev's atomic writes: `write` fills a temporary file
    in the same folder, which :func:`os.replace` then moves over `path`. When `write` (or
    the move) fails, or the process is interrupted, the temporary file is removed and `path`
    is left as it was. Nothing is checked or recorded: :func:`write_file` does that for
    files written into folders trafficprev did not make.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    write
        Called with the temporary path (same folder, same suffix by default); writes the
        whole content there.
    temp_name
        The temporary file's name in `path`'s folder; by default
        ``.STEM.tmp-PID.SUFFIX``. A stale file of that name is removed first.

    Returns
    -------
    pathlib.Path
        `path`.
    """
    path = Path(path)
    tmp = path.with_name(temp_name or f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        tmp.unlink(missing_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def _write_text(path: Path, text: str, temp_name: str) -> None:
    """Write `text` (UTF-8) to `path` atomically through the temporary file `temp_name`."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), temp_name=temp_name)


# --- errors ----------------------------------------------------------------------------------


#: The errors of :data:`~trafficprev._errors.WRITE_ERRORS` that mean the folder refused a
#: write (not a file that vanished, ENOENT).
_REFUSED = frozenset(WRITE_ERRORS) - {errno.ENOENT}


def output_error(exc: OSError, out: Path, kind: str = "run") -> OutputError:
    """One readable error for an output folder that cannot be written (chain the cause).

    Parameters
    ----------
    exc
        The operating system's error.
    out
        The output folder.
    kind
        One of :data:`KINDS`, for the words.
    """
    noun, zh = KINDS.get(kind, (kind, "输出"))
    where = f" ({display_path(exc.filename)})" if exc.filename else ""
    why = WRITE_ERRORS.get(exc.errno, "the system refused the write / 系统拒绝写入")
    # an OutputError (from the GeoPackage writer) carries a whole message as its strerror
    said = os.strerror(exc.errno) if isinstance(exc, OutputError) else exc.strerror
    return OutputError(
        exc.errno,
        f"{display_path(out)}: cannot write the {noun}: {why} — {said}{where}. "
        f"A previous {noun} in this folder is left as it was / 无法写入{zh}结果，原有结果未改动",
    )


def is_output_error(exc: OSError, out: Path) -> bool:
    """Whether `exc` is a refused write into `out` or next to it (not an unreadable input)."""
    if isinstance(exc, OutputError) and exc.filename is not None:
        pass  # a lower-level writer's refusal (a GeoPackage): said again for the whole folder
    elif isinstance(exc, TrafficPrevError) or exc.errno not in _REFUSED:
        return False
    if exc.filename is None:
        return True
    try:
        where = Path(os.fsdecode(exc.filename)).resolve()
    except TypeError:  # a file descriptor, not a path
        return False
    return where.is_relative_to(Path(out).parent.resolve())


def _refuse(message: str) -> OutputRefusedError:
    """The refusal, as one line (``str()`` is the message alone)."""
    return OutputRefusedError(" ".join(message.split()))


# --- fingerprints and markers ----------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(path: Path) -> dict[str, Any]:
    """Size, mtime (ns) and SHA-256 of a file as written (a symlink: its target text)."""
    st = os.lstat(path)
    if os.path.islink(path):
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "link": os.readlink(path)}
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": file_sha256(path)}


def _unchanged(folder: Path, rel: str, fp: dict[str, Any]) -> bool:
    """Whether ``folder/rel`` is still what was recorded (cheap first, hash when needed)."""
    path = folder / rel
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if "not_after" in fp:  # legacy folder: not modified after its identity file was written
        try:
            return st.st_mtime_ns <= os.lstat(folder / fp["not_after"]).st_mtime_ns
        except OSError:
            return False
    if os.path.islink(path) != ("link" in fp) or st.st_size != fp.get("size"):
        return False
    if st.st_mtime_ns == fp.get("mtime_ns"):
        return True
    if "link" in fp:
        return os.readlink(path) == fp["link"]
    return fp.get("sha256") == file_sha256(path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_marker(folder: Path, name: str = MARKER) -> dict[str, Any] | None:
    data = _read_json(folder / name)
    if data is None or data.get("made_by") != _MADE_BY:
        return None
    return data


def _version() -> str:
    return __version__


def _marker_text(kind: str, files: dict[str, Any], kept: dict[str, str], state: str) -> str:
    data = {
        "made_by": _MADE_BY,
        "format": _FORMAT,
        "kind": kind,
        "version": _version(),
        "state": state,
        "files": dict(sorted(files.items())),
        "kept": dict(sorted(kept.items())),
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def folder_kind(folder: str | Path) -> str | None:
    """The kind of folder trafficprev made at `folder`, or None when it is not one of ours.

    A folder with the marker is of the kind the marker says. A folder made before the marker
    existed is recognised by its own files: a run folder by ``manifest.json`` holding the
    ``"trafficprev"`` key, an area folder by ``area.json`` holding ``format`` and
    ``version``, an intake folder by ``accounting.json`` holding ``kind`` and ``read``.
    """
    folder = Path(folder)
    if not _is_real_dir(folder):
        return None
    marker = _read_marker(folder)
    if marker is not None:
        kind = marker.get("kind")
        return kind if kind in KINDS else None
    manifest = _read_json(folder / "manifest.json")
    if manifest is not None and "trafficprev" in manifest:
        return "run"
    meta = _read_json(folder / "area.json")
    if meta is not None and {"format", "version"} <= set(meta):
        return "area"
    acc = _read_json(folder / "accounting.json")
    if acc is not None and {"kind", "read"} <= set(acc):
        return "intake"
    return None


@dataclass(frozen=True)
class _Record:
    """What a command wrote into a folder of ours: relative path -> fingerprint."""

    kind: str
    files: dict[str, dict[str, Any]]
    kept: dict[str, str] = field(default_factory=dict)


def _legacy_files(folder: Path, kind: str) -> dict[str, dict[str, Any]]:
    """The files a folder made before the marker existed was written with (by name)."""
    ident = _LEGACY_IDENTITY[kind]
    if kind == "run":
        names = [*_LEGACY_RUN_FILES]
        names += [f"maps/{m}.{ext}" for m in _LEGACY_MAPS for ext in ("html", "png", "pdf")]
        return {n: {"not_after": ident} for n in names}
    if kind == "area":
        return {n: {"not_after": ident} for n in ("area.gpkg", "area.json")}
    out: dict[str, dict[str, Any]] = {}
    for sub in _INTAKE_SUBFOLDERS:
        prefix = f"{sub}/" if sub else ""
        acc = _read_json(folder / prefix / ident)
        if acc is None or not {"kind", "read"} <= set(acc):
            continue
        table = "cases.csv" if acc["kind"] == "determinations" else f"{acc['kind']}.csv"
        for name in (table, "rejected_rows.csv", "duplicates.csv", ident):
            out[prefix + name] = {"not_after": prefix + ident}
    return out


def _record(folder: Path) -> _Record | None:
    """What the command that made `folder` wrote there (None when the folder is not ours)."""
    kind = folder_kind(folder)
    if kind is None:
        return None
    marker = _read_marker(folder)
    if marker is not None:
        files = marker.get("files")
        kept = marker.get("kept")
        return _Record(
            kind,
            {str(k): v for k, v in files.items() if isinstance(v, dict)}
            if isinstance(files, dict)
            else {},
            {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {},
        )
    return _Record(kind, _legacy_files(folder, kind))


def _entries(folder: Path) -> tuple[list[str], list[str]]:
    """Relative paths of the files (and symlinks) and of the empty folders under `folder`."""
    files: list[str] = []
    empty: list[str] = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        rel = here.relative_to(folder)
        for d in list(dirs):
            if (here / d).is_symlink():
                dirs.remove(d)
                names.append(d)
        if rel != Path(".") and not dirs and not names:
            empty.append(rel.as_posix())
        for name in names:
            if rel == Path(".") and name == MARKER:
                continue
            files.append((rel / name).as_posix())
    return sorted(files), sorted(empty)


def _free_name(rel: str, tag: str, taken: set[str]) -> str:
    """``dir/stem.TAG.suffix`` (numbered ``TAG-2`` … when taken)."""
    p = PurePosixPath(rel)
    stem, suffix = p.stem, p.suffix
    n = 1
    while True:
        label = tag if n == 1 else f"{tag}-{n}"
        candidate = (p.parent / f"{stem}.{label}{suffix}").as_posix()
        if candidate not in taken:
            return candidate
        n += 1


def _link_or_copy(src: Path, dst: Path) -> None:
    """Put `src` at `dst` without touching `src`: a hard link, else a copy with metadata."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _remove(folder: Path) -> None:
    """Delete a folder already proven ours; its identity files go last (a kill mid-way
    leaves a folder that is still recognisably ours, to be removed next time)."""
    last = {MARKER, *_LEGACY_IDENTITY.values()}
    for entry in sorted(folder.iterdir()):
        if entry.name in last:
            continue
        if _is_real_dir(entry):
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for name in sorted(last):
        (folder / name).unlink(missing_ok=True)
    folder.rmdir()


# --- checks ---------------------------------------------------------------------------------


def _resolved(path: str | Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def _check_place(target: Path, inputs: Iterable[str | Path]) -> None:
    """Refuse a target that is or holds the current folder, or holds an input."""
    where = _resolved(target)
    here = Path.cwd().resolve()
    if here == where or here.is_relative_to(where):
        raise _refuse(
            f"{target}: is the current folder or one above it; give a new folder such as "
            f"runs/2024Q4 / 输出位置不能是当前文件夹或其上级文件夹，请指定一个新的文件夹"
        )
    for item in inputs:
        src = _resolved(item)
        if src == where or src.is_relative_to(where):
            raise _refuse(
                f"{target}: holds the input {item}; write the outputs to another place / "
                f"输出位置包含输入文件 {item}，请换一个输出位置"
            )


def check_folder(target: str | Path, kind: str, *, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an output folder that writing a `kind` folder there could destroy files in.

    Accepted: a folder that does not exist, an empty folder, and a folder trafficprev made
    of the same `kind` (:func:`folder_kind`). Nothing is created or changed.

    Parameters
    ----------
    target
        The output folder.
    kind
        One of :data:`KINDS`.
    inputs
        Every input file or folder of the command: none may be inside `target`.

    Raises
    ------
    OutputRefusedError
        With one line saying why and what to do instead.
    """
    target = Path(target)
    noun, zh = KINDS[kind]
    _check_place(target, inputs)
    if target.is_symlink():
        raise _refuse(
            f"{target}: is a symbolic link; give the real folder / "
            f"输出位置是符号链接，请给出实际文件夹"
        )
    if not target.exists():
        return
    if not target.is_dir():
        raise _refuse(
            f"{target}: exists and is not a folder; nothing was changed / "
            f"该位置已有同名文件（不是文件夹），未作任何改动"
        )
    found = folder_kind(target)
    if found == kind:
        return
    if found is not None:
        raise _refuse(
            f"{target}: is a trafficprev folder of kind '{found}', not '{kind}'; give another "
            f"folder / "
            f"该文件夹是{KINDS[found][1]}文件夹，不是{zh}文件夹，请换一个文件夹"
        )
    entries = sorted(p.name for p in target.iterdir())
    if entries:
        example = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
        raise _refuse(
            f"{target}: exists and holds files trafficprev did not write ({example}); nothing "
            f"was changed. Give a new or empty folder, or a {noun} folder trafficprev made / "
            f"该文件夹已存在且含有非本程序写出的文件，未作任何改动；请指定新的或空的文件夹"
        )


# --- the lock ---------------------------------------------------------------------------------


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


@contextlib.contextmanager
def locked(target: str | Path, wait: float = 0.0, *, kind: str = "run") -> Iterator[None]:
    """Hold an exclusive lock on `target` (a lock file ``.NAME.lock`` next to it).

    Parameters
    ----------
    target
        The output folder (its parent is created).
    wait
        Seconds to wait for another holder before refusing.
    kind
        For the words of an error (:data:`KINDS`).

    Raises
    ------
    RunLockedError
        If another process holds the lock after `wait` seconds.
    OutputError
        If the parent cannot be created or the lock file cannot be written.
    """
    out = Path(target)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            exc.errno,
            f"{out}: cannot create the output folder's parent {out.parent} ({exc.strerror}) / "
            f"无法创建输出文件夹",
        ) from exc
    try:
        fh = open(_lock_path(out), "a+")  # noqa: SIM115 - closed by the with block below
    except OSError as exc:
        raise output_error(exc, out, kind) from exc
    with fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunLockedError(
                        f"{out}: another run is writing into this folder; try again when it "
                        f"has finished / 另一个运行正在写入此文件夹，请稍后再试"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- restoring after an interruption ---------------------------------------------------------


def _siblings(target: Path, tag: str) -> list[Path]:
    prefix = f".{target.name}{tag}"
    try:
        return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefix))
    except OSError:
        return []


def _age(folder: Path) -> int:
    for name in (MARKER, *_LEGACY_IDENTITY.values()):
        with contextlib.suppress(OSError):
            return os.lstat(folder / name).st_mtime_ns
    return 0


def _retire(old: Path, target: Path) -> None:
    """Move what is not ours out of a replaced folder into `target`, then delete `old`.

    Leaves `old` alone when it is not provably ours, or when `target` is not ours.
    """
    record, now = _record(old), _record(target)
    if record is None or now is None:
        return
    carried = set(now.kept.values())
    files, empty = _entries(old)
    taken = set(_entries(target)[0])
    for rel in files:
        fp = record.files.get(rel)
        if rel in carried or (fp is not None and _unchanged(old, rel, fp)):
            continue
        dest = rel if rel not in taken and not os.path.lexists(target / rel) else None
        dest = dest or _free_name(rel, "kept", taken)
        taken.add(dest)
        (target / dest).parent.mkdir(parents=True, exist_ok=True)
        os.rename(old / rel, target / dest)
    for rel in empty:
        (target / rel).mkdir(parents=True, exist_ok=True)
    _remove(old)


def _recover(target: Path) -> bool:
    """Undo what an interrupted swap left (the caller holds the lock); True if restored."""
    restored = False
    olds = [p for p in _siblings(target, _OLD) if _is_real_dir(p) and folder_kind(p)]
    olds.sort(key=_age)
    if olds and not os.path.lexists(target):
        olds.pop().rename(target)
        restored = True
    for old in olds:
        _retire(old, target)
    for stale in _siblings(target, _STAGING):
        if _is_real_dir(stale) and _read_marker(stale) is not None:
            _remove(stale)
    return restored


def restore(target: str | Path, *, wait: float = 2.0) -> bool:
    """Put back a folder that an interrupted swap left aside; call before reading a folder.

    After a ``kill -9`` between the two renames of a swap, ``NAME`` is missing and the
    previous folder is complete as ``.NAME.old-PID``: it is renamed back, and staging
    folders left by killed commands (``.NAME.partial-PID`` with our marker) are removed.
    Costs one directory listing when there is nothing to do; never waits for a long
    command: when another process holds the folder's lock it is writing, and its swap takes
    microseconds, so this waits at most `wait` seconds for ``NAME`` to reappear.

    Parameters
    ----------
    target
        The folder about to be read (a run, area or intake folder).
    wait
        Seconds to wait for a swap in progress elsewhere.

    Returns
    -------
    bool
        Whether the folder was put back.
    """
    target = Path(target)
    if not _siblings(target, _OLD) and not _siblings(target, _STAGING):
        return False
    try:
        with locked(target, 0.0):
            return _recover(target)
    except RunLockedError:  # a writer is at work: wait for its swap to complete
        deadline = time.monotonic() + wait
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return False
    except OSError:  # no lock can be taken here (a read-only place): nothing can be moved
        return False


# --- staging and swapping --------------------------------------------------------------------


def _kept_files(carried: dict[str, str]) -> list[str]:
    """The kept files worth naming (not empty folders, not our own record of loose files)."""
    return sorted(k for k in carried if not k.endswith("/") and not k.endswith(FILES_MARKER))


@dataclass
class Stage:
    """A staging folder that becomes `target` on :meth:`commit` (see :func:`staged`).

    Attributes
    ----------
    target
        The output folder.
    kind
        One of :data:`KINDS`.
    path
        The staging folder ``.NAME.partial-PID`` next to `target`: write the outputs here.
    """

    target: Path
    kind: str
    path: Path
    _carried: dict[str, str] | None = field(default=None, repr=False)
    committed: bool = False

    def carry_over(self) -> list[str]:
        """Bring what the previous command did not write into the staging folder.

        Every file, symlink and empty folder of `target` that is not a file the command
        that made it wrote (unchanged since) is hard-linked (else copied) into the staging
        folder at the same place; a file it wrote that was edited since is kept as
        ``NAME.edited.EXT``, and a file of the user's whose name the new outputs now use as
        ``NAME.kept.EXT`` (numbered ``-2``, ``-3`` … when taken). Call it after every
        output is written. Idempotent.

        Returns
        -------
        list of str
            The kept files, relative to the folder, as they will be named (sorted).

        Raises
        ------
        OutputRefusedError
            If `target` is no longer a folder of ours (replaced while the command ran).
        """
        if self._carried is not None:
            return _kept_files(self._carried)
        carried: dict[str, str] = {}
        if _is_real_dir(self.target) and any(self.target.iterdir()):
            record = _record(self.target)
            if record is None or record.kind != self.kind:
                check_folder(self.target, self.kind)  # raises: it changed while we ran
                raise _refuse(
                    f"{self.target}: changed while writing; nothing was changed / "
                    f"写入期间该文件夹被改动，未作任何改动"
                )
            files, empty = _entries(self.target)
            staged_files = _entries(self.path)[0]
            taken = set(staged_files) | set(files)
            plan: list[tuple[str, str | None]] = []
            for rel in files:
                fp = record.files.get(rel)
                if fp is not None and _unchanged(self.target, rel, fp):
                    continue
                tag = "edited" if fp is not None else ("kept" if rel in staged_files else None)
                plan.append((rel, tag))
            for rel, tag in plan:
                dest = rel if tag is None else _free_name(rel, tag, taken)
                taken.add(dest)
                try:
                    _link_or_copy(self.target / rel, self.path / dest)
                except (FileExistsError, NotADirectoryError):  # a path the outputs now use
                    dest = _free_name(PurePosixPath(rel).name, "kept", taken)
                    taken.add(dest)
                    _link_or_copy(self.target / rel, self.path / dest)
                carried[dest] = rel
            for rel in empty:
                if not (self.path / rel).exists():
                    (self.path / rel).mkdir(parents=True)
                    carried[rel + "/"] = rel + "/"
        self._carried = carried
        return _kept_files(carried)

    def commit(self) -> list[str]:
        """Mark the staging folder and swap it in for `target` (two renames).

        Returns
        -------
        list of str
            The kept files (:meth:`carry_over`).
        """
        kept = self.carry_over()
        carried = self._carried or {}
        files, _ = _entries(self.path)
        written = {rel: fingerprint(self.path / rel) for rel in files if rel not in carried}
        marker = _marker_text(self.kind, written, carried, "complete")
        _write_text(self.path / MARKER, marker, f"{MARKER}.tmp")
        self._swap()
        return kept

    def _swap(self) -> None:
        """``NAME`` -> ``.NAME.old-PID``, staging -> ``NAME``, then retire the old folder.

        Between the two renames ``NAME`` does not exist; a kill there is undone by
        :func:`restore`. A failed second rename puts the old folder back at once.
        """
        target = self.target
        old = target.parent / f".{target.name}{_OLD}{os.getpid()}"
        if _is_real_dir(target) and not any(target.iterdir()):
            try:
                target.rmdir()  # an empty folder: nothing to keep
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                raise _refuse(
                    f"{target}: files appeared in it while writing; nothing was changed / "
                    f"写入期间该文件夹中出现了文件，未作任何改动"
                ) from exc
        if os.path.lexists(target):
            target.rename(old)
        try:
            self.path.rename(target)
        except BaseException:
            if old.exists() and not os.path.lexists(target):
                old.rename(target)
            raise
        self.committed = True
        if old.exists():
            # the new folder is in place; a failure here leaves .NAME.old-PID, which the next
            # command on this folder retires (restore), so it is not an error of this one
            with contextlib.suppress(OSError):
                _retire(old, target)

    def discard(self) -> None:
        """Remove the staging folder (it is ours: our name, made by this process)."""
        if _is_real_dir(self.path):
            _remove(self.path)


@contextlib.contextmanager
def staged(
    target: str | Path,
    kind: str,
    *,
    inputs: Iterable[str | Path] = (),
    wait: float = 0.0,
) -> Iterator[Stage]:
    """Write a `kind` folder at `target` through a staging folder, under the folder's lock.

    Checks `target` (:func:`check_folder`) before anything else, takes the lock, restores
    what an interrupted swap left (:func:`restore`), checks again, and yields a
    :class:`Stage` whose ``path`` is a fresh staging folder. The caller writes its outputs
    there and calls :meth:`Stage.commit`; leaving the block without committing (an error)
    removes the staging folder and leaves `target` as it was.

    Parameters
    ----------
    target
        The output folder.
    kind
        One of :data:`KINDS`.
    inputs
        Every input file or folder of the command (none may be inside `target`).
    wait
        Seconds to wait for another command writing into `target`.

    Raises
    ------
    OutputRefusedError, RunLockedError, OutputError
        See :func:`check_folder` and :func:`locked`.
    """
    target = Path(os.path.normpath(target))
    inputs = list(inputs)
    check_folder(target, kind, inputs=inputs)
    with locked(target, wait, kind=kind):
        _recover(target)
        check_folder(target, kind, inputs=inputs)
        path = target.parent / f".{target.name}{_STAGING}{os.getpid()}"
        if _is_real_dir(path) and _read_marker(path) is not None:
            _remove(path)
        stage = Stage(target, kind, path)
        try:
            path.mkdir()
            (path / MARKER).write_text(_marker_text(kind, {}, {}, "staging"), encoding="utf-8")
            yield stage
        finally:
            if not stage.committed:
                with contextlib.suppress(OSError):
                    stage.discard()


# --- files in a folder trafficprev did not make ------------------------------------------------


def _file_record(folder: Path) -> dict[str, Any]:
    marker = _read_marker(folder, FILES_MARKER)
    files = marker.get("files") if marker else None
    return dict(files) if isinstance(files, dict) else {}


def check_files(paths: Iterable[str | Path], *, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse to write any of `paths` over a file trafficprev did not write there.

    A path may be new, or a file this kind of command wrote there before (recorded in the
    folder's :data:`FILES_MARKER`) and unchanged since. It may not be an input.

    Raises
    ------
    OutputRefusedError
        For the first path refused, with one line.
    """
    sources = [_resolved(p) for p in inputs]
    for p in map(Path, paths):
        if _resolved(p) in sources:
            raise _refuse(
                f"{p}: is an input of this command; write the output under another name / "
                f"输出文件与输入文件相同，请换一个文件名"
            )
        if not os.path.lexists(p):
            continue
        fp = _file_record(p.parent).get(p.name)
        if p.is_symlink() or not p.is_file() or fp is None or not _unchanged(p.parent, p.name, fp):
            raise _refuse(
                f"{p}: already exists and is not a file trafficprev wrote there (or it was "
                f"edited since); nothing was written. Give another name or move the file away "
                f"/ 文件已存在且不是本程序写出的（或已被修改），未作任何改动；"
                f"请换一个文件名或先移走该文件"
            )


def write_file(
    path: str | Path, write: Callable[[Path], object], *, inputs: Iterable[str | Path] = ()
) -> Path:
    """Write one named file into a folder atomically, only over a file we wrote there.

    Parameters
    ----------
    path
        The file to write (its folder is created).
    write
        Called with a temporary path in the same folder (same suffix); writes the content.
    inputs
        Input files of the command (refused as `path`).

    Returns
    -------
    pathlib.Path
        `path`, now holding the new content and recorded in its folder's
        :data:`FILES_MARKER`.

    Raises
    ------
    OutputRefusedError
        See :func:`check_files`.
    """
    path = Path(path)
    check_files([path], inputs=inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, write)
    files = _file_record(path.parent)
    files[path.name] = fingerprint(path)
    data = {"made_by": _MADE_BY, "format": _FORMAT, "kind": "files", "version": _version()}
    data["files"] = dict(sorted(files.items()))
    text = json.dumps(data, ensure_ascii=False, indent=1)
    _write_text(path.parent / FILES_MARKER, text, f".{FILES_MARKER}.tmp-{os.getpid()}")
    return path
