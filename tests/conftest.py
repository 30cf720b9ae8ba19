"""Shared fixtures: the trained model (trained once per run) and the running stack."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model; trained here only when `make test` did not already (fingerprint)."""
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "build-spacy"], cwd=ROOT, check=True)
    subprocess.run([str(ROOT / "scripts/train_if_needed.sh")], cwd=ROOT, check=True)
    return ROOT / "models" / "intake.tar.gz"


@pytest.fixture(scope="session")
def nlu_parser(trained_model):
    from bot.rasa_plugins.nlu_model import NluParser

    parser = NluParser(trained_model)
    yield parser
    parser.close()


@pytest.fixture(scope="session")
def stack(trained_model, tmp_path_factory):
    """The real Rasa server and action server on free ports with temporary SQLite files."""
    from bot.rasa_plugins.stack import Stack

    with Stack(ROOT, trained_model, tmp_path_factory.mktemp("stack")) as running:
        yield running


def this_machines_other_address() -> str | None:
    """An address of this machine that is not loopback, as another host would reach it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.123", 9))  # no packet is sent for a UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address
