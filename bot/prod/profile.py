"""The whole production profile: prepared (certificate, nginx configuration, databases,
endpoints file), started, watched and stopped; used by `make prod` (bot/prod/__main__.py),
the fault tests (tests/test_prod_faults.py) and `make bench-prod` (bench/bench_prod.py).

Behind nginx, on loopback only: the Rasa servers (one Sanic worker each: socket.io keeps its
sockets in the process), the action servers behind nginx's loopback balancer (the Rasa
servers' one action URL) and the web app under gunicorn. Everything shares PostgreSQL (intake
and tracker) and Redis (Rasa's lock store, the web app's limits).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.config import PROJECT_ROOT, ProdSettings, get_prod_settings, rasa_api_token
from bot.prod import certificate, databases, nginx
from bot.prod.processes import Service, http_ok, wait_ready

#: Rasa's pool per server: 2 servers x (5 + 10) stays well inside PostgreSQL's default 100
SQL_POOL_SIZE, SQL_MAX_OVERFLOW = 5, 10


class Profile:
    def __init__(self, settings: ProdSettings | None = None, root: Path = PROJECT_ROOT,
                 model: Path | None = None, env: dict | None = None):
        self.settings = settings or get_prod_settings()
        self.root = Path(root)
        workdir = Path(self.settings.workdir)
        self.folder = workdir if workdir.is_absolute() else self.root / workdir
        self.model = Path(model) if model else self.root / "models" / "intake.tar.gz"
        self.services: dict[str, Service] = {}
        self.rasa_ports = tuple(self.settings.rasa_ports)
        self.env = self._environment(env or {})
        self.nginx_bin = ""
        self.tls_cert = self.tls_key = Path()
        self.nginx_folder = self.folder / "nginx"
        self.nginx_config = self.nginx_folder / "nginx.conf"

    # ---- configuration ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The public URL as this machine reaches it (the certificate names 127.0.0.1)."""
        host = "127.0.0.1" if self.settings.listen in ("0.0.0.0", "*", "::") else \
            self.settings.listen
        return f"https://{host}:{self.settings.https_port}"

    @property
    def origins(self) -> list[str]:
        """Pages allowed to embed the widget: the profile's own (its demo page) and any
        configured in WIDGET_ORIGINS."""
        configured = (self.env_overrides.get("WIDGET_ORIGINS") or
                      os.environ.get("WIDGET_ORIGINS") or "").replace(",", " ").split()
        return list(dict.fromkeys([self.settings.public_url, *configured]))

    def _environment(self, overrides: dict) -> dict:
        self.env_overrides = dict(overrides)
        s = self.settings
        base = {**os.environ, **overrides}
        env = {
            **base,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONWARNINGS": "ignore",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "DATABASE_URL": s.database_url,
            "TRACKER_STORE_URL": s.tracker_store_url,
            "REDIS_URL": s.redis_url,
            "INTAKE_OUTBOX_DIR": base.get("INTAKE_OUTBOX_DIR") or str(self.folder / "outbox"),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{s.action_balancer_port}/webhook",
            "WIDGET_SOCKET_URL": base.get("WIDGET_SOCKET_URL") or s.public_url,
            "SMS_PUBLIC_URL": base.get("SMS_PUBLIC_URL") or f"{s.public_url}/webhooks/sms/webhook",
            "SQL_POOL_SIZE": base.get("SQL_POOL_SIZE") or str(SQL_POOL_SIZE),
            "SQL_MAX_OVERFLOW": base.get("SQL_MAX_OVERFLOW") or str(SQL_MAX_OVERFLOW),
            "SANIC_WORKERS": "1",
        }
        env["WIDGET_ORIGINS"] = " ".join(self.origins)
        return env

    def _bin(self, name: str) -> str:
        venv = self.root / ".venv" / "bin" / name
        return str(venv) if venv.exists() else str(Path(sys.executable).parent / name)

    # ---- preparing ----------------------------------------------------------------------

    def prepare(self) -> None:
        """Certificate, nginx configuration (checked), databases, endpoints file."""
        s = self.settings
        if not self.model.is_file():
            raise FileNotFoundError(f"no trained model at {self.model}: run `make setup` first")
        self.nginx_bin = nginx.find_nginx(s)
        self.tls_cert, self.tls_key = certificate.ensure_certificate(
            self.folder / "tls", s.host, s.tls_cert, s.tls_key)
        self.write_nginx_config()
        nginx.check(self.nginx_bin, self.nginx_config, self.nginx_folder)
        databases.prepare(s.database_url, s.tracker_store_url, self.env["INTAKE_OUTBOX_DIR"])
        subprocess.run([self._bin("python"), "-m", "bot", "endpoints", "--out",
                        str(self.folder / "endpoints.yml")], cwd=self.root, env=self.env,
                       check=True, capture_output=True)

    def write_nginx_config(self) -> Path:
        text = nginx.render(self.settings, self.nginx_folder, self.tls_cert, self.tls_key,
                            rasa_ports=self.rasa_ports,
                            self_signed=not self.settings.tls_cert)
        return nginx.write_config(text, self.nginx_folder)

    def route_rasa(self, ports: tuple[int, ...]) -> None:
        """Send chat traffic to these Rasa servers only, and reload nginx (the benchmark's
        one-server and two-server runs)."""
        self.rasa_ports = tuple(ports)
        self.write_nginx_config()
        nginx.reload(self.nginx_bin, self.nginx_config, self.nginx_folder)
        time.sleep(1)  # the old workers finish their requests

    # ---- the services -------------------------------------------------------------------

    def _services(self) -> list[Service]:
        s, logs, token = self.settings, self.folder / "logs", rasa_api_token()
        services = []
        for n, port in enumerate(s.action_ports, 1):
            services.append(Service(
                f"actions-{n}",
                [self._bin("rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
                {**self.env, "SANIC_HOST": "127.0.0.1"}, self.root, logs / f"actions-{n}.log",
                http_ok(f"http://127.0.0.1:{port}/health")))
        services.append(Service(
            "web",
            [self._bin("gunicorn"), "--bind", f"127.0.0.1:{s.web_port}",
             "--workers", str(s.web_workers), "--timeout", "30", "--graceful-timeout", "10",
             "--forwarded-allow-ips", "127.0.0.1", "--worker-tmp-dir", "/dev/shm"
             if Path("/dev/shm").is_dir() else "/tmp", "bot.web:create_app()"],
            {**self.env, "WEB_PROXY_HOPS": "1"}, self.root, logs / "web.log",
            http_ok(f"http://127.0.0.1:{s.web_port}/widget.js")))
        for n, port in enumerate(s.rasa_ports, 1):
            services.append(Service(
                f"rasa-{n}",
                [self._bin("python"), "-m", "bot.rasa_plugins.rasa_server", "run",
                 "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
                 "--model", str(self.model), "--endpoints", str(self.folder / "endpoints.yml"),
                 "--credentials", str(self.root / "credentials.yml"), "--cors", *self.origins],
                self.env, self.root, logs / f"rasa-{n}.log",
                _rasa_ready(f"http://127.0.0.1:{port}/status", token)))
        services.append(Service(
            "nginx", nginx.command(self.nginx_bin, self.nginx_config, self.nginx_folder),
            self.env, self.root, logs / "nginx.log",
            http_ok(f"{self.url}/widget.js", verify=False)))
        return services

    def start(self, timeout: float = 300) -> float:
        """Prepare, start everything, wait until all answer; seconds it took."""
        started = time.monotonic()
        self.prepare()
        for service in self._services():
            self.services[service.name] = service.start()
        wait_ready(list(self.services.values()), timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        order = ["nginx"] + [n for n in self.services if n.startswith("rasa")] + ["web"] + \
            [n for n in self.services if n.startswith("actions")]
        for name in order:
            if name in self.services:
                self.services[name].stop()

    def kill(self, name: str) -> None:
        self.services[name].kill()

    def restart(self, name: str, timeout: float = 180) -> float:
        service = self.services[name]
        service.stop()
        service.start()
        return wait_ready([service], timeout)

    def __enter__(self) -> "Profile":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- talking to it ------------------------------------------------------------------

    def say(self, sender: str, message: str, timeout: float = 60,
            session: requests.Session | None = None) -> requests.Response:
        """One REST turn through nginx, over TLS checked against the profile's certificate."""
        return (session or requests).post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
            timeout=timeout, verify=str(self.tls_cert))

    def describe(self) -> str:
        s = self.settings
        rasa = ", ".join(f"127.0.0.1:{p}" for p in s.rasa_ports)
        actions = ", ".join(f"127.0.0.1:{p}" for p in s.action_ports)
        return f"""
Production profile is running (Ctrl-C stops it):
  Chat widget demo     {s.public_url}/   (the tag: {s.public_url}/widget.js)
  Staff pages          {s.public_url}/staff
  REST channel         {s.public_url}/webhooks/rest/webhook
  SMS webhook          {s.public_url}/webhooks/sms/webhook
  socket.io            {s.public_url}/socket.io/
  http://{s.host}:{s.http_port}/ redirects to HTTPS; certificate {self.tls_cert}
On loopback only: Rasa servers {rasa}; action servers {actions} (behind
  127.0.0.1:{s.action_balancer_port}); web app (gunicorn, {s.web_workers} workers) 127.0.0.1:{s.web_port}
Intake database  {_hide_password(s.database_url)}
Tracker store    {_hide_password(s.tracker_store_url)}
Lock store       {_hide_password(s.redis_url)}
Logs             {self.folder / 'logs'}
Try: curl --cacert {self.tls_cert} {s.public_url}/webhooks/rest/webhook -d '{{"sender":"me","message":"my neck hurts"}}'
"""


def _rasa_ready(url: str, token: str):
    def ready() -> bool:
        answer = requests.get(url, params={"token": token}, timeout=2)
        return answer.ok and bool(answer.json().get("model_file"))
    return ready


def _hide_password(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # a Redis URL SQLAlchemy cannot read
        return url.split("@")[-1] if "@" in url else url
