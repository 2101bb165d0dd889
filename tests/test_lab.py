"""``make lab``: JupyterLab on the notebooks, the jupytext ``.py`` notebooks opening as
notebooks, nothing fetched from the internet.

The server is started with the very command ``make -n lab`` prints (plus a port, a token,
``--no-browser`` and, as root, ``--allow-root``), with Jupyter's own config, data and runtime
folders in a temporary folder (the user's are not touched), and asked through its REST API
what a user's JupyterLab would be told: the default viewer for Python files, and what the
contents of a notebook file are.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_路段热点.py"


def _lab_command() -> list[str]:
    """The ``jupyter lab`` command of ``make -n lab``, as an argument list."""
    printed = subprocess.run(
        ["make", "-n", "-s", "lab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    line = printed.replace("\\\n", " ").splitlines()
    command = [shlex.split(x) for x in line if "jupyter lab" in x]
    assert len(command) == 1, printed
    return command[0]


def test_make_lab_installs_the_notebook_extra_and_keeps_lab_offline():
    printed = subprocess.run(
        ["make", "-n", "-B", "lab"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert 'pip install -q -e ".[notebook]"' in printed
    command = _lab_command()
    assert command[0].endswith("jupyter") and command[1] == "lab"
    options = dict(arg.split("=", 1) for arg in command[2:] if "=" in arg)
    assert options["--LabApp.app_settings_dir"] == str(ROOT / "notebooks" / "lab-settings")
    assert options["--ServerApp.root_dir"] == str(ROOT / "notebooks")
    assert options["--LabApp.news_url"] == "None"
    assert options["--LabApp.extension_manager"] == "readonly"
    assert options["--LabApp.check_for_updates_class"] == "jupyterlab.NeverCheckForUpdate"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(base: str, path: str, token: str) -> dict:
    sep = "&" if "?" in path else "?"
    url = f"{base}{urllib.parse.quote(path, safe='/:?=&@')}{sep}token={token}"
    with urllib.request.urlopen(url, timeout=10) as response:  # 127.0.0.1 only
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The JupyterLab of ``make lab``, running on 127.0.0.1 (stopped afterwards)."""
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    port, token = _free_port(), secrets.token_hex(16)
    command = _lab_command()
    command[0] = str(ROOT / ".venv" / "bin" / "jupyter")
    if not Path(command[0]).is_file():  # not the Makefile's venv: this interpreter's
        command[0] = str(Path(sys.executable).with_name("jupyter"))
    command += [
        "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "lab.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base, "/api/status", token)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text(encoding="utf-8")[-3000:]) from None
                time.sleep(0.3)
        yield base, token, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_python_files_open_as_notebooks(lab):
    base, token, _ = lab
    plugin = _get(base, "/lab/api/settings/@jupyterlab/docmanager-extension:plugin", token)
    # the override is the setting's default (what JupyterLab uses unless the user changes it
    # in its Settings editor; this fresh user has changed nothing)
    viewers = plugin["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers == {"python": "Jupytext Notebook"}
    assert "defaultViewers" not in plugin["settings"]


def test_a_notebook_file_is_served_as_a_notebook(lab):
    base, token, _ = lab
    model = _get(base, f"/api/contents/{NOTEBOOK}?type=notebook&content=1", token)
    assert model["type"] == "notebook"
    cells = model["content"]["cells"]
    assert any("parameters" in c["metadata"].get("tags", []) for c in cells)
    assert sum(c["cell_type"] == "markdown" for c in cells) >= 3


def test_the_server_fetches_nothing_from_the_internet(lab):
    """No news feed and no update check are configured: the endpoints that would fetch them
    (from jupyterlab.github.io and PyPI by default) answer empty without asking anyone."""
    base, token, _ = lab
    assert _get(base, "/lab/api/news", token).get("news", []) == []
    assert _get(base, "/lab/api/update", token).get("notification") is None
