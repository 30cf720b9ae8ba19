"""Writes Rasa's endpoints file from the environment (../shared/CONTRACT.md).

A generated file, because the Redis lock store is there only when REDIS_URL is set. On
PostgreSQL the tracker store's URL carries the statement timeout and `sslmode` of
bot.storage.db (DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_SSLMODE): Rasa builds that engine
from the URL alone. The lock store is Rasa's Redis one with atomic tickets
(bot.rasa_plugins.lock_store).
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import yaml

from bot.config import get_settings
from bot.storage.db import url_with_postgres_options

LOCK_STORE = "bot.rasa_plugins.lock_store.AtomicRedisLockStore"


def endpoints_config() -> dict:
    settings = get_settings()
    config = {
        "action_endpoint": {"url": os.environ.get("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")},
        # Rasa's SQL tracker store and tables, reading a conversation once (tracker_store.py)
        "tracker_store": {"type": "bot.rasa_plugins.tracker_store.IntakeTrackerStore",
                          "url": url_with_postgres_options(settings.tracker_store_url)},
    }
    if settings.redis_url:
        redis = urlparse(settings.redis_url)
        config["lock_store"] = {
            "type": LOCK_STORE, "url": redis.hostname or "localhost", "port": redis.port or 6379,
            "db": int((redis.path or "/0").strip("/") or 0),
            **({"username": redis.username} if redis.username else {}),
            **({"password": redis.password} if redis.password else {}),
            **({"use_ssl": True} if redis.scheme == "rediss" else {}),  # managed Redis, TLS
        }
    return config


def write_endpoints(out: str | Path = "var/endpoints.yml") -> Path:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = endpoints_config()
    tracker_url = config["tracker_store"]["url"]
    if tracker_url.startswith("sqlite:///"):
        Path(tracker_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
