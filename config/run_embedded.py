"""``make run``: the web server and the Celery worker (with beat), kept up together.

The web server is the product: while it runs, a worker that dies (a crash, an out-of-memory kill, an
"Unrecoverable error") is started again, and the terminal says so in one line. Before the shell's ``wait -n``
stopped everything when either process ended, so one bad broker message took the product down.

Each child runs in its own process group, so that the worker's pool and its embedded beat go with it (no
second beat after a restart) and Ctrl-C reaches only this supervisor, which then stops both groups in order:
a polite SIGTERM first (the worker finishes its tasks), SIGKILL after a grace period.

Usage (the Makefile's ``run`` target)::

    python -m config.run_embedded [--port 8000] [--noreload] -- celery -A config worker --beat …
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 20
# A worker that ran this long before dying is restarted at once; quicker deaths wait longer, up to the cap.
HEALTHY_RUN_SECONDS = 60
MAX_BACKOFF_SECONDS = 30


def say(line: str) -> None:
    print(f"[make run] {line}", flush=True)


def start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), cwd=BASE_DIR, start_new_session=True)


def exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"Signal {signal.Signals(-code).name}"
        except ValueError:
            return f"Signal {-code}"
    return f"Exit-Code {code}"


def signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    # SIGTERM to the leader only: the worker then stops its pool and beat itself (a warm shutdown).
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        # The group may outlive its leader (pool children, the reloader's child): nothing of it stays behind.
        signal_group(process, signal.SIGKILL)
        process.wait()
    for process in processes:
        wait_for_group_end(process)


def wait_for_group_end(process: subprocess.Popen[bytes], timeout: float = 5) -> None:
    """Killed orphans of a group are reaped by init a moment later; "Beendet." only when they are gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)


def supervise(web_command: Sequence[str], worker_command: Sequence[str]) -> int:
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    web = start(web_command)
    worker = start(worker_command)
    worker_started = time.monotonic()
    say(f"Webserver gestartet (PID {web.pid}), Celery-Worker mit Beat gestartet (PID {worker.pid}).")
    backoff = 1.0
    restart_at: float | None = None
    code = 0
    while not stopping.wait(0.5):
        web_code = web.poll()
        if web_code is not None:
            say(f"Der Webserver ist beendet ({exit_reason(web_code)}); der Celery-Worker wird gestoppt.")
            code = web_code or 1
            break
        if restart_at is None:
            worker_code = worker.poll()
            if worker_code is None:
                continue
            signal_group(worker, signal.SIGKILL)  # its pool children and beat, if they outlived it
            ran = time.monotonic() - worker_started
            backoff = 1.0 if ran >= HEALTHY_RUN_SECONDS else min(backoff * 2, MAX_BACKOFF_SECONDS)
            restart_at = time.monotonic() + backoff
            say(
                f"Der Celery-Worker (PID {worker.pid}) ist beendet ({exit_reason(worker_code)}); "
                f"Neustart in {backoff:.0f} s, der Webserver läuft weiter."
            )
        elif time.monotonic() >= restart_at:
            worker = start(worker_command)
            worker_started = time.monotonic()
            restart_at = None
            say(f"Celery-Worker mit Beat neu gestartet (PID {worker.pid}).")
    else:
        say("Beende Webserver und Celery-Worker …")
    stop([worker, web])
    say("Beendet.")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--noreload", action="store_true", help="runserver without its code reloader")
    parser.add_argument("worker", nargs=argparse.REMAINDER, help="the worker command, after --")
    args = parser.parse_args(argv)
    worker_command = args.worker[1:] if args.worker[:1] == ["--"] else args.worker
    if not worker_command:
        parser.error("the worker command is missing (after --)")
    web_command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}"]
    if args.noreload:
        web_command.append("--noreload")
    return supervise(web_command, worker_command)


if __name__ == "__main__":
    sys.exit(main())
