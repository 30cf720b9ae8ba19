"""The trained Rasa model, loaded once, for parsing text outside a conversation."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.config import latest_model_path

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


class NluParser:
    """Parses messages with the trained model's NLU pipeline (the conversation's own)."""

    def __init__(self, model_path: Path | str | None = None):
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # Rasa's debug events carry the message text and entities: health details stay
        # out of logs, so only warnings and errors are let through.
        configure_structlog(logging.WARNING)
        logging.getLogger("rasa").setLevel(logging.WARNING)

        path = Path(model_path) if model_path else latest_model_path()
        if path is None or not path.exists():
            raise FileNotFoundError("No trained model in models/: run `make train` first.")
        self.model_path = path
        self._loop = asyncio.new_event_loop()
        self._agent = Agent.load(str(path))

    def parse(self, text: str) -> dict:
        return self._loop.run_until_complete(self._agent.parse_message(text))

    def close(self) -> None:
        self._loop.close()
