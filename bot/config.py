"""Settings, read in one place from the environment (../shared/CONTRACT.md)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
LOOKUPS_DIR = DATA_DIR / "lookups"
MODELS_DIR = PROJECT_ROOT / "models"
SPACY_PIPELINE_DIR = MODELS_DIR / "spacy_intake"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/intake.db"
    tracker_store_url: str = "sqlite:///var/tracker.db"
    redis_url: str | None = None
    twilio_auth_token: str | None = None
    practice_name: str = "our practice"
    outbox_dir: str = "var/outbox"


def get_settings() -> Settings:
    """Reads the environment each call, so tests can change it per test."""
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or Settings.database_url,
        tracker_store_url=env.get("TRACKER_STORE_URL") or Settings.tracker_store_url,
        redis_url=env.get("REDIS_URL") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        practice_name=env.get("PRACTICE_NAME") or Settings.practice_name,
        outbox_dir=env.get("INTAKE_OUTBOX_DIR") or Settings.outbox_dir,
    )


def latest_model_path(models_dir: Path = MODELS_DIR) -> Path | None:
    """The newest trained Rasa model archive, or None before the first training."""
    archives = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None
