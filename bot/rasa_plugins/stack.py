"""Starts the real servers as processes, `rasa run` and `rasa run actions`: for tests, the
benchmark and the simulator."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, root: Path, model: Path, workdir: Path, env: dict | None = None):
        self.root, self.model, self.workdir = Path(root), Path(model), Path(workdir)
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.database_url = f"sqlite:///{self.workdir / 'intake.db'}"
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "DATABASE_URL": self.database_url,
            "TRACKER_STORE_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
            "INTAKE_OUTBOX_DIR": str(self.workdir / "outbox"),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            # the action server answers on this machine only (rasa-sdk reads SANIC_HOST)
            "SANIC_HOST": "127.0.0.1",
            **(env or {}),
        }
        self.processes: list[subprocess.Popen] = []

    @property
    def api_token(self) -> str:
        """The Rasa HTTP API's token (bot.config.rasa_api_token, as the server reads it)."""
        if self.env.get("RASA_API_TOKEN"):
            return self.env["RASA_API_TOKEN"]
        from bot.config import rasa_api_token

        return rasa_api_token(self.root / "var" / "rasa_api_token")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _bin(self, name: str) -> str:
        return str(self.root / ".venv" / "bin" / name)

    def start(self) -> "Stack":
        run = lambda *cmd: subprocess.run(cmd, cwd=self.root, env=self.env, check=True,
                                          capture_output=True)
        run(self._bin("python"), "-m", "bot", "db-upgrade")
        endpoints = self.workdir / "endpoints.yml"
        run(self._bin("python"), "-m", "bot", "endpoints", "--out", str(endpoints))
        log = open(self.workdir / "actions.log", "wb")
        self.processes.append(subprocess.Popen(
            [self._bin("rasa"), "run", "actions", "--actions", "actions",
             "--port", str(self.actions_port)],
            cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
        log = open(self.workdir / "rasa.log", "wb")
        self.processes.append(subprocess.Popen(
            [self._bin("python"), "-m", "bot.rasa_plugins.rasa_server", "run", "--enable-api",
             "--port", str(self.rasa_port),
             "--model", str(self.model), "--endpoints", str(endpoints),
             "--credentials", str(self.root / "credentials.yml")],
            cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 180) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                status = requests.get(f"{self.url}/status", timeout=2,
                                      params={"token": self.api_token})
                health = requests.get(f"http://127.0.0.1:{self.actions_port}/health", timeout=2)
                if status.ok and status.json().get("model_file") and health.ok:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"a server exited; see logs in {self.workdir}")
            time.sleep(0.5)
        raise TimeoutError(f"servers not ready in {timeout} s; see logs in {self.workdir}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    process.kill()
        self.processes.clear()

    def __enter__(self) -> "Stack":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def say(self, sender: str, message: str) -> list[dict]:
        response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()

    def new_sender(self) -> str:
        return f"test-{uuid.uuid4().hex[:10]}"
