"""``make run`` as a user runs it: the supervisor (config/run_embedded.py) with the web server and a Celery
worker with beat on the embedded broker, in a fresh VAR_DIR (SQLite, broker folders, mails).

* Soak: two processes send 2,000 messages at once while the web server answers requests; every message is
  processed exactly once and the worker never stops.
* A worker that dies is started again and the terminal says so; the web server stays up; Ctrl-C stops all.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.config.embedded_tasks import MARK_TASK
from tests.notifications.integration import BASE_DIR, CELERY, PYTHON, free_port

# The embedded mode runs with its own defaults whatever the test run uses, so one run of CI is enough: the
# run on the embedded defaults (the PostgreSQL run would repeat the same minutes).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.serial,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the embedded mode is soaked in the run on the embedded defaults",
    ),
]

SENDERS = 2
PER_SENDER = 1000

# What the Makefile's run target starts, with the test-only task loaded into the worker.
WORKER = [
    CELERY,
    "-A",
    "config",
    "worker",
    "--beat",
    "--loglevel=info",
    "--concurrency=2",
    "--without-mingle",
    "--without-gossip",
    "-I",
    "tests.config.embedded_tasks",
]

SENDER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from config.celery import app
name, count, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
for n in range(count):
    app.send_task(sys.argv[4], args=[name, n])
"""


def embedded_env(var_dir: Path) -> dict[str, str]:
    """The environment of ``make run``: the embedded defaults, whatever the test run itself uses."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        VAR_DIR=str(var_dir), DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1"
    )
    return env


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database; each test starts from a copy of it."""
    var_dir = tmp_path_factory.mktemp("embedded-template")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=embedded_env(var_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return var_dir / "db.sqlite3"


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    log: Path
    port: int
    var_dir: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> tuple[int, int]:
        match = re.search(
            r"Webserver gestartet \(PID (\d+)\), Celery-Worker mit Beat gestartet \(PID (\d+)\)", self.text()
        )
        assert match, self.text()[-3000:]
        return int(match[1]), int(match[2])

    def get(self, path: str = "/") -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, self.text())) >= count:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} (x{count}) in the log:\n{self.text()[-4000:]}")

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.get() == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the web server never answered:\n{self.text()[-4000:]}")


def group_alive(pid: int, settle: float = 10) -> bool:
    """Whether any process of the group is still there (killed orphans take a moment to be reaped)."""
    deadline = time.monotonic() + settle
    while True:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.1)


@pytest.fixture
def stack(tmp_path: Path, migrated_db: Path) -> Iterator[Stack]:
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "soak").mkdir()
    shutil.copy(migrated_db, var_dir / "db.sqlite3")
    log = tmp_path / "make-run.log"
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [PYTHON, "-m", "config.run_embedded", "--port", str(port), "--noreload", "--", *WORKER],
            cwd=BASE_DIR,
            env=embedded_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Stack(process, log, port, var_dir)
    try:
        running.wait_for(r"celery@\S+ ready\.")
        running.wait_until_serving()
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def marks(var_dir: Path) -> set[str]:
    return {path.name for path in (var_dir / "soak").iterdir()}


def test_two_thousand_messages_from_two_processes_at_once_none_lost_no_worker_crash(stack: Stack) -> None:
    web_pid, worker_pid = stack.pids()
    go = stack.var_dir / "go"
    senders = [
        subprocess.Popen(
            [PYTHON, "-c", SENDER, f"s{i}", str(PER_SENDER), str(go), MARK_TASK],
            cwd=BASE_DIR,
            env=embedded_env(stack.var_dir),
        )
        for i in range(SENDERS)
    ]
    page_failures: list[str] = []
    pages = 0
    done = threading.Event()

    def browse() -> None:
        nonlocal pages
        while not done.is_set():
            for path in ("/", "/kernaktivitaeten/", "/dashboard/"):
                try:
                    status = stack.get(path)
                except OSError as error:
                    page_failures.append(f"{path}: {error}")
                    continue
                pages += 1
                if status != 200:
                    page_failures.append(f"{path}: {status}")
            time.sleep(0.2)

    browser = threading.Thread(target=browse)
    browser.start()
    try:
        go.touch()
        for sender in senders:
            assert sender.wait(timeout=120) == 0
        expected = {f"s{i}-{n}" for i in range(SENDERS) for n in range(PER_SENDER)}
        deadline = time.monotonic() + 120
        while marks(stack.var_dir) != expected and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        done.set()
        browser.join()

    assert len(marks(stack.var_dir)) == SENDERS * PER_SENDER
    assert marks(stack.var_dir) == expected
    log = stack.text()
    assert "Unrecoverable error" not in log
    assert "FileExistsError" not in log  # a message processed twice
    assert "ist beendet" not in log  # the supervisor never saw the worker or the web server stop
    assert stack.pids() == (web_pid, worker_pid)
    assert group_alive(worker_pid, settle=0) and group_alive(web_pid, settle=0)
    assert pages > 0
    assert page_failures == []
    assert not list((stack.var_dir / "broker" / "processed").glob("*.corrupt"))
    assert list((stack.var_dir / "broker" / "queue").glob("*.celery.msg")) == []


def test_a_killed_worker_is_restarted_the_web_server_stays_up_and_ctrl_c_stops_all(stack: Stack) -> None:
    web_pid, worker_pid = stack.pids()

    os.kill(worker_pid, signal.SIGKILL)

    stack.wait_for(
        rf"Der Celery-Worker \(PID {worker_pid}\) ist beendet \(Signal SIGKILL\); Neustart in \d+ s"
    )
    stack.wait_for(r"Celery-Worker mit Beat neu gestartet \(PID \d+\)")
    stack.wait_for(r"celery@\S+ ready\.", count=2)
    new_worker = int(re.findall(r"neu gestartet \(PID (\d+)\)", stack.text())[-1])
    assert new_worker != worker_pid
    assert not group_alive(worker_pid), "pool or beat of the killed worker outlived it"
    assert stack.get() == 200
    subprocess.run(
        [PYTHON, "-c", SENDER, "after-restart", "3", str(stack.var_dir / "soak"), MARK_TASK],
        cwd=BASE_DIR,
        env=embedded_env(stack.var_dir),
        check=True,
    )
    deadline = time.monotonic() + 60
    while len(marks(stack.var_dir)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marks(stack.var_dir) == {"after-restart-0", "after-restart-1", "after-restart-2"}

    stack.process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal does

    assert stack.process.wait(timeout=40) == 0
    assert stack.text().rstrip().endswith("[make run] Beendet.")
    assert not group_alive(web_pid)
    assert not group_alive(new_worker)
    with pytest.raises(OSError):
        stack.get()


def test_the_makefile_starts_this_supervisor_with_the_worker_and_beat() -> None:
    makefile = (BASE_DIR / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") :].split("\n\n")[0]
    assert "-m config.run_embedded --port $(PORT) --" in run
    assert "worker --beat" in run
    assert "wait -n" not in run
    assert sys.executable  # the test itself runs in the project's environment
