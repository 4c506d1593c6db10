"""Gunicorn settings for running the Flask-Bastion reference app in production.

Start it with ``gunicorn -c deploy/gunicorn.conf.py 'reference_app:create_app()'``. Gunicorn
reads the module-level names below as its settings and ignores everything else, so the logic
lives in small functions and only their results are assigned to setting names.

Operator knobs (environment variables):

``BIND``
    Address to listen on; ``127.0.0.1:8000`` by default, so only the local Nginx can reach it.
``WEB_CONCURRENCY``
    Worker processes; honoured only when rate limits are counted in shared storage.
``GUNICORN_THREADS``
    Threads per worker process (4 by default).
``FLASK_RATELIMIT_STORAGE_URI``
    Read here only to choose the worker count; the app reads it too.
"""

from __future__ import annotations

import os
import sys

#: Address used when ``BIND`` is unset. Loopback only: the app must be reached through Nginx,
#: which terminates TLS and writes the ``X-Forwarded-*`` headers the app trusts.
DEFAULT_BIND = "127.0.0.1:8000"
#: Threads per worker when ``GUNICORN_THREADS`` is unset.
DEFAULT_THREADS = 4
#: Upper bound on the automatic worker count, so a large machine does not exhaust the
#: database's connection limit (each worker keeps its own connection pool).
MAX_AUTO_WORKERS = 12


def env_int(name: str, default: int, minimum: int = 1) -> int:
    """Read a positive integer from the environment, refusing nonsense with a clear message.

    A typo such as ``WEB_CONCURRENCY=four`` should stop the start, not be silently replaced by
    a default the operator did not choose.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        message = f"{name}={raw!r} is not a whole number; set it to e.g. {default}."
        raise ValueError(message) from None
    if value < minimum:
        raise ValueError(f"{name}={value} is below {minimum}; set it to {minimum} or more.")
    return value


def rate_limit_storage() -> str:
    """The limiter storage the app will use, with Flask-Bastion's default filled in."""
    return os.environ.get("FLASK_RATELIMIT_STORAGE_URI", "").strip() or "memory://"


def counts_in_process(storage: str) -> bool:
    """Whether rate-limit counters live inside each worker process.

    With ``memory://`` every process keeps its own counters, so N workers would let a client
    make N times the configured number of login attempts before being stopped.
    """
    return storage.startswith("memory://")


def automatic_workers() -> int:
    """The usual ``2 * cores + 1``, capped by :data:`MAX_AUTO_WORKERS`."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_AUTO_WORKERS)


def warn_limits_would_multiply(requested: int) -> None:
    """Tell the operator, loudly, why the requested worker count is being ignored."""
    print(
        "\n".join(
            [
                "",
                "!" * 78,
                f"WARNING: WEB_CONCURRENCY={requested} was requested, but rate limits are",
                "counted in memory (FLASK_RATELIMIT_STORAGE_URI is unset or memory://).",
                "Each worker process would keep its own counters, so every rate limit",
                f"(including the login brute-force limit) would be multiplied by {requested}.",
                "Starting ONE worker process instead; threads still serve requests",
                "concurrently.",
                "To run several workers, share the counters in Redis, e.g.:",
                "    FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0",
                "!" * 78,
                "",
            ]
        ),
        file=sys.stderr,
        flush=True,
    )


def choose_workers(storage: str) -> int:
    """One worker with in-process counters; otherwise ``WEB_CONCURRENCY`` or the automatic count.

    Concurrency with one worker comes from threads (``worker_class = "gthread"``), which share
    the process's counters, so the configured limits stay exact.
    """
    requested = env_int("WEB_CONCURRENCY", automatic_workers())
    if not counts_in_process(storage):
        return requested
    if "WEB_CONCURRENCY" in os.environ and requested > 1:
        warn_limits_would_multiply(requested)
    return 1


def max_requests_for(storage: str) -> int:
    """Recycle workers only when that cannot reset the rate-limit counters.

    Restarting the single worker that holds ``memory://`` counters would wipe them, handing a
    brute-force attacker a fresh allowance; with shared storage, recycling is harmless and caps
    the effect of any slow memory leak.
    """
    return 0 if counts_in_process(storage) else 2000


_storage = rate_limit_storage()

# --- Gunicorn settings -------------------------------------------------------------------

proc_name = "flask-bastion"
bind = [os.environ.get("BIND", "").strip() or DEFAULT_BIND]
worker_class = "gthread"
workers = choose_workers(_storage)
threads = env_int("GUNICORN_THREADS", DEFAULT_THREADS)
max_requests = max_requests_for(_storage)
max_requests_jitter = max_requests // 10

# A request that takes longer than this is stuck; the worker is replaced. Nginx waits a
# little longer (proxy_read_timeout 35s) so it reports the failure, not a hung connection.
timeout = 30
graceful_timeout = 30
# Nginx is the only client; a short keep-alive frees threads held by idle connections.
keepalive = 5

# Only the local Nginx may set X-Forwarded-Proto; the app's ProxyFix (BASTION_PROXY_HOPS=1)
# reads the same headers. Gunicorn's other scheme headers (X-Forwarded-Ssl,
# X-Forwarded-Protocol) are not overwritten by Nginx, so they are not trusted at all.
forwarded_allow_ips = "127.0.0.1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Refuse oversized request lines and headers before the app sees them (Gunicorn's limits,
# written out so they are visible and reviewable).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Logs go to the service manager (journald under systemd). The access log records the client
# address Nginx wrote into X-Forwarded-For; the socket peer is always Nginx itself.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)

# Gunicorn 25.1+ opens a control socket that can, among other things, change the number of
# workers at run time, which would undo the single-worker rule above. Older versions ignore
# this name.
control_socket_disable = True
