"""`python -m bot.prod run` (`make prod`): the production profile on this machine until Ctrl-C.
A server that exits is started again (at most 5 times in 5 minutes, then everything stops);
the others carry the traffic meanwhile. `python -m bot.prod nginx-config` prints the nginx
configuration the settings give, without starting anything."""
from __future__ import annotations

import argparse
import signal
import sys
import time

from bot.config import get_prod_settings
from bot.prod.nginx import NginxMissing
from bot.prod.processes import wait_ready
from bot.prod.profile import Profile

RESTARTS, RESTART_WINDOW = 5, 300.0


def run() -> int:
    profile = Profile(get_prod_settings())

    def terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)  # also when started with SIGINT ignored (`... &`)
    try:
        print("starting the production profile (nginx, 2 Rasa servers, 2 action servers, "
              "gunicorn; PostgreSQL, Redis)...", flush=True)
        seconds = profile.start()
        print(profile.describe(), flush=True)
        print(f"ready in {seconds:.0f} s", flush=True)
        restarts: list[float] = []
        while True:
            time.sleep(1)
            for service in profile.services.values():
                if service.alive():
                    continue
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
                if len(restarts) > RESTARTS:
                    print(f"{service.name} keeps exiting (log {service.log}); stopping",
                          file=sys.stderr, flush=True)
                    return 1
                print(f"{service.name} exited (code {service.process.returncode}; log "
                      f"{service.log}); starting it again", file=sys.stderr, flush=True)
                service.start()
                try:
                    wait_ready([service], 180)
                except (RuntimeError, TimeoutError) as error:
                    print(error, file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    except NginxMissing as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        profile.stop()


def nginx_config() -> int:
    from bot.prod import nginx

    settings = get_prod_settings()
    profile = Profile(settings)
    print(nginx.render(settings, profile.nginx_folder, profile.folder / "tls" / "selfsigned.crt",
                       profile.folder / "tls" / "selfsigned.key",
                       self_signed=not settings.tls_cert), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.prod", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the production profile until Ctrl-C")
    sub.add_parser("nginx-config", help="print the nginx configuration of these settings")
    args = parser.parse_args(argv)
    return {"run": run, "nginx-config": nginx_config}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
