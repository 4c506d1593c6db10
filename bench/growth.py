"""Growth: Bastion's ``auth`` cost with 1,000 and with 1,000,000 rows in PostgreSQL.

The issue's bound: with 1,000,000 session records and 1,000,000 audit-log rows, ``auth`` stays
within 10% of its value with 1,000 of each. Two throwaway databases (dropped at the end) hold
the two sizes, each served by Bastion (``memory://`` limiter, sessions in the database) under
Gunicorn at once, so the rounds interleave them (small, large, large, small, ...) and each
ratio compares measurements taken seconds apart, as the main driver does. The rows belong to
~100,000 other users, inserted too; the benchmark account logs in once the rows are there.

CPU time counts the Gunicorn processes and the PostgreSQL backends serving the app, since the
lookup that could grow runs in the latter. Environment: ``BENCH_QUICK=1`` (100,000 rows),
``BENCH_GROWTH_ROUNDS``, ``BENCH_POSTGRES_URL`` (the maintenance database), and the driver's
``BENCH_SECONDS`` and ``BENCH_WARMUP``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from argon2 import PasswordHasher
from psycopg import sql

from bench import load, machine, probe, servers
from bench.apps.common import EMAIL
from bench.run import RESULTS, Settings, measure, settings_from_env
from bench.servers import AppSpec, Server

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SPEC = AppSpec("Bastion", "Bastion, memory://", "bastion_app")
FIRST_PORT = 18481
SMALL = 1_000
#: The issue's bound: the large database's ``auth`` within 10% of the small one's.
BOUND = 0.10
#: Where the growth section starts in the driver's report, so a rerun replaces it.
MARKER = "<!-- growth -->"


@dataclass(frozen=True)
class Sizes:
    """Rows of each table (sessions, audit events) in the large database, and other users."""

    large: int
    users: int
    small: int = SMALL


def sizes_from_env() -> Sizes:
    """1,000,000 rows over 100,000 users; ``BENCH_QUICK=1``: 100,000 over 10,000."""
    if os.environ.get("BENCH_QUICK") == "1":
        return Sizes(large=100_000, users=10_000)
    return Sizes(large=1_000_000, users=100_000)


USERS_SQL = """
INSERT INTO bastion_user (email, password_hash, active, created_at)
SELECT 'user' || n || '@example.org', %(hash)s, true, now() - random() * interval '365 days'
FROM generate_series(1, %(users)s) AS n
"""
#: Keys as the app makes them: the SHA-256 hex of a 43-character token of 32 random bytes.
SESSIONS_SQL = """
INSERT INTO bastion_session (
    key, public_id, user_id, remember, created_at, last_seen_at, expires_at, ip, user_agent,
    dies_at
)
SELECT key, public_id, user_id, remember, created, seen, expires, ip, ua,
    CASE WHEN remember THEN expires ELSE least(expires, seen + interval '30 minutes') END
FROM (
    SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex') AS key, public_id, user_id,
        remember, created, created + random() * (now() - created) AS seen,
        created + CASE WHEN remember THEN interval '7 days' ELSE interval '12 hours' END
            AS expires,
        ip, ua
    FROM (
        SELECT rtrim(translate(encode(
                uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64'
            ), '+/', '-_'), '=') AS token,
            substr(md5(random()::text), 1, 16) AS public_id,
            %(first)s + floor(random() * %(users)s)::int AS user_id,
            random() < 0.2 AS remember,
            now() - random() * interval '7 days' AS created,
            '10.' || floor(random() * 256) || '.' || floor(random() * 256) || '.' || n %% 256 AS ip,
            (%(agents)s::text[])[1 + floor(random() * %(n_agents)s)::int] AS ua
        FROM generate_series(1, %(rows)s) AS n
    ) AS s
) AS r
"""
EVENTS_SQL = """
INSERT INTO bastion_security_event (occurred_at, user_id, event, ip, user_agent, details)
SELECT occurred, user_id, event, ip, ua,
    (CASE WHEN event = 'login.failed' THEN '{"reason": "wrong_password"}' ELSE '{}' END)::json
FROM (
    SELECT now() - random() * interval '7 days' AS occurred,
        %(first)s + floor(random() * %(users)s)::int AS user_id,
        (ARRAY['login.succeeded', 'login.succeeded', 'login.succeeded', 'logout',
            'login.failed', 'session.ended', 'password.changed'])[1 + floor(random() * 7)::int]
            AS event,
        '10.' || floor(random() * 256) || '.' || floor(random() * 256) || '.' || n %% 256 AS ip,
        (%(agents)s::text[])[1 + floor(random() * %(n_agents)s)::int] AS ua
    FROM generate_series(1, %(rows)s) AS n
) AS e
"""
USER_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
)
BENCH_KEY_SQL = """
SELECT key FROM bastion_session JOIN bastion_user ON bastion_user.id = bastion_session.user_id
WHERE bastion_user.email = %s ORDER BY bastion_session.created_at DESC LIMIT 1
"""
#: The per-request lookup (``DatabaseSessionStore.get_with_user``): a record and its user.
LOOKUP_SQL = (
    "SELECT * FROM bastion_user JOIN bastion_session ON bastion_session.user_id = "
    "bastion_user.id WHERE bastion_session.key = {key}"
)


def database_url(name: str, driver: str = "postgresql") -> str:
    """``ADMIN_URL`` pointing at the database ``name``."""
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((driver, parts.netloc, f"/{name}", parts.query, ""))


@dataclass
class Database:
    """A throwaway database, created and dropped over the maintenance connection."""

    admin: psycopg.Connection[Any]
    name: str

    def create(self) -> None:
        self.admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self.admin.execute(statement.format(sql.Identifier(self.name)))

    def backend_pids(self) -> list[int]:
        """The PostgreSQL processes serving connections to this database."""
        query = "SELECT pid FROM pg_stat_activity WHERE datname = %s"
        return [row[0] for row in self.admin.execute(query, (self.name,))]


@dataclass
class DatabaseServer(Server):
    """A Gunicorn app whose CPU time includes the PostgreSQL backends serving it."""

    database: Database

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the master, the workers and their backends."""
        ticks = sum(servers.cpu_ticks(pid) for pid in self.database.backend_pids())
        return super().cpu_seconds() + ticks / servers.CLOCK_TICKS


def seed(name: str, rows: int, users: int) -> dict[str, int]:
    """Insert ``users`` other users and ``rows`` sessions and audit events of theirs; ANALYZE."""
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        stored = PasswordHasher().hash(secrets.token_urlsafe(16))
        connection.execute(USERS_SQL, {"hash": stored, "users": users})
        first = connection.execute(
            "SELECT min(id) FROM bastion_user WHERE email <> %s", (EMAIL,)
        ).fetchone()
        params = {
            "first": first[0] if first else 2,
            "users": users,
            "rows": rows,
            "agents": list(USER_AGENTS),
            "n_agents": len(USER_AGENTS),
        }
        connection.execute(SESSIONS_SQL, params)
        connection.execute(EVENTS_SQL, params)
        connection.execute("ANALYZE")
        return _counts(connection)


def _counts(connection: psycopg.Connection[Any]) -> dict[str, int]:
    counts = {}
    for table in ("bastion_user", "bastion_session", "bastion_security_event"):
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = connection.execute(query).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def explain(name: str) -> str:
    """EXPLAIN ANALYZE of the per-request lookup, for the benchmark account's session."""
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        row = connection.execute(BENCH_KEY_SQL, (EMAIL,)).fetchone()
        key = row[0] if row else "none"
        query = sql.SQL("EXPLAIN (ANALYZE, BUFFERS) " + LOOKUP_SQL).format(key=sql.Literal(key))
        return "\n".join(line[0] for line in connection.execute(query))


def main() -> None:
    """Create the databases, fill them, measure in interleaved rounds, report, drop them."""
    settings, sizes = settings_from_env(), sizes_from_env()
    quick = os.environ.get("BENCH_QUICK") == "1"
    rounds = int(os.environ.get("BENCH_GROWTH_ROUNDS", 2 if quick else 5))
    run_id = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix="bastion-growth-"))
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable at {ADMIN_URL} ({error}): no growth check.")
        return
    with admin:
        databases = {
            label: Database(admin, f"bastion_bench_growth_{run_id}_{label}")
            for label in ("small", "large")
        }
        try:
            results = _run(databases, sizes, settings, rounds, workdir, run_id)
        finally:
            for database in databases.values():
                database.drop()
    shutil.rmtree(workdir, ignore_errors=True)
    _write(results)


def _run(
    databases: dict[str, Database],
    sizes: Sizes,
    settings: Settings,
    rounds: int,
    workdir: Path,
    run_id: str,
) -> dict[str, Any]:
    load_before = _load()
    secret_key = secrets.token_hex(32)
    counts, running = {}, {}
    try:
        for port, (label, database) in enumerate(databases.items(), FIRST_PORT):
            database.create()
            env = servers.app_env(SPEC, workdir, secret_key, run_id)
            env["BENCH_DATABASE_URL"] = database_url(database.name, "postgresql+psycopg")
            servers.init_database(SPEC, env)
            rows = sizes.small if label == "small" else sizes.large
            print(f"filling {database.name}: {rows:,} sessions and audit events")
            counts[label] = seed(database.name, rows, sizes.users)
            running[label] = _start(database, port, env, workdir / f"{label}.log")
        measurements = _rounds(running, settings, rounds, workdir)
    finally:
        for server in running.values():
            server.stop()
    return {
        "machine": {**machine.describe(), "load_before": load_before, "load_after": _load()},
        "postgresql": _server_version(databases["large"]),
        "command": "make bench" + (" BENCH_QUICK=1" if os.environ.get("BENCH_QUICK") else ""),
        "settings": {**asdict(settings), "rounds": rounds, **asdict(sizes)},
        "rows": counts,
        "summary": summarize(measurements),
        "explain_large": explain(databases["large"].name),
        "measurements": measurements,
    }


def _start(database: Database, port: int, env: dict[str, str], log: Path) -> DatabaseServer:
    started = servers.start(SPEC, port, env, log)
    return DatabaseServer(started.spec, started.port, started.process, database)


def _rounds(
    running: dict[str, DatabaseServer], settings: Settings, rounds: int, workdir: Path
) -> list[dict[str, Any]]:
    requests = {label: probe.prepare("auth", server.port) for label, server in running.items()}
    measurements = []
    for round_ in range(1, rounds + 1):
        order = list(running) if round_ % 2 else list(reversed(running))
        for label in order:
            req = requests[label]
            script = load.write_script(req, workdir / f"growth-{label}.lua")
            m = measure(running[label], req, script, settings)
            measurements.append({"round": round_, "rows": label, **m})
            print(
                f"round {round_} auth {label:5} {m['per_second']:8.1f} req/s "
                f"{m['cpu_ms_per_request']:6.2f} CPU ms/request (app + PostgreSQL)"
            )
    return measurements


def summarize(measurements: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians per size, and the median (min-max) of the large-over-small same-round ratios.

    ``throughput_ratio`` is req/s large over small (the bound: >= 0.90); ``cpu_ratio`` is CPU
    ms per request large over small (the bound: <= 1.10).
    """
    sizes = {
        label: {
            f"{metric}_median": median(m[key] for m in measurements if m["rows"] == label)
            for metric, key in (("per_second", "per_second"), ("cpu_ms", "cpu_ms_per_request"))
        }
        for label in ("small", "large")
    }
    speed, cpu = _ratios(measurements, "per_second"), _ratios(measurements, "cpu_ms_per_request")
    return {
        **sizes,
        "throughput_ratio": _spread(speed),
        "cpu_ratio": _spread(cpu),
        "bound": BOUND,
        "throughput_within": median(speed) >= 1 - BOUND,
        "cpu_within": median(cpu) <= 1 + BOUND,
    }


def _ratios(measurements: list[dict[str, Any]], key: str) -> list[float]:
    """``key`` of the large database over the small one's, round by round."""
    by_round: dict[int, dict[str, float]] = {}
    for m in measurements:
        by_round.setdefault(m["round"], {})[m["rows"]] = m[key]
    return [pair["large"] / pair["small"] for _, pair in sorted(by_round.items())]


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": median(values), "min": min(values), "max": max(values)}


def _server_version(database: Database) -> str:
    row = database.admin.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def markdown(results: dict[str, Any]) -> str:
    """The growth section: the two sizes, their ratios and the verdict, with the plan."""
    s, rows, settings = results["summary"], results["rows"], results["settings"]
    lines = [
        MARKER,
        f"## Growth: `auth` with {settings['small']:,} and {settings['large']:,} rows",
        "",
        f"{results['machine']['date']}; `{results['command']}`; load average "
        f"{results['machine']['load_before']} before, {results['machine']['load_after']} "
        f"after. Bastion (`memory://` limiter, sessions in PostgreSQL "
        f"{results['postgresql']}) in two throwaway databases served at once; "
        f"{settings['rounds']} interleaved rounds of {settings['seconds']} s. The rows "
        f"belong to {settings['users']:,} other users. CPU: Gunicorn and the PostgreSQL "
        f"backends serving it.",
        "",
        "| database | users | sessions | audit events | req/s (median) | CPU ms/request (median) |",
        "|---|---|---|---|---|---|",
        *(_size_row(label, rows[label], s[label]) for label in ("small", "large")),
        f"| large over small, same round | | | | {_ratio(s['throughput_ratio'])} | "
        f"{_ratio(s['cpu_ratio'])} |",
        "",
        f"Bound: within {s['bound']:.0%} (req/s ratio >= {1 - s['bound']:.2f}, CPU ratio <= "
        f"{1 + s['bound']:.2f}). Verdict: {verdict(s)}.",
        "",
        "The per-request lookup on the large database:",
        "",
        "```",
        results["explain_large"],
        "```",
    ]
    return "\n".join(lines) + "\n"


def _size_row(label: str, rows: dict[str, int], entry: dict[str, float]) -> str:
    return (
        f"| {label} | {rows['bastion_user']:,} | {rows['bastion_session']:,} | "
        f"{rows['bastion_security_event']:,} | {entry['per_second_median']:.1f} | "
        f"{entry['cpu_ms_median']:.2f} |"
    )


def _ratio(spread: dict[str, float]) -> str:
    return f"{spread['median']:.3f} ({spread['min']:.3f}-{spread['max']:.3f})"


def verdict(summary: dict[str, Any]) -> str:
    """Within the bound by both measures, or which one is out of it."""
    out = [
        name
        for name, ok in (("req/s", summary["throughput_within"]), ("CPU", summary["cpu_within"]))
        if not ok
    ]
    return "**out of the bound** by " + " and ".join(out) if out else "within the bound"


def _write(results: dict[str, Any]) -> None:
    """``growth.*`` and the section at the end of ``latest.md``; a smoke run writes
    ``quick.growth.*`` and ``quick.md`` (ignored by git), like the driver."""
    quick = os.environ.get("BENCH_QUICK") == "1"
    name, report = ("quick.growth", "quick.md") if quick else ("growth", "latest.md")
    text = markdown(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(text)
    path = RESULTS / report
    if path.exists():
        before = path.read_text().split(MARKER, 1)[0].rstrip("\n")
        path.write_text(f"{before}\n\n{text}")
    print("\n" + text)
    print(f"Written to {RESULTS / name}.md and .json, and to the end of {path}.")


if __name__ == "__main__":
    main()
