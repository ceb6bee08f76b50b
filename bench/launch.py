"""Run a command and report its own peak resident memory and CPU time.

    python bench/launch.py RESULT.json [--cpu N] -- CMD ARGS...

Why a launcher: on Linux a child's ru_maxrss (wait4, RUSAGE_CHILDREN) starts from the RSS of
the process that forked it, so a benchmark that has grown would lend its own size to every
process it starts. This small process forks the command itself, so the figure is the
command's own (floor: this launcher's ~10 MB). RESULT.json gets ``{"returncode",
"maxrss_kb", "cpu_s", "started", "wall_s"}``; ``started`` is time.time() just before the fork.
"""

import json
import os
import sys
import time


def main() -> int:
    result = sys.argv[1]
    args = sys.argv[2:]
    cpu = None
    if args[:1] == ["--cpu"]:
        cpu, args = int(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    started = time.time()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
            os.execvp(args[0], args)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w") as fh:
        json.dump(
            {
                "returncode": code,
                "maxrss_kb": usage.ru_maxrss,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "started": started,
                "wall_s": wall,
            },
            fh,
        )
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
