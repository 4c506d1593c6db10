"""Time one password verification with an app's default hasher: the login rate's ceiling.

Run as ``python -m bench.hashbound MODULE`` with the app's environment; prints the CPU
milliseconds of one verify as JSON. A machine with N cores can verify at most
N / (CPU seconds per verify) passwords per second, whatever the app does around it.

The verifies are timed the way a loaded server runs them: one process per core, all hashing
at once. Memory-hard hashes (Argon2, scrypt) share the memory bus and the last-level cache, so
one verify costs more CPU time when every core hashes than when one core hashes alone; timing
it alone would set a ceiling no server on the machine could reach, not even one that did
nothing but hash.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import sys
import time
from multiprocessing.synchronize import Barrier

MIN_SECONDS = 1.0


def verify_cpu_seconds(module_name: str, processes: int) -> float:
    """The mean CPU time of one verify, over ``processes`` processes verifying together."""
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=_timed_verifies, args=(module_name, start_together, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    per_process: list[float] = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    return sum(per_process) / len(per_process)


def _timed_verifies(
    module_name: str, start_together: Barrier, results: multiprocessing.Queue[float]
) -> None:
    """In one process: the mean CPU time of a verify, over at least a second and five verifies
    that start when every process is ready."""
    module = importlib.import_module(f"bench.apps.{module_name}")
    verify = module.password_verifier(module.create_app())
    verify()
    start_together.wait()
    count, start = 0, time.process_time()
    while (spent := time.process_time() - start) < MIN_SECONDS or count < 5:
        verify()
        count += 1
    results.put(spent / count)


if __name__ == "__main__":
    seconds = verify_cpu_seconds(sys.argv[1], os.cpu_count() or 1)
    print(json.dumps({"verify_cpu_seconds": seconds}))
