"""Where an app's time goes, in process: per-request cost, and cProfile against bare Flask.

Run as ``python -m bench.profiling MODULE`` with the app's environment and the scenarios'
requests (as prepared by :mod:`bench.probe`) as JSON on standard input. It times each request
through the app's WSGI callable without a server, profiles it with cProfile, and prints JSON:
microseconds per request, cumulative and own time per function, SQL statements and Redis round
trips per request. :mod:`bench.run` subtracts bare Flask's profile from Bastion's.
"""

from __future__ import annotations

import cProfile
import importlib
import io
import json
import pstats
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

Environ = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent
_STDLIB = re.compile(r"^.*/python3\.\d+/(lib-dynload/)?")
#: Functions whose call counts tell round trips: one SQL statement, one Redis exchange.
SQL_CALL = ("sqlalchemy/engine/default.py", "do_execute")
REDIS_CALL = ("redis/connection.py", "send_packed_command")


def environ_for(req: dict[str, Any]) -> Environ:
    """The WSGI environ of a prepared request, as Gunicorn would build it."""
    host = req["headers"].get("Origin", "https://127.0.0.1:80").split("//", 1)[1]
    builder = EnvironBuilder(
        path=req["path"],
        base_url=f"http://{host}",
        method=req["method"],
        headers=req["headers"],
        data=req["body"].encode() or None,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def caller(app: Flask, environ: Environ, body: bytes) -> Callable[[], int]:
    """A function that sends the request once and returns the response's status."""

    def call() -> int:
        status: list[str] = []
        env = {**environ, "wsgi.input": io.BytesIO(body)}
        result: Iterable[bytes] = app(env, lambda s, h, e=None: status.append(s))
        for _ in result:
            pass
        getattr(result, "close", lambda: None)()
        return int(status[0].split()[0])

    return call


def measure(call: Callable[[], int], iterations: int) -> dict[str, Any]:
    """Microseconds per call unprofiled, then a cProfile of the same calls."""
    for _ in range(max(5, iterations // 10)):
        status = call()
    start = time.perf_counter()
    for _ in range(iterations):
        call()
    micros = (time.perf_counter() - start) / iterations * 1e6
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        call()
    profiler.disable()
    return {"status": status, "us_per_request": micros, **_functions(profiler, iterations)}


def _functions(profiler: cProfile.Profile, iterations: int) -> dict[str, Any]:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    functions: dict[str, dict[str, float]] = {}
    counts = {"sql_per_request": 0.0, "redis_round_trips_per_request": 0.0}
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.items():
        key = f"{_short(filename)}:{line}:{name}"
        functions[key] = {
            "calls": ncalls / iterations,
            "own_us": tottime / iterations * 1e6,
            "cum_us": cumtime / iterations * 1e6,
        }
        for counter, (suffix, func) in zip(counts, (SQL_CALL, REDIS_CALL), strict=True):
            if filename.endswith(suffix) and name == func:
                counts[counter] += ncalls / iterations
    return {**counts, "functions": functions}


def _short(filename: str) -> str:
    """A path from its package on: ``flask_bastion/csrf.py``, ``flask/app.py``, ``json/...``."""
    for marker in ("site-packages/", "/src/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return _STDLIB.sub("", filename)


def main(module_name: str, requests: dict[str, Any], iterations: int) -> dict[str, Any]:
    """Time and profile every scenario of ``requests`` on the app of ``module_name``."""
    module = importlib.import_module(f"bench.apps.{module_name}")
    app = module.create_app()
    results = {}
    for scenario, req in requests.items():
        call = caller(app, environ_for(req), req["body"].encode())
        # A login verifies a password (tens of ms): fewer of them tell as much.
        count = max(10, iterations // 50) if scenario == "login" else iterations
        results[scenario] = measure(call, count)
    return results


if __name__ == "__main__":
    spec = json.load(sys.stdin)
    json.dump(main(sys.argv[1], spec["requests"], spec["iterations"]), sys.stdout)
