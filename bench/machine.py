"""The machine a run was made on, for the report."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

PACKAGES = (
    "flask",
    "werkzeug",
    "flask-bastion",
    "flask-wtf",
    "flask-login",
    "flask-limiter",
    "flask-talisman",
    "flask-security-too",
    "gunicorn",
    "argon2-cffi",
)


def describe() -> dict[str, object]:
    """Cores, CPU model, kernel, Python and the versions of the libraries compared."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count() or 1,
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
    }


def _cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
