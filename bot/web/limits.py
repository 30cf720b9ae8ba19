"""Per-client request limits of the web app: past them, 429 with Retry-After.

Two limits per client address, each a count per fixed window: every request
(`WEB_RATE_LIMIT`, default 300 a minute: a page of the widget is about six requests), and the
requests that create something or guess a password (`WEB_SENSITIVE_RATE_LIMIT`, default 30 a
minute: a new widget session, a staff sign-in; the sign-in also has its own throttle per
account in the database). In production nginx limits first (deploy/nginx.conf.j2); these
hold in every profile, also with the web app reached directly.

The counts live in Redis when `WEB_RATE_LIMIT_STORAGE` (else `REDIS_URL`) is set, so every
gunicorn worker and every web server counts together; otherwise in the process (one dev
server). When Redis does not answer, requests are let through and that is logged once a
minute: the limits guard against abuse, they are not worth an outage.

The client is `request.remote_addr`. Behind a proxy that is the proxy, so with
`WEB_PROXY_HOPS=N` the address comes from the X-Forwarded-For that N proxies (nginx: 1) set
(werkzeug's ProxyFix, which also reads X-Forwarded-Proto). Only set it when every request
comes through those proxies: the web app then listens on loopback (`make prod`).

They are on unless the app's config says `RATELIMIT_ENABLED` False; an app built for tests
(`TESTING`) has them off unless its config turns them on (tests/test_web_limits.py does).
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, request

logger = logging.getLogger(__name__)

#: (method, path) of requests that count against the sensitive limit as well
SENSITIVE = frozenset({("POST", "/widget/session"), ("POST", "/staff/login")})
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$", re.I)


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`: written "300/minute", "30 per minute", "5/10 seconds"."""
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        found = _RATE.match(text or "")
        if not found:
            raise ValueError(f"not a rate: {text!r} (e.g. '300/minute')")
        return cls(int(found.group(1)),
                   int(found.group(2) or 1) * _UNITS[found.group(3).lower()])

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds} s"


class MemoryCounter:
    """Counts in this process (a dev server, or tests)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._pruned = 0

    def hit(self, key: str, window: int, seconds: int) -> int:
        with self._lock:
            if window != self._pruned:  # drop windows that are over
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
                self._pruned = window
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
            return count


class RedisCounter:
    """Counts in Redis, shared by every process: INCR and EXPIRE in one transaction."""

    PREFIX = "intake:web-limit:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._logged = 0.0

    def hit(self, key: str, window: int, seconds: int) -> int | None:
        import redis

        name = f"{self.PREFIX}{key}:{window}"
        try:
            with self.redis.pipeline(transaction=True) as pipe:
                count, _ = pipe.incr(name).expire(name, seconds + 1).execute()
            return int(count)
        except redis.RedisError as error:
            now = time.monotonic()
            if now - self._logged > 60:
                self._logged = now
                logger.error("web rate limits: Redis does not answer (%s); requests are let "
                             "through until it does", type(error).__name__)
            return None


def init_app(app: Flask) -> None:
    from bot.config import get_settings

    settings = get_settings()
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing)
    app.config.setdefault("WEB_RATE_LIMIT", settings.web_rate_limit)
    app.config.setdefault("WEB_SENSITIVE_RATE_LIMIT", settings.web_sensitive_rate_limit)
    app.config.setdefault("WEB_RATE_LIMIT_STORAGE", settings.web_rate_limit_storage)
    app.config.setdefault("WEB_PROXY_HOPS", settings.web_proxy_hops)
    hops = int(app.config["WEB_PROXY_HOPS"] or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    storage = app.config["WEB_RATE_LIMIT_STORAGE"]
    app.extensions["web_limits"] = {
        "general": Rate.parse(app.config["WEB_RATE_LIMIT"]),
        "sensitive": Rate.parse(app.config["WEB_SENSITIVE_RATE_LIMIT"]),
        "counter": RedisCounter(storage) if storage and storage != "memory" else MemoryCounter(),
    }
    app.before_request(check_limits)


def check_limits() -> Response | None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limits = current_app.extensions["web_limits"]
    client = request.remote_addr or "unknown"
    checks = [("all", limits["general"])]
    if (request.method, request.path) in SENSITIVE:
        checks.append(("sensitive", limits["sensitive"]))
    for name, rate in checks:
        now = time.time()
        window = int(now // rate.seconds)
        count = limits["counter"].hit(f"{name}:{client}", window, rate.seconds)
        if count is not None and count > rate.count:
            retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
            return too_many(retry_after)
    return None


def too_many(retry_after: int) -> Response:
    message = "Too many requests from this address; try again in a little while."
    if request.path.startswith("/widget/"):
        response = jsonify(error="rate_limited", message=message)
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
