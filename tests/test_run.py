"""What a newcomer meets: `make run` without the test tool chain, readable logs at a terminal,
Ctrl-C ending quietly (issue 13, item 9)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from laturi.observability import configure_logging

ROOT = Path(__file__).resolve().parent.parent
LATURI = Path(sys.executable).parent / "laturi"


def dry_run(target: str) -> str:
    """The commands `make <target>` would run from scratch (-B: as if nothing were built)."""
    make = shutil.which("make")
    assert make is not None
    done = subprocess.run(  # noqa: S603 - our own Makefile
        [make, "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


class TestMakefile:
    def test_make_run_installs_the_app_but_not_the_test_tool_chain(self) -> None:
        commands = dry_run("run")
        assert "pip install --quiet -e ." in commands
        assert ".[dev]" not in commands
        assert "tests/interop" not in commands
        assert "laturi serve" in commands

    def test_make_test_still_installs_everything(self) -> None:
        commands = dry_run("test")
        assert "-e '.[dev]'" in commands and "tests/interop" in commands


class TestLogs:
    def _line(self, capsys: pytest.CaptureFixture[str], readable: bool | None) -> str:
        root = logging.getLogger()
        before, level = list(root.handlers), root.level
        try:
            configure_logging("INFO", readable=readable)
            logging.getLogger("laturi.test").info("station %s connected", "EVI1")
        finally:
            root.handlers[:], root.level = before, level
        return capsys.readouterr().err.strip().splitlines()[-1]

    def test_a_terminal_gets_readable_lines(self, capsys: pytest.CaptureFixture[str]) -> None:
        line = self._line(capsys, readable=True)
        assert line.endswith("INFO    laturi.test: station EVI1 connected")
        assert not line.startswith("{")

    def test_a_service_gets_json_by_default(self, capsys: pytest.CaptureFixture[str]) -> None:
        line = self._line(capsys, readable=None)  # captured stderr is no terminal
        assert json.loads(line)["message"] == "station EVI1 connected"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestCtrlC:
    def test_serve_ends_quietly_with_status_zero(self, tmp_path: Path) -> None:
        port = _free_port()
        env = os.environ | {
            "LATURI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/laturi.db",
            "LATURI_OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        upgrade = [str(LATURI), "db", "upgrade"]
        subprocess.run(upgrade, env=env, check=True, capture_output=True)  # noqa: S603
        server = subprocess.Popen(  # noqa: S603 - our own command
            [str(LATURI), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            server.send_signal(signal.SIGINT)
            _, err = server.communicate(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
        assert server.returncode == 0, err[-2000:]
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
