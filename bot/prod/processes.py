"""One server process of the profile: started in its own process group with its log file,
asked whether it is ready, stopped (TERM, then KILL), killed (a fault test) or started again."""
from __future__ import annotations

import os
import signal
import subprocess
import time
import warnings
from pathlib import Path
from typing import Callable

import requests


class Service:
    def __init__(self, name: str, argv: list[str], env: dict, cwd: Path, log: Path,
                 ready: Callable[[], bool]):
        self.name, self.argv, self.env, self.cwd, self.log = name, argv, env, cwd, log
        self.ready = ready
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> "Service":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def is_ready(self) -> bool:
        try:
            return self.alive() and self.ready()
        except requests.RequestException:
            return False

    def kill(self) -> None:
        """SIGKILL to the whole group: a crash, no chance to finish anything."""
        self._signal(signal.SIGKILL)
        if self.process:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)  # the main process stops its own workers
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()  # whatever is left of the group

    def _signal(self, number: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_ready(services: list[Service], timeout: float) -> float:
    """Seconds until every service answers ready; a service that exits or a timeout raises
    with the end of its log."""
    started = time.monotonic()
    pending = list(services)
    while pending:
        for service in list(pending):
            if not service.alive():
                raise RuntimeError(f"{service.name} exited (log {service.log}):\n{service.tail()}")
            if service.is_ready():
                pending.remove(service)
        if not pending:
            break
        if time.monotonic() - started > timeout:
            names = ", ".join(s.name for s in pending)
            raise TimeoutError(f"not ready after {timeout:.0f} s: {names} (logs in "
                               f"{pending[0].log.parent})")
        time.sleep(0.5)
    return time.monotonic() - started


def http_ok(url: str, verify: bool | str = True, **params) -> Callable[[], bool]:
    """A readiness check: GET answers 2xx. `verify=False` only to see that TLS answers at
    all (the certificate may name the public host, not this address)."""
    def ok() -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return requests.get(url, params=params or None, timeout=2, verify=verify).ok
    return ok
