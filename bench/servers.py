"""The apps under Gunicorn (sync workers), and what ``/proc`` says about their processes."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: Headers Nginx would add in front of every app: the app trusts one proxy.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


@dataclass(frozen=True)
class AppSpec:
    """One app of the comparison: its module in ``bench.apps`` and its limiter storage."""

    key: str
    label: str
    module: str
    storage: str = "memory://"


@dataclass
class Server:
    """A running Gunicorn master serving one app on 127.0.0.1."""

    spec: AppSpec
    port: int
    process: subprocess.Popen[bytes]

    def pids(self) -> list[int]:
        """The master and its worker processes."""
        return [self.process.pid, *_children(self.process.pid)]

    def worker_pids(self) -> list[int]:
        """The worker processes only."""
        return _children(self.process.pid)

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by the master and its workers."""
        return sum(cpu_ticks(pid) for pid in self.pids()) / CLOCK_TICKS

    def system_seconds(self) -> float:
        """The part of :meth:`cpu_seconds` spent in the kernel (sockets, memory)."""
        return sum(_stat_ticks(pid)[1] for pid in self.pids()) / CLOCK_TICKS

    def worker_rss_kib(self) -> list[int]:
        """Resident memory of each worker, in KiB."""
        return [_rss_kib(pid) for pid in self.worker_pids()]

    def stop(self) -> None:
        """Stop the master (which stops its workers) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def app_env(spec: AppSpec, workdir: Path, secret_key: str, run_id: str) -> dict[str, str]:
    """The environment an app's process needs: database, storage, secret key, run id."""
    return {
        **os.environ,
        "BENCH_DB": str(workdir / f"{spec.key}.db"),
        "BENCH_STORAGE": spec.storage,
        "BENCH_SECRET_KEY": secret_key,
        "BENCH_RUN_ID": run_id,
        "PYTHONPATH": str(ROOT),
    }


def init_database(spec: AppSpec, env: dict[str, str]) -> None:
    """Create the app's database and account once, before its workers start."""
    code = f"from bench.apps import {spec.module} as m; m.init_db(m.create_app())"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def start(spec: AppSpec, port: int, env: dict[str, str], log: Path) -> Server:
    """Start Gunicorn with sync workers for ``spec`` and wait until it answers."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        f"--workers={WORKERS}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        f"--chdir={ROOT}",
        f"--error-logfile={log}",
        "--log-level=warning",
        f"bench.apps.{spec.module}:create_app()",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    server = Server(spec, port, process)
    _wait_until_ready(server, log)
    return server


def _wait_until_ready(server: Server, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.spec.label} did not start; see {log}")
        if _answers(server.port) and len(server.worker_pids()) == WORKERS:
            return
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.spec.label} did not answer within {timeout:.0f} s; see {log}")


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/page", headers=PROXY_HEADERS)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process."""
    return sum(_stat_ticks(pid))


def _stat_ticks(pid: int) -> tuple[int, int]:
    """utime and stime of one process (fields 14 and 15 of ``/proc/PID/stat``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0, 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
