"""Ratios to bare Flask in the same round, the targets, and the Markdown report."""

from __future__ import annotations

from statistics import median
from typing import Any

BASELINE = "A"
RATIO_SCENARIOS = ("anon", "auth", "post")
#: The issue's targets: Bastion's ratio to A (login: to the hash-bound rate).
TARGETS = {
    "Bastion": {"anon": 0.75, "auth": 0.60, "post": 0.70, "login": 0.95},
    "Bastion+Redis": {"anon": 0.65, "auth": 0.50, "post": 0.60, "login": 0.95},
}
PEERS = ("B", "C")


def summarize(measurements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per app and scenario: median and range of the same-round ratios, req/s and CPU ms.

    ``ratios`` compare requests per second (login: with the hash-bound rate timed just before);
    ``cpu_ratios`` compare server CPU time per request (login: one verify's with a login's).
    """
    by_key = {(m["round"], m["scenario"], m["app"]): m for m in measurements}
    summary: dict[str, dict[str, Any]] = {}
    for (round_, scenario, app), m in by_key.items():
        if scenario == "login":
            ratio = m["per_second"] / m["logins_per_second"]
            cpu_ratio = m["verify_cpu_ms"] / m["cpu_ms_per_request"]
        else:
            base = by_key[(round_, scenario, BASELINE)]
            ratio = m["per_second"] / base["per_second"]
            cpu_ratio = base["cpu_ms_per_request"] / m["cpu_ms_per_request"]
        entry = summary.setdefault(app, {}).setdefault(scenario, _empty())
        entry["ratios"].append(ratio)
        entry["cpu_ratios"].append(cpu_ratio)
        entry["per_second"].append(m["per_second"])
        entry["cpu_ms"].append(m["cpu_ms_per_request"])
        entry["system_ms"].append(m["system_ms_per_request"])
    for scenarios in summary.values():
        for entry in scenarios.values():
            _finish(entry)
    return summary


def median_bounds(measurements: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per app, the median of the hash bounds timed before its login measurements."""
    logins: dict[str, list[dict[str, Any]]] = {}
    for m in measurements:
        if m["scenario"] == "login":
            logins.setdefault(m["app"], []).append(m)
    return {
        app: {
            "verify_cpu_ms": median(m["verify_cpu_ms"] for m in ms),
            "logins_per_second": median(m["logins_per_second"] for m in ms),
        }
        for app, ms in logins.items()
    }


def _empty() -> dict[str, Any]:
    return {"ratios": [], "cpu_ratios": [], "per_second": [], "cpu_ms": [], "system_ms": []}


def _finish(entry: dict[str, Any]) -> None:
    ratios, cpu_ratios = entry["ratios"], entry["cpu_ratios"]
    entry.update(
        ratio_median=median(ratios),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
        cpu_ratio_median=median(cpu_ratios),
        cpu_ratio_min=min(cpu_ratios),
        cpu_ratio_max=max(cpu_ratios),
        per_second_median=median(entry["per_second"]),
        cpu_ms_median=median(entry["cpu_ms"]),
        system_ms_median=median(entry["system_ms"]),
    )


def verdicts(summary: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target: Bastion's median against it, and whether Bastion is ahead of B and C."""
    rows = []
    for app, targets in TARGETS.items():
        if app not in summary:
            continue
        for scenario, target in targets.items():
            got = summary[app][scenario]["ratio_median"]
            peers = [summary[p][scenario]["ratio_median"] for p in PEERS if p in summary]
            rows.append(
                {
                    "app": app,
                    "scenario": scenario,
                    "target": target,
                    "median": got,
                    "cpu_median": summary[app][scenario]["cpu_ratio_median"],
                    "met": got >= target,
                    "ahead_of_peers": all(got > peer for peer in peers),
                }
            )
    return rows


def markdown(results: dict[str, Any]) -> str:
    """The report: settings, ratios, absolute numbers, memory, targets and profile."""
    parts = [
        _header(results),
        ratio_table(results, "ratio"),
        ratio_table(results, "cpu_ratio"),
        _absolute_table(results),
        _memory_table(results),
        _target_table(results),
        _notes(results),
        _profile_section(results),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def _header(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    return (
        f"# Flask-Bastion benchmark\n\n"
        f"{m['date']}; {m['cores']} cores, {m['cpu_model']}; Python {m['python']}; "
        f"`{results['command']}`; load average {m['load_before']} before the run, "
        f"{m['load_after']} after.\n"
        f"Gunicorn sync workers ({s['workers']}) on 127.0.0.1, `wrk` with {s['connections']} "
        f"connections and `Connection: close`; {s['rounds']} interleaved rounds of "
        f"{s['seconds']} s per measurement after {s['warmup']} s of warm-up."
    )


def _range(entry: dict[str, Any], kind: str) -> str:
    low, mid, high = (entry[f"{kind}_{stat}"] for stat in ("min", "median", "max"))
    return f"{mid:.2f} ({low:.2f}-{high:.2f})"


RATIO_TITLES = {
    "ratio": (
        "## Throughput against bare Flask (A): req/s ratio, median (min-max) of the rounds",
        "login: logins/s over the hash bound",
    ),
    "cpu_ratio": (
        "## The same by server CPU time: A's CPU ms per request over the app's",
        "login: one verify's CPU ms over a login's",
    ),
}


def ratio_table(results: dict[str, Any], kind: str) -> str:
    """One row per app, one column per scenario: median (min-max) of the same-round ratio."""
    title, login = RATIO_TITLES[kind]
    lines = [title, "", f"| app | anon | auth | post | {login} |", "|---|---|---|---|---|"]
    for app, label in results["apps"].items():
        row = results["summary"][app]
        cells = [_range(row[s], kind) for s in (*RATIO_SCENARIOS, "login")]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _absolute_table(results: dict[str, Any]) -> str:
    lines = [
        "## Requests per second and server CPU ms per request (medians)",
        "",
        "In brackets, the part of the CPU time spent in the kernel (accepting, reading, writing "
        "and closing the connections; Redis round trips): the rest is Python, Gunicorn's "
        "included.",
        "",
        "| app | anon | auth | post | login | hash bound (logins/s) |",
        "|---|---|---|---|---|---|",
    ]
    for app, label in results["apps"].items():
        row = results["summary"][app]
        cells = [
            f"{row[s]['per_second_median']:.0f} req/s, {row[s]['cpu_ms_median']:.2f} ms "
            f"({row[s]['system_ms_median']:.2f})"
            for s in (*RATIO_SCENARIOS, "login")
        ]
        bound = results["hash_bounds"][app]
        cells.append(f"{bound['logins_per_second']:.1f} ({bound['verify_cpu_ms']:.1f} ms/verify)")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _memory_table(results: dict[str, Any]) -> str:
    rss = results["worker_rss_kib"]
    base = sum(rss[BASELINE]) / len(rss[BASELINE])
    lines = [
        "## Resident memory of each worker after the run",
        "",
        "| app | workers (MiB) | mean, of A's |",
        "|---|---|---|",
    ]
    for app, label in results["apps"].items():
        workers = ", ".join(f"{kib / 1024:.1f}" for kib in rss[app])
        mean = sum(rss[app]) / len(rss[app])
        lines.append(f"| {label} | {workers} | {mean / base:.2f} |")
    return "\n".join(lines)


def _target_table(results: dict[str, Any]) -> str:
    lines = [
        "## Targets",
        "",
        "| Bastion | scenario | target | req/s median | met | ahead of B and C | CPU median |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["verdicts"]:
        lines.append(
            f"| {results['apps'][row['app']]} | {row['scenario']} | >= {row['target']:.2f} | "
            f"{row['median']:.2f} | {_yes(row['met'])} | {_yes(row['ahead_of_peers'])} | "
            f"{row['cpu_median']:.2f} |"
        )
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _notes(results: dict[str, Any]) -> str:
    return "## How to read it\n\n" + "\n".join(f"- {note}" for note in results["notes"])


def _profile_section(results: dict[str, Any]) -> str:
    profile = results.get("profile")
    if not profile:
        return ""
    lines = [
        "## Where Bastion's time goes (in process, cProfile, per request)",
        "",
        "The app's WSGI callable called directly, without a server. Times are microseconds "
        "per request, the profile scaled to the unprofiled time. The table lists Bastion's "
        "cumulative time per function minus bare Flask's, for the code of the protections "
        "(Bastion and the libraries it composes); a function's time is also counted in its "
        "callers.",
    ]
    for scenario, data in profile.items():
        packages = ", ".join(f"{name} {us:.0f}" for name, us in data["packages"].items())
        lines += ["", f"### {scenario}", "", data["summary"], ""]
        lines += [f"Extra own time by package (us/request): {packages}.", ""]
        lines += ["| function | extra us/request | calls/request |", "|---|---|---|"]
        lines += [
            f"| `{row['function']}` | {row['extra_us']:.0f} | {row['calls']:.1f} |"
            for row in data["top"]
        ]
    return "\n".join(lines)
