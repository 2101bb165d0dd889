"""The persistent geocode cache: round trips, area versions, damage, kills, concurrency."""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from trafficprev._errors import TrafficPrevWarning
from trafficprev.geocode import _cache
from trafficprev.geocode._cache import CacheWarning, GeocodeCache
from trafficprev.geocode._review import text_hash

PAYLOAD = {
    "lon": 111.69012345678901,
    "lat": 0.1 + 0.2,
    "match_level": "intersection",
    "confidence": 1e-300,
    "matched_road": "人民路",
    "matched_cross_road": None,
    "reason": "路口 intersection",
    "candidates": [[111.7, 29.0, "人民路", None]],
}


def _fill(path: Path, version: str = "v1", n: int = 0) -> None:
    with GeocodeCache(path, version) as cache:
        cache.put_many({"人民路与洞庭大道交叉口": PAYLOAD})
        if n:
            cache.put_many({f"路{i}": {"i": i, "pad": "x" * 200} for i in range(n)})


def test_round_trip_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "geocode.sqlite"
    with GeocodeCache(path, "v1") as cache:
        n = cache.put_many(
            {
                "人民路与洞庭大道交叉口": PAYLOAD,
                "不知道": {"lon": np.float64("nan"), "lat": float("nan"), "n": np.int64(3)},
            }
        )
        assert n == 2
    with GeocodeCache(path, "v1") as cache:
        # raw texts are normalised before the lookup; results keyed by the text given
        got = cache.get_many(["人民路 与洞庭大道交叉口", "不知道", "新地点"])
        assert set(got) == {"人民路 与洞庭大道交叉口", "不知道"}
        assert got["人民路 与洞庭大道交叉口"] == PAYLOAD
        assert got["人民路 与洞庭大道交叉口"]["lat"] == 0.1 + 0.2  # bit for bit
        assert got["人民路 与洞庭大道交叉口"]["confidence"] == 1e-300
        assert math.isnan(got["不知道"]["lon"]) and got["不知道"]["n"] == 3
        assert cache.stats == {"hits": 2, "misses": 1, "written": 0}
        assert len(cache) == 2
        assert cache.persistent


def test_payload_is_deterministic_json(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _fill(path)
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT area_version, text_key, text_hash, payload FROM geocode")
        (version, key, hashed, payload) = rows.fetchone()
    conn.close()
    assert (version, key) == ("v1", "人民路与洞庭大道交叉口")
    assert hashed == text_hash(key)
    assert payload == json.dumps(PAYLOAD, sort_keys=True, ensure_ascii=False)


def test_other_area_versions_ignored_and_pruned(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _fill(path, "v1")
    with GeocodeCache(path, "v2") as cache:
        assert cache.get_many(["人民路与洞庭大道交叉口"]) == {}
        assert cache.stats["misses"] == 1
        cache.put_many({"人民路与洞庭大道交叉口": {"lon": 1.0}})
        assert cache.get_many(["人民路与洞庭大道交叉口"]) == {
            "人民路与洞庭大道交叉口": {"lon": 1.0}
        }
        assert cache.prune() == 1
        assert cache.prune() == 0
    with GeocodeCache(path, "v1") as cache:
        assert len(cache) == 0


def test_put_many_is_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with GeocodeCache(path, "v1") as cache:
        with pytest.raises(TypeError, match="cannot store"):
            cache.put_many({"a": {"x": 1}, "b": {"x": object()}})
        with pytest.raises(TypeError, match="must be a mapping"):
            cache.put_many({"a": [1, 2]})  # type: ignore[dict-item]
        assert len(cache) == 0
    with pytest.raises(ValueError, match="area_version"):
        GeocodeCache(path, "")


def test_many_keys_in_chunks(tmp_path: Path) -> None:
    with GeocodeCache(tmp_path / "c.sqlite", "v1") as cache:
        cache.put_many({f"路{i}": {"i": i} for i in range(1234)})
        got = cache.get_many(f"路{i}" for i in range(0, 2000))
        assert len(got) == 1234 and got["路1000"] == {"i": 1000}
        assert cache.stats["hits"] == 1234 and cache.stats["misses"] == 766


# ---------------------------------------------------------------- damage


def test_random_bytes_rebuilt_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.warns(CacheWarning, match="damaged") as record:
        cache = GeocodeCache(path, "v1")
    assert issubclass(record[0].category, TrafficPrevWarning)
    assert (tmp_path / "c.sqlite.corrupt-1").read_bytes()[:16] != b"SQLite format 3\x00"
    assert cache.get_many(["人民路与洞庭大道交叉口"]) == {}
    cache.put_many({"a": {"x": 1}})
    cache.close()
    # a second damaged file goes to the next free name
    path.write_bytes(b"not a database at all" * 100)
    with pytest.warns(CacheWarning, match="corrupt-2"):
        GeocodeCache(path, "v1").close()
    assert (tmp_path / "c.sqlite.corrupt-2").exists()
    assert (tmp_path / "c.sqlite.corrupt-1").exists()


def test_truncated_database_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _fill(path, n=3000)
    size = path.stat().st_size
    assert size > 100_000
    with path.open("r+b") as f:
        f.truncate(size // 2)
    with pytest.warns(CacheWarning, match="damaged"):
        cache = GeocodeCache(path, "v1")
    with cache:
        assert cache.get_many(["人民路与洞庭大道交叉口", "路5"]) == {}
        assert len(cache) == 0
    assert (tmp_path / "c.sqlite.corrupt-1").stat().st_size == size // 2


def test_foreign_database_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    with pytest.warns(CacheWarning, match="not a trafficprev geocode cache"):
        GeocodeCache(path, "v1").close()
    assert (tmp_path / "c.sqlite.corrupt-1").exists()


def test_empty_file_is_a_fresh_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"")
    with GeocodeCache(path, "v1") as cache:  # no warning (warnings are errors here)
        assert len(cache) == 0


# ---------------------------------------------------------------- processes


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_kill_mid_write_leaves_old_state(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with GeocodeCache(path, "v1") as cache:
        cache.put_many({f"路{i}": {"i": -1} for i in range(100)})
    script = """
        import os, signal, sys
        from trafficprev.geocode._cache import GeocodeCache
        cache = GeocodeCache(sys.argv[1], "v1")
        cache._conn.execute("PRAGMA cache_size = 5")  # spill pages to the file mid-write
        steps = 0
        def handler():
            global steps
            if cache._conn.in_transaction:
                steps += 1
                if steps > 2000:
                    os.kill(os.getpid(), signal.SIGKILL)
            return 0
        cache._conn.set_progress_handler(handler, 100)
        cache.put_many({f"路{i}": {"i": i, "pad": "x" * 300} for i in range(20000)})
        print("finished")
    """
    done = _run(script, str(path))
    assert done.returncode == -9, done.stderr
    assert "finished" not in done.stdout
    assert Path(f"{path}-journal").exists()  # the file was changed mid-write
    with GeocodeCache(path, "v1") as cache:  # no warning: rolled back, not damaged
        assert len(cache) == 100
        got = cache.get_many(["路0", "路99", "路100"])
        assert got == {"路0": {"i": -1}, "路99": {"i": -1}}


def test_second_process_reads_while_first_writes(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    batch, batches = 1000, 8
    reader = GeocodeCache(path, "v1")
    script = """
        import sys
        from trafficprev.geocode._cache import GeocodeCache
        batch, batches = int(sys.argv[2]), int(sys.argv[3])
        with GeocodeCache(sys.argv[1], "v1") as cache:
            for b in range(batches):
                cache.put_many({f"{b}-{i}": {"b": b, "i": i} for i in range(batch)})
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(path), str(batch), str(batches)],
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            n = len(reader)
            seen.add(n)
            assert n % batch == 0, f"a reader saw a half-written batch: {n} entries"
            got = reader.get_many([f"{b}-{i}" for b in range(batches) for i in (0, batch - 1)])
            for b in range(batches):  # each batch is there whole or not at all
                assert (f"{b}-0" in got) == (f"{b}-{batch - 1}" in got)
            if proc.poll() is not None:
                break
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(reader) == batch * batches
    reader.close()


# ---------------------------------------------------------------- read-only locations


def test_read_only_directory_falls_back_to_memory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod does not stop root from writing")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "c.sqlite"
    _fill(path)
    before = path.read_bytes()
    folder.chmod(0o555)
    try:
        with pytest.warns(CacheWarning, match="cannot be written"):
            cache = GeocodeCache(path, "v1")
        with cache:
            assert not cache.persistent
            assert cache.get_many(["人民路与洞庭大道交叉口"]) == {"人民路与洞庭大道交叉口": PAYLOAD}
            cache.put_many({"新地点": {"x": 1}})
            assert cache.get_many(["新地点"]) == {"新地点": {"x": 1}}
        assert path.read_bytes() == before
    finally:
        folder.chmod(0o755)


def test_unwritable_location_falls_back_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # works as root too: the write check is what decides
    path = tmp_path / "c.sqlite"
    _fill(path)
    before = path.read_bytes()
    monkeypatch.setattr(_cache.os, "access", lambda *a, **k: False)
    with pytest.warns(CacheWarning, match=r"in memory .*1 entries read"):
        cache = GeocodeCache(path, "v1")
    with cache:
        assert not cache.persistent
        assert "in memory" in repr(cache)
        assert cache.get_many(["人民路与洞庭大道交叉口"]) == {"人民路与洞庭大道交叉口": PAYLOAD}
        cache.put_many({"新地点": {"x": 1}})
        assert len(cache) == 2
    assert path.read_bytes() == before


def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.warns(CacheWarning, match="cannot be written"):
        cache = GeocodeCache(blocker / "sub" / "c.sqlite", "v1")
    with cache:
        cache.put_many({"a": {"x": 1}})
        assert cache.get_many(["a"]) == {"a": {"x": 1}}
