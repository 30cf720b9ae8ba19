"""Settings, read in one place from the environment (../shared/CONTRACT.md)."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
LOOKUPS_DIR = DATA_DIR / "lookups"
MODELS_DIR = PROJECT_ROOT / "models"
SPACY_PIPELINE_DIR = MODELS_DIR / "spacy_intake"
VAR_DIR = PROJECT_ROOT / "var"
#: Where the project's secret is kept when WEB_SECRET_KEY is not set (made on first use).
SECRET_KEY_FILE = VAR_DIR / "web_secret_key"
RASA_API_TOKEN_FILE = VAR_DIR / "rasa_api_token"
TWILIO_API_BASE = "https://api.twilio.com"
#: Sites allowed to embed the chat widget: the demo page of `make run` (web app on :8000).
WIDGET_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/intake.db"
    tracker_store_url: str = "sqlite:///var/tracker.db"
    redis_url: str | None = None
    twilio_auth_token: str | None = None
    sms_public_url: str | None = None
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base: str = TWILIO_API_BASE
    practice_name: str = "our practice"
    outbox_dir: str = "var/outbox"
    #: origins (scheme://host[:port]) of the pages that embed the widget; the web app's CORS
    #: and the socket.io channel accept these only
    widget_origins: tuple[str, ...] = WIDGET_ORIGINS
    #: where the widget's browser reaches Rasa's socket.io channel; unset: the web app's own
    #: host on port 5005
    widget_socket_url: str | None = None
    #: the `data-practice` value of the widget's script tag
    practice_id: str = "main-street"
    #: PostgreSQL only: a statement running longer is cancelled (0: no limit), and the
    #: `sslmode` of connections whose URL does not name one (bot.storage.db)
    database_statement_timeout_ms: int = 5000
    database_sslmode: str = "prefer"
    #: the web app's per-client limits (bot.web.limits): every request, and new widget
    #: sessions and staff sign-ins; counted in Redis when set, else in the process
    web_rate_limit: str = "300/minute"
    web_sensitive_rate_limit: str = "30/minute"
    web_rate_limit_storage: str | None = None
    #: proxies in front of the web app whose X-Forwarded-For/-Proto it believes (nginx: 1)
    web_proxy_hops: int = 0


def get_settings() -> Settings:
    """Reads the environment each call, so tests can change it per test."""
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or Settings.database_url,
        tracker_store_url=env.get("TRACKER_STORE_URL") or Settings.tracker_store_url,
        redis_url=env.get("REDIS_URL") or None,
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
        sms_public_url=env.get("SMS_PUBLIC_URL") or None,
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
        twilio_api_base=(env.get("TWILIO_API_BASE") or TWILIO_API_BASE).rstrip("/"),
        practice_name=env.get("PRACTICE_NAME") or Settings.practice_name,
        outbox_dir=env.get("INTAKE_OUTBOX_DIR") or Settings.outbox_dir,
        widget_origins=tuple(o.rstrip("/") for o in (env.get("WIDGET_ORIGINS") or "").replace(
            ",", " ").split()) or WIDGET_ORIGINS,
        widget_socket_url=(env.get("WIDGET_SOCKET_URL") or "").rstrip("/") or None,
        practice_id=env.get("PRACTICE_ID") or Settings.practice_id,
        database_statement_timeout_ms=int(env.get("DATABASE_STATEMENT_TIMEOUT_MS") or
                                          Settings.database_statement_timeout_ms),
        database_sslmode=env.get("DATABASE_SSLMODE") or Settings.database_sslmode,
        web_rate_limit=env.get("WEB_RATE_LIMIT") or Settings.web_rate_limit,
        web_sensitive_rate_limit=(env.get("WEB_SENSITIVE_RATE_LIMIT")
                                  or Settings.web_sensitive_rate_limit),
        web_rate_limit_storage=(env.get("WEB_RATE_LIMIT_STORAGE") or env.get("REDIS_URL")
                                or None),
        web_proxy_hops=int(env.get("WEB_PROXY_HOPS") or 0),
    )


def web_secret_key(path: Path = SECRET_KEY_FILE) -> str:
    """The project's secret: WEB_SECRET_KEY, else the one kept in var/, made on first use.

    Changing it starts new SMS conversations (their ids are keyed hashes of the number) and
    signs everyone out.
    """
    return kept_secret("WEB_SECRET_KEY", path)


def rasa_api_token(path: Path = RASA_API_TOKEN_FILE) -> str:
    """The token of Rasa's HTTP API: RASA_API_TOKEN, else the one kept in var/. The API is
    never open without it (bot.rasa_plugins.rasa_server), and answers on loopback only."""
    return kept_secret("RASA_API_TOKEN", path)


def kept_secret(variable: str, path: Path) -> str:
    """The environment's value, else the one kept in `path`, made on first use.

    Created with O_EXCL, readable by its owner only, so servers starting together agree on
    one value (the loser of the race reads the winner's).
    """
    configured = os.environ.get(variable)
    if configured:
        return configured
    try:
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it right now
            existing = path.read_text(encoding="utf-8").strip()
            if existing:
                return existing
            time.sleep(0.02)
        raise RuntimeError(f"{path} exists but is empty; delete it to make a new key")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def latest_model_path(models_dir: Path = MODELS_DIR) -> Path | None:
    """The newest trained Rasa model archive, or None before the first training."""
    archives = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None
