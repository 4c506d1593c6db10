"""Drive an app with ``wrk``: one request repeated, ``Connection: close`` as Nginx sends it."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.probe import Request

#: Open connections; a little more than the two sync workers, so neither ever waits for work.
CONNECTIONS = 4


@dataclass(frozen=True)
class LoadResult:
    """What ``wrk`` counted in one run."""

    requests: int
    seconds: float
    bad_status: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def write_script(req: Request, path: Path) -> Path:
    """A wrk Lua script that sends ``req`` (method, headers, body) on every request."""
    lines = [f"wrk.method = {json.dumps(req.method)}"]
    if req.body:
        lines.append(f"wrk.body = {json.dumps(req.body)}")
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in req.headers.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(port: int, path: str, script: Path, seconds: float) -> LoadResult:
    """Run wrk for ``seconds`` against ``path`` and parse its summary."""
    command = [
        "wrk",
        "--threads=1",
        f"--connections={CONNECTIONS}",
        f"--duration={max(1, round(seconds))}s",
        f"--script={script}",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse(output)


def parse(output: str) -> LoadResult:
    """Read requests, duration, non-2xx/3xx answers and socket errors from wrk's summary."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if done is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[done.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return LoadResult(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * scale,
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )
