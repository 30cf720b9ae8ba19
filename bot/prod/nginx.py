"""nginx for the production profile: its configuration rendered from deploy/nginx.conf.j2,
checked with `nginx -t`, and nginx itself found (or installed from Debian's package when run
as root, else the command to run is printed)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import jinja2

from bot.config import PROJECT_ROOT, ProdSettings

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.j2"
INSTALL_HINT = "sudo apt-get install -y nginx   (Debian's package; only the binary is used)"


class NginxMissing(RuntimeError):
    pass


def find_nginx(settings: ProdSettings, install: bool = True) -> str:
    """nginx's path; when missing and this process is root, `apt-get install -y nginx`."""
    found = shutil.which(settings.nginx) or shutil.which(settings.nginx, path="/usr/sbin:/sbin")
    if found:
        return found
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx is missing: installing Debian's package (apt-get install -y nginx)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        return find_nginx(settings, install=False)
    raise NginxMissing(f"the production profile needs nginx: {INSTALL_HINT}")


def render(settings: ProdSettings, folder: Path, tls_cert: Path, tls_key: Path,
           rasa_ports: tuple[int, ...] | None = None, self_signed: bool = True) -> str:
    """The configuration text. `rasa_ports` narrows the Rasa servers nginx sends to (the
    benchmark's one-server run); by default all of them."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE.parent)),
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     autoescape=False)
    hsts = settings.hsts_seconds
    if hsts is None:
        hsts = 0 if self_signed else 31536000
    return environment.get_template(TEMPLATE.name).render(
        user=settings.nginx_user if os.geteuid() == 0 else None,
        worker_processes=max(1, min(os.cpu_count() or 1, 4)),
        run_dir=folder, log_dir=folder / "logs", temp_dir=folder / "tmp",
        max_body=settings.max_body,
        trusted_proxies=settings.trusted_proxies, rate_exempt=settings.rate_exempt,
        chat_rate=settings.chat_rate, chat_burst=settings.chat_burst,
        sms_rate=settings.sms_rate, sms_burst=settings.sms_burst,
        web_rate=settings.web_rate, web_burst=settings.web_burst,
        connections_per_client=settings.connections_per_client,
        rasa_ports=rasa_ports or settings.rasa_ports, action_ports=settings.action_ports,
        action_balancer_port=settings.action_balancer_port, web_port=settings.web_port,
        listen=settings.listen, http_port=settings.http_port, https_port=settings.https_port,
        host=settings.host, public_url=settings.public_url,
        tls_cert=tls_cert, tls_key=tls_key, hsts_seconds=hsts,
    )


def write_config(text: str, folder: Path) -> Path:
    for sub in ("logs", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


def command(nginx: str, config: Path, folder: Path) -> list[str]:
    """nginx in the foreground (`daemon off` in the file), its early errors in our log."""
    return [nginx, "-p", str(folder), "-c", str(config), "-e", str(folder / "logs" / "nginx-error.log")]


def check(nginx: str, config: Path, folder: Path) -> None:
    """`nginx -t`: a configuration nginx refuses stops the launch with nginx's own words."""
    result = subprocess.run(command(nginx, config, folder) + ["-t", "-q"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nginx refuses {config}:\n{result.stderr.strip()}")


def reload(nginx: str, config: Path, folder: Path) -> None:
    """Re-read the configuration (`nginx -s reload`): new workers, no dropped connection."""
    check(nginx, config, folder)
    subprocess.run(command(nginx, config, folder) + ["-s", "reload"], check=True,
                   capture_output=True)
