"""`make bench-prod`: the production profile under load, with one and with two Rasa servers.

Starts the profile (bot/prod: nginx with TLS, two Rasa servers, two action servers, gunicorn)
on free ports with fresh PostgreSQL databases (dropped afterwards) and the machine's Redis,
then runs scripted intakes (bench/bench.py's, 10 turns each, the last one stores the intake)
over HTTPS through nginx: 10 and 50 conversations at once, first with nginx sending every
turn to one Rasa server, then to both (the configuration is rendered again and nginx
reloaded; the same processes serve both runs). Prints turns per second and per-turn latency
(p50, p95) for each of the four runs. The client runs on the same machine and takes CPU too.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench import INTAKE, percentile  # noqa: E402
from bot.config import PROD_POSTGRES, ProdSettings  # noqa: E402
from bot.prod.profile import Profile  # noqa: E402
from bot.rasa_plugins.stack import free_port  # noqa: E402


def drive(profile: Profile, clients: int, rounds: int) -> tuple[list[float], float, int]:
    """`clients` conversations at once, each doing `rounds` intakes one after another (each a
    new conversation). Returns (latencies in ms, seconds, failed turns)."""
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def one(n: int) -> None:
        with requests.Session() as session:
            for round_number in range(rounds):
                sender = f"bench-prod-{n}-{round_number}-{uuid.uuid4().hex[:8]}"
                for message in INTAKE:
                    started = time.perf_counter()
                    answer = profile.say(sender, message, timeout=120, session=session)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        latencies.append(elapsed)
                        if answer.status_code != 200 or not answer.json():
                            failed[0] += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, failed[0]


def databases(server: str) -> tuple[list[str], sa.engine.Engine]:
    suffix = uuid.uuid4().hex[:8]
    names = [f"intake_bench_{suffix}", f"tracker_bench_{suffix}"]
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT", future=True)
    return names, admin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=PROD_POSTGRES,
                        help="PostgreSQL server URL without a database (default %(default)s)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rounds-10", type=int, default=3,
                        help="intakes per client with 10 at once (default %(default)s)")
    parser.add_argument("--rounds-50", type=int, default=1,
                        help="intakes per client with 50 at once (default %(default)s)")
    args = parser.parse_args()

    names, admin = databases(args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-prod-"))
    settings = dataclasses.replace(
        ProdSettings(), https_port=free_port(), http_port=free_port(),
        rasa_ports=(free_port(), free_port()), action_ports=(free_port(), free_port()),
        action_balancer_port=free_port(), web_port=free_port(),
        database_url=f"{args.postgres}/{names[0]}", tracker_store_url=f"{args.postgres}/{names[1]}",
        redis_url=args.redis, workdir=str(workdir), rate_exempt=("127.0.0.1",))
    profile = Profile(settings, ROOT)
    results = []
    try:
        print("starting the production profile on free ports...", flush=True)
        startup = profile.start()
        print(f"ready in {startup:.1f} s (nginx, 2 Rasa servers, 2 action servers, gunicorn "
              f"with {settings.web_workers} workers)", flush=True)
        for servers in (1, 2):
            profile.route_rasa(settings.rasa_ports[:servers])
            drive(profile, 2, 1)  # warm-up: both Rasa servers have served a turn
            for clients, rounds in ((10, args.rounds_10), (50, args.rounds_50)):
                latencies, seconds, failed = drive(profile, clients, rounds)
                row = {"servers": servers, "clients": clients, "turns": len(latencies),
                       "turns_per_s": len(latencies) / seconds,
                       "p50": statistics.median(latencies), "p95": percentile(latencies, 95),
                       "failed": failed}
                results.append(row)
                print(f"  {servers} Rasa server{'s' if servers > 1 else ' '}, {clients:2d} at once: "
                      f"{row['turns']} turns, {row['turns_per_s']:.1f} turns/s, "
                      f"p50 {row['p50']:.0f} ms, p95 {row['p95']:.0f} ms"
                      f"{f', {failed} failed' if failed else ''}", flush=True)
    finally:
        profile.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print("\n| Rasa servers | conversations at once | turns | turns/s | p50 | p95 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in results:
        print(f"| {row['servers']} | {row['clients']} | {row['turns']} | "
              f"{row['turns_per_s']:.1f} | {row['p50']:.0f} ms | {row['p95']:.0f} ms |")
    return 1 if any(row["failed"] for row in results) else 0


if __name__ == "__main__":
    sys.exit(main())
