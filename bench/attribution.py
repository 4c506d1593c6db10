"""Bastion's profile minus bare Flask's: which functions its extra time is spent in.

cProfile slows every call down, so each app's profiled times are scaled to its unprofiled time
per request before they are subtracted. Only the code of the protections is listed (Bastion and
the libraries it composes); Flask's own dispatch frames wrap everything and would only repeat
the total.
"""

from __future__ import annotations

import re
from typing import Any

TOP = 12
#: Where protections live: the functions the extra time is reported for.
SECURITY_CODE = (
    "flask_bastion/",
    "flask_limiter/",
    "limits/",
    "flask_wtf/",
    "flask_login/",
    "flask_principal/",
    "itsdangerous/",
    "flask/sessions.py",
    "redis/",
    "argon2/",
)
_BENCH_APP = re.compile(r"^bench/apps/\w+\.py:\d+:")


def attribute(raw: dict[str, Any]) -> dict[str, Any]:
    """Per scenario: per-request times, round trips, and the top extra costs of Bastion."""
    if "A" not in raw or "Bastion" not in raw:
        return {}
    return {scenario: _scenario(raw, scenario) for scenario in raw["Bastion"]}


def _scenario(raw: dict[str, Any], scenario: str) -> dict[str, Any]:
    base, bastion = raw["A"][scenario], raw["Bastion"][scenario]
    redis = raw.get("Bastion+Redis", {}).get(scenario)
    return {
        "summary": _summary(base, bastion, redis),
        "top": top_extra(base, bastion),
        "packages": package_extra(base, bastion),
        "top_redis": top_extra(base, redis) if redis else [],
        "us_per_request": {
            "A": base["us_per_request"],
            "Bastion": bastion["us_per_request"],
            "Bastion+Redis": redis["us_per_request"] if redis else None,
        },
    }


def _summary(base: dict[str, Any], bastion: dict[str, Any], redis: dict[str, Any] | None) -> str:
    a, b = base["us_per_request"], bastion["us_per_request"]
    text = (
        f"A {a:.0f} us/request; Bastion (memory://) {b:.0f} us ({a / b:.2f} of A's rate), "
        f"{bastion['sql_per_request']:.1f} SQL statements per request"
    )
    if redis:
        r = redis["us_per_request"]
        text += (
            f"; Bastion (Redis) {r:.0f} us ({a / r:.2f}), "
            f"{redis['redis_round_trips_per_request']:.1f} Redis round trips per request"
        )
    return text + "."


def top_extra(base: dict[str, Any], app: dict[str, Any]) -> list[dict[str, Any]]:
    """The functions with the most cumulative time more than in bare Flask (scaled us)."""
    base_cum = {_key(k): v["cum_us"] * _scale(base) for k, v in base["functions"].items()}
    rows = []
    for key, stats in app["functions"].items():
        if not key.startswith(SECURITY_CODE):
            continue
        cum = stats["cum_us"] * _scale(app)
        extra = cum - base_cum.get(_key(key), 0.0)
        rows.append({"function": _name(key), "extra_us": extra, "calls": stats["calls"]})
    rows.sort(key=lambda row: row["extra_us"], reverse=True)
    return rows[:TOP]


def package_extra(base: dict[str, Any], app: dict[str, Any]) -> dict[str, float]:
    """Own time per top-level package (scaled us), minus bare Flask's, largest first."""
    totals: dict[str, float] = {}
    for data, sign in ((app, 1.0), (base, -1.0)):
        for key, stats in data["functions"].items():
            package = _package(key)
            totals[package] = totals.get(package, 0.0) + sign * stats["own_us"] * _scale(data)
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return {package: us for package, us in ordered[:8]}


def _scale(data: dict[str, Any]) -> float:
    """Unprofiled over profiled time per request."""
    profiled = max(
        (v["cum_us"] for k, v in data["functions"].items() if k.startswith("bench/profiling.py")),
        default=0.0,
    )
    return data["us_per_request"] / profiled if profiled else 1.0


def _key(key: str) -> str:
    """The same view in different app modules is one function: ``bench/apps/app.py:page``."""
    return _BENCH_APP.sub("bench/apps/app.py:0:", key)


def _package(key: str) -> str:
    path = key.split(":", 1)[0]
    if path == "~":
        return "builtins (C code)"
    return path.split("/", 1)[0].removesuffix(".py")


def _name(key: str) -> str:
    """``flask_bastion/csrf.py:36:protect`` becomes ``flask_bastion/csrf.py:protect``."""
    path, line_and_name = key.split(":", 1)
    return f"{path}:{line_and_name.split(':', 1)[1]}"
