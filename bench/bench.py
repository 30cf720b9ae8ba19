"""`make bench`: latency, throughput, memory, training and start-up, against a bare bot.

Starts the real stack (Rasa server + action server + SQLite) on free ports, runs 10 scripted
intakes at once over the REST channel, then does the same with a bare `rasa init` bot as the
reference, and prints the figures. Everything runs on this machine; nothing is timed in tests.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rasa_plugins.stack import Stack  # noqa: E402

INTAKE = ["hi", "my lower back has been killing me for 3 weeks, 7/10, worse when i sit",
          "none of those", "the first one", "Dana Cole", "555-201-3344", "weekday evenings",
          "yes my doctor referred me", "blue cross", "yes"]
BARE = ["hi", "I am sad", "yes", "bye", "hello", "great", "are you a bot?", "hi", "good", "bye"]


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MiB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in children.split()]
    except FileNotFoundError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def drive(stack: Stack, script: list[str], clients: int, rounds: int = 1) -> tuple[list[float], float]:
    """`clients` conversations at once, each running the script `rounds` times, every round
    as a new conversation (a new client doing one intake)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        for round_number in range(rounds):
            sender = f"bench-{n}-{round_number}-{time.time_ns()}"
            for message in script:
                started = time.perf_counter()
                stack.say(sender, message)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def train(project: Path, out: Path, data: list[str]) -> float:
    """A cold training: its own empty Rasa cache, so nothing is reused from earlier runs."""
    started = time.perf_counter()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false",
           "RASA_CACHE_DIRECTORY": tempfile.mkdtemp(prefix="rasa-cache-")}
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "--data", *data, "--out", str(out),
                    "--fixed-model-name", "bench", "--quiet"], cwd=project, check=True,
                   capture_output=True, env=env)
    return time.perf_counter() - started


def report(name: str, stack: Stack, latencies: list[float], seconds: float, startup: float,
           training: float) -> dict:
    figures = {"p50": statistics.median(latencies), "p95": percentile(latencies, 95),
               "p99": percentile(latencies, 99), "turns_per_s": len(latencies) / seconds,
               "startup": startup, "training": training,
               "rasa_mb": peak_rss_mb(stack.processes[1].pid) if len(stack.processes) > 1 else 0,
               "actions_mb": peak_rss_mb(stack.processes[0].pid)}
    print(f"\n{name}: {len(latencies)} turns")
    print(f"  per-turn latency  p50 {figures['p50']:.0f} ms   p95 {figures['p95']:.0f} ms   "
          f"p99 {figures['p99']:.0f} ms")
    print(f"  throughput        {figures['turns_per_s']:.1f} turns/s")
    print(f"  start-up          {startup:.1f} s (trained model to ready)")
    print(f"  training          {training:.0f} s")
    print(f"  peak memory       rasa server {figures['rasa_mb']:.0f} MiB, "
          f"action server {figures['actions_mb']:.0f} MiB")
    return figures


class BareStack(Stack):
    """A `rasa init` bot: no custom actions, in-memory tracker, same Rasa server."""

    def start(self) -> "BareStack":
        log = open(self.workdir / "bare.log", "wb")
        self.processes.append(subprocess.Popen(["sleep", "infinity"]))  # no action server
        self.processes.append(subprocess.Popen(
            [self._bin("rasa"), "run", "--enable-api", "--port", str(self.rasa_port),
             "--model", str(self.model)], cwd=self.workdir, env=self.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True))
        started = time.monotonic()
        import requests
        while time.monotonic() - started < 180:
            try:
                if requests.get(f"{self.url}/status", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        self.startup = time.monotonic() - started
        return self


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3,
                        help="scripted intakes per client, one after another")
    parser.add_argument("--skip-train", action="store_true",
                        help="use the recorded training time of models/intake.tar.gz")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    model = ROOT / "models" / "intake.tar.gz"
    if args.skip_train:
        ours_training = float((ROOT / "models" / "intake.train-seconds").read_text())
    else:
        print("training the intake model from scratch (several minutes)...")
        ours_training = train(ROOT, work / "ours", ["data/nlu", "data/rules", "data/stories"])
    (work / "stack").mkdir()
    started = time.monotonic()
    with Stack(ROOT, model, work / "stack") as stack:
        startup = time.monotonic() - started
        drive(stack, INTAKE[:2], 1)  # warm-up
        latencies, seconds = drive(stack, INTAKE, args.clients, args.rounds)
        ours = report("intake bot (actions + SQLite writes)", stack, latencies, seconds,
                      startup, ours_training)
    bare_dir = work / "bare"
    bare_dir.mkdir()
    subprocess.run([str(ROOT / ".venv/bin/rasa"), "init", "--no-prompt", "--init-dir",
                    str(bare_dir)], check=True, capture_output=True,
                   env={**stack.env, "RASA_TELEMETRY_ENABLED": "false"})
    bare_training = train(bare_dir, bare_dir / "models", ["data"])
    with BareStack(ROOT, bare_dir / "models" / "bench.tar.gz", bare_dir) as bare:
        drive(bare, BARE[:2], 1)
        latencies, seconds = drive(bare, BARE, args.clients, args.rounds)
        reference = report("bare `rasa init` bot (reference)", bare, latencies, seconds,
                           bare.startup, bare_training)
    print(f"\nratio p50 intake / bare: {ours['p50'] / reference['p50']:.2f} (target <= 1.0)")
    print(f"ratio p95 intake / bare: {ours['p95'] / reference['p95']:.2f} (target <= 1.0)")
    print(f"throughput intake / bare: {ours['turns_per_s'] / reference['turns_per_s']:.2f}"
          " (target >= 1.0)")
    print(f"training from a cold cache: intake {ours['training']:.0f} s, bare "
          f"{reference['training']:.0f} s (target: intake <= 180 s)")
    print(f"start-up with a trained model: {ours['startup']:.1f} s (target <= 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
