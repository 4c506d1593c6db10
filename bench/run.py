"""``make bench``: Bastion's default protections against bare Flask and the peers, same run.

Every app runs under Gunicorn at once; rounds interleave them (A, B, C, Bastion, Bastion with
Redis, A, ...) per scenario, so each ratio compares measurements taken seconds apart. The
table goes to standard output and to ``bench/results/`` (JSON with the raw numbers, and
Markdown). Environment: ``BENCH_QUICK=1`` for a smoke run, ``BENCH_ROUNDS``,
``BENCH_SECONDS``, ``BENCH_WARMUP``, ``BENCH_REDIS_URL``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import load, machine, probe, report, servers
from bench.attribution import attribute
from bench.servers import AppSpec, Server

RESULTS = Path(__file__).with_name("results")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
FIRST_PORT = 18401
APPS = (
    AppSpec("A", "A: bare Flask", "bare"),
    AppSpec("B", "B: seed stack by hand", "seed_stack"),
    AppSpec("C", "C: Flask-Security-Too", "security_too"),
    AppSpec("Bastion", "Bastion, memory://", "bastion_app"),
    AppSpec("Bastion+Redis", "Bastion, Redis", "bastion_app", REDIS_URL),
)
#: Apps profiled in process: the baseline, and Bastion with each storage.
PROFILED = ("A", "Bastion", "Bastion+Redis")


@dataclass(frozen=True)
class Settings:
    """How long and how often to measure."""

    rounds: int
    seconds: int
    warmup: int
    profile_iterations: int
    workers: int = servers.WORKERS
    connections: int = load.CONNECTIONS


def settings_from_env() -> Settings:
    """The full run by default; ``BENCH_QUICK=1`` for a smoke run of a minute or so."""
    quick = os.environ.get("BENCH_QUICK") == "1"
    return Settings(
        rounds=int(os.environ.get("BENCH_ROUNDS", 1 if quick else 4)),
        seconds=int(os.environ.get("BENCH_SECONDS", 1 if quick else 5)),
        warmup=int(os.environ.get("BENCH_WARMUP", 1)),
        profile_iterations=200 if quick else 2000,
    )


def main() -> None:
    """Start the apps, measure, profile, and write the report."""
    settings = settings_from_env()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does it).")
    apps = _available_apps()
    load_before = _load()
    workdir = Path(tempfile.mkdtemp(prefix="bastion-bench-"))
    secret_key, run_id = secrets.token_hex(32), secrets.token_hex(4)
    envs = {spec.key: servers.app_env(spec, workdir, secret_key, run_id) for spec in apps}
    running = _start_all(apps, envs, workdir)
    try:
        requests = {key: _prepare(server) for key, server in running.items()}
        measurements = _rounds(running, envs, requests, settings, workdir)
        rss = {key: server.worker_rss_kib() for key, server in running.items()}
    finally:
        for server in running.values():
            server.stop()
    try:
        profiles = _profiles(apps, envs, requests, settings)
    finally:
        _forget_redis_keys(apps, run_id)
    results = _results(apps, settings, measurements, rss, profiles, load_before)
    _write(results)
    shutil.rmtree(workdir, ignore_errors=True)


def _load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews req/s."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _available_apps() -> list[AppSpec]:
    redis = urlsplit(REDIS_URL)
    try:
        socket.create_connection((redis.hostname, redis.port or 6379), timeout=2).close()
    except OSError:
        print(f"Redis is not reachable at {REDIS_URL}: Bastion with Redis is left out.")
        return [spec for spec in APPS if spec.storage == "memory://"]
    return list(APPS)


def _forget_redis_keys(apps: list[AppSpec], run_id: str) -> None:
    """Delete this run's limiter counters and session records from Redis."""
    if not any(spec.storage.startswith("redis://") for spec in apps):
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*bastion-bench-{run_id}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def _start_all(apps: list[AppSpec], envs: dict[str, Any], workdir: Path) -> dict[str, Server]:
    running: dict[str, Server] = {}
    try:
        for port, spec in enumerate(apps, FIRST_PORT):
            servers.init_database(spec, envs[spec.key])
            log = workdir / f"{spec.key}.log"
            running[spec.key] = servers.start(spec, port, envs[spec.key], log)
            print(f"started {spec.label} on 127.0.0.1:{port}")
    except BaseException:
        for server in running.values():
            server.stop()
        raise
    return running


def _prepare(server: Server) -> dict[str, probe.Request]:
    return {scenario: probe.prepare(scenario, server.port) for scenario in probe.SCENARIOS}


def _hash_bound(spec: AppSpec, env: dict[str, str]) -> dict[str, float]:
    """The app's hash bound, timed now: the ceiling of its logins per second."""
    command = [sys.executable, "-m", "bench.hashbound", spec.module]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    seconds = json.loads(output.stdout)["verify_cpu_seconds"]
    cores = os.cpu_count() or 1
    return {"verify_cpu_ms": seconds * 1000, "logins_per_second": cores / seconds}


def _rounds(
    running: dict[str, Server],
    envs: dict[str, Any],
    requests: dict[str, dict[str, probe.Request]],
    settings: Settings,
    workdir: Path,
) -> list[dict[str, Any]]:
    """Every scenario of every app, round after round. Each login measurement is preceded by
    its app's hash bound timed at that moment, so that both see the same machine (a bound
    timed once, at another moment of a shared machine, moved the login ratios by 10%)."""
    measurements = []
    for round_ in range(1, settings.rounds + 1):
        for scenario in probe.SCENARIOS:
            for key, server in running.items():
                req = requests[key][scenario]
                script = load.write_script(req, workdir / f"{key}-{scenario}.lua")
                bound = _hash_bound(server.spec, envs[key]) if scenario == "login" else {}
                m = {**measure(server, req, script, settings), **bound}
                measurements.append({"round": round_, "scenario": scenario, "app": key, **m})
                print(
                    f"round {round_} {scenario:5} {key:13} {m['per_second']:8.1f} req/s "
                    f"{m['cpu_ms_per_request']:6.2f} CPU ms/request"
                    + (f" (bound {bound['verify_cpu_ms']:.1f} ms/verify)" if bound else "")
                )
    return measurements


def measure(server: Server, req: probe.Request, script: Path, settings: Settings) -> dict[str, Any]:
    """Warm up, then run ``wrk`` on ``req`` and read the server's CPU time around it."""
    load.run(server.port, req.path, script, settings.warmup)
    cpu_before, system_before = server.cpu_seconds(), server.system_seconds()
    result = load.run(server.port, req.path, script, settings.seconds)
    cpu = server.cpu_seconds() - cpu_before
    system = server.system_seconds() - system_before
    if result.bad_status:
        print(f"  warning: {result.bad_status} answers were not 2xx/3xx")
    return {
        **asdict(result),
        "per_second": result.per_second,
        "cpu_ms_per_request": cpu * 1000 / max(1, result.requests),
        "system_ms_per_request": system * 1000 / max(1, result.requests),
    }


def _profiles(
    apps: list[AppSpec],
    envs: dict[str, Any],
    requests: dict[str, dict[str, probe.Request]],
    settings: Settings,
) -> dict[str, Any]:
    raw = {}
    for spec in apps:
        if spec.key not in PROFILED:
            continue
        scenarios = {s: asdict(r) for s, r in requests[spec.key].items()}
        payload = json.dumps({"requests": scenarios, "iterations": settings.profile_iterations})
        command = [sys.executable, "-m", "bench.profiling", spec.module]
        output = subprocess.run(
            command, env=envs[spec.key], input=payload, capture_output=True, text=True
        )
        if output.returncode:
            print(f"Profiling {spec.label} failed; the report goes on without it:\n{output.stderr}")
            return {}
        raw[spec.key] = json.loads(output.stdout)
    return raw


def _results(
    apps: list[AppSpec],
    settings: Settings,
    measurements: list[dict[str, Any]],
    rss: dict[str, list[int]],
    profiles: dict[str, Any],
    load_before: str,
) -> dict[str, Any]:
    summary = report.summarize(measurements)
    return {
        "machine": {**machine.describe(), "load_before": load_before, "load_after": _load()},
        "command": "make bench" + (" BENCH_QUICK=1" if os.environ.get("BENCH_QUICK") else ""),
        "settings": asdict(settings),
        "apps": {spec.key: spec.label for spec in apps},
        "notes": NOTES,
        "hash_bounds": report.median_bounds(measurements),
        "summary": summary,
        "verdicts": report.verdicts(summary),
        "worker_rss_kib": rss,
        "profile": attribute(profiles),
        "measurements": measurements,
    }


def _write(results: dict[str, Any]) -> None:
    """``latest.*`` for a full run; a smoke run writes ``quick.*`` and keeps the full one."""
    RESULTS.mkdir(exist_ok=True)
    name = "quick" if os.environ.get("BENCH_QUICK") == "1" else "latest"
    text = report.markdown(results)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(text)
    print("\n" + text)
    print(f"Written to {RESULTS / name}.md and {RESULTS / name}.json.")


NOTES = [
    "Ratios: each app's req/s divided by A's in the same round and scenario; login: "
    "logins/s divided by the hash bound, cores / CPU time of one verify with that app's "
    "default hasher (Werkzeug scrypt for A and B, Argon2 for C and Bastion), timed in each "
    "round just before that app's login measurement, with one process per core verifying at "
    "once, as on a loaded server (a memory-hard hash costs more CPU when every core hashes "
    "than on one core alone); the table below gives the median bound.",
    "CPU ms per request: user + system time of the Gunicorn master and workers, from /proc, "
    "over the measurement. wrk (and whatever else runs on the machine: see the load average) "
    "shares the cores, so the CPU ratios are the steadier figures.",
    "Every request carries the headers of one Nginx in front (`X-Forwarded-Proto: https`, "
    "`X-Forwarded-For`); B, C and Bastion trust one proxy (ProxyFix, `BASTION_PROXY_HOPS=1`). "
    "POSTs send the matching Origin and Referer.",
    "anon: GET of the page with no cookie (B, C and Bastion sign a CSRF token and set a "
    "session cookie). auth: GET of the page behind login with a valid session cookie, as it "
    "stands after the first page that followed the login (that page may set cookies: a "
    "login starts a fresh session); A checks nothing there. post: the form posted with a "
    "valid CSRF token by an anonymous visitor. login: POST of valid credentials (and token) "
    "answered by a redirect.",
    "Rate limits are raised to 10,000,000 per minute, not disabled, so every request still "
    "counts. With memory:// and 2 sync workers each worker counts alone (a real deployment "
    "runs one worker with threads, or Redis); C has no rate limiter.",
    "Bastion, memory:// keeps its server-side session records in the app's database (SQLite "
    "here); Bastion, Redis keeps the limiter's counters and the session records in Redis. "
    "Redis's own CPU is not in the CPU column. On Redis, Bastion reserves hits a block at a "
    "time (1/50 of a limit, BASTION_RATELIMIT_BLOCK): with the raised limit a block outlasts "
    "its one-minute window, so the limiter goes to Redis about once a minute per worker and "
    "client; with the default 100 per minute it would go once every two requests.",
    "Every login starts a new server-side session for the one benchmark account, so that "
    "account gathers hundreds of live sessions during the run.",
]


if __name__ == "__main__":
    main()
