"""Time one password verification with an app's default hasher: the login rate's ceiling.

Run as ``python -m bench.hashbound MODULE`` with the app's environment; prints the CPU
milliseconds of one verify as JSON. A machine with N cores can verify at most
N / (CPU seconds per verify) passwords per second, whatever the app does around it.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

MIN_SECONDS = 1.0


def verify_cpu_seconds(module_name: str) -> float:
    """The mean CPU time of one verify, over at least a second of work and five verifies."""
    module = importlib.import_module(f"bench.apps.{module_name}")
    verify = module.password_verifier(module.create_app())
    verify()
    count, start = 0, time.process_time()
    while (spent := time.process_time() - start) < MIN_SECONDS or count < 5:
        verify()
        count += 1
    return spent / count


if __name__ == "__main__":
    print(json.dumps({"verify_cpu_seconds": verify_cpu_seconds(sys.argv[1])}))
