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


#: The production profile's databases when DATABASE_URL / TRACKER_STORE_URL are unset.
PROD_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class ProdSettings:
    """The production profile (`make prod`, bot/prod, README "Production"): where nginx
    listens, the servers behind it (loopback only), nginx's limits, the shared stores."""
    #: the public name: in the URLs, the widget's origin and the self-signed certificate
    host: str = "localhost"
    #: the address nginx listens on (every interface: it is the one public face)
    listen: str = "0.0.0.0"
    https_port: int = 8443
    #: plain HTTP, which only redirects to HTTPS
    http_port: int = 8080
    rasa_ports: tuple[int, ...] = (5006, 5007)
    action_ports: tuple[int, ...] = (5056, 5057)
    #: nginx on loopback in front of the action servers: the Rasa servers' one action URL
    action_balancer_port: int = 5058
    web_port: int = 8001
    web_workers: int = 2
    database_url: str = f"{PROD_POSTGRES}/intake_prod"
    tracker_store_url: str = f"{PROD_POSTGRES}/tracker_prod"
    redis_url: str = "redis://127.0.0.1:6379/0"
    #: a real certificate and key (PEM); unset: a self-signed one made under var/prod/tls
    tls_cert: str | None = None
    tls_key: str | None = None
    #: nginx's per-client limits (requests per second, burst); past them 429
    chat_rate: str = "10r/s"
    chat_burst: int = 20
    sms_rate: str = "30r/s"
    sms_burst: int = 60
    web_rate: str = "20r/s"
    web_burst: int = 60
    connections_per_client: int = 50
    #: client addresses (CIDR) nginx does not limit, e.g. a monitoring host
    rate_exempt: tuple[str, ...] = ()
    #: proxies in front of nginx (CIDR) whose X-Forwarded-For names the client
    trusted_proxies: tuple[str, ...] = ()
    #: the largest request body nginx passes on (413 past it)
    max_body: str = "64k"
    #: Strict-Transport-Security max-age; None: a year with a configured certificate, none
    #: with the self-signed one (HSTS on localhost would stick to every local port)
    hsts_seconds: int | None = None
    workdir: str = "var/prod"
    nginx: str = "nginx"
    #: the user of nginx's worker processes when it is started as root
    nginx_user: str = "www-data"

    @property
    def public_url(self) -> str:
        port = "" if self.https_port == 443 else f":{self.https_port}"
        return f"https://{self.host}{port}"


def _words(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").replace(",", " ").split())


def get_prod_settings() -> ProdSettings:
    """The production profile's settings from the environment (PROD_*, WEB_WORKERS and the
    contract's DATABASE_URL, TRACKER_STORE_URL, REDIS_URL, whose defaults here are PostgreSQL
    and Redis on this machine)."""
    env, d = os.environ, ProdSettings
    number = lambda name, default: int(env.get(name) or default)  # noqa: E731
    ports = lambda name, default: tuple(int(p) for p in _words(env.get(name))) or default  # noqa: E731
    hsts = env.get("PROD_HSTS_SECONDS")
    return ProdSettings(
        host=env.get("PROD_HOST") or d.host,
        listen=env.get("PROD_LISTEN") or d.listen,
        https_port=number("PROD_HTTPS_PORT", d.https_port),
        http_port=number("PROD_HTTP_PORT", d.http_port),
        rasa_ports=ports("PROD_RASA_PORTS", d.rasa_ports),
        action_ports=ports("PROD_ACTION_PORTS", d.action_ports),
        action_balancer_port=number("PROD_ACTION_BALANCER_PORT", d.action_balancer_port),
        web_port=number("PROD_WEB_PORT", d.web_port),
        web_workers=number("WEB_WORKERS", d.web_workers),
        database_url=env.get("DATABASE_URL") or d.database_url,
        tracker_store_url=env.get("TRACKER_STORE_URL") or d.tracker_store_url,
        redis_url=env.get("REDIS_URL") or d.redis_url,
        tls_cert=env.get("PROD_TLS_CERT") or None,
        tls_key=env.get("PROD_TLS_KEY") or None,
        chat_rate=env.get("PROD_CHAT_RATE") or d.chat_rate,
        chat_burst=number("PROD_CHAT_BURST", d.chat_burst),
        sms_rate=env.get("PROD_SMS_RATE") or d.sms_rate,
        sms_burst=number("PROD_SMS_BURST", d.sms_burst),
        web_rate=env.get("PROD_WEB_RATE") or d.web_rate,
        web_burst=number("PROD_WEB_BURST", d.web_burst),
        connections_per_client=number("PROD_CONNECTIONS_PER_CLIENT", d.connections_per_client),
        rate_exempt=_words(env.get("PROD_RATE_EXEMPT")),
        trusted_proxies=_words(env.get("PROD_TRUSTED_PROXIES")),
        max_body=env.get("PROD_MAX_BODY") or d.max_body,
        hsts_seconds=int(hsts) if hsts else None,
        workdir=env.get("PROD_WORKDIR") or d.workdir,
        nginx=env.get("NGINX") or d.nginx,
        nginx_user=env.get("PROD_NGINX_USER") or d.nginx_user,
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
