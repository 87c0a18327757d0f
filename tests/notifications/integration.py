"""Real components for the integration tests: an SMTP server on loopback (aiosmtpd), Celery worker
processes, a throwaway Redis server."""

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = str(BASE_DIR / ".venv" / "bin" / "celery")
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    subject: str
    message_id: str
    text: str


@dataclass
class SmtpSink:
    """Records every mail the server accepted. ``stall`` holds the client at RCPT (mid-delivery)."""

    messages: list[Received] = field(default_factory=list)
    stall: threading.Event = field(default_factory=threading.Event)
    rcpt_seen: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # Fault injection: an answer per address ("550 …"), one for every address ("451 …"), a delay before the
    # answer to DATA (after the mail was recorded: the server accepted it, the client may not hear so).
    refuse: dict[str, str] = field(default_factory=dict)
    refuse_all: str = ""
    data_delay: float = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.rcpt_seen.set()
        while self.stall.is_set():
            await asyncio.sleep(0.05)
        answer = self.refuse_all or self.refuse.get(address, "")
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        with self.lock:
            self.messages.append(
                Received(
                    sender=envelope.mail_from,
                    recipients=sorted(envelope.rcpt_tos),
                    subject=" ".join(str(msg["Subject"]).split()),
                    message_id=str(msg["Message-ID"]),
                    text=body.get_content() if body else "",
                )
            )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.1)
        with self.lock:
            return list(self.messages)


def start_smtp() -> tuple[Controller, SmtpSink, int]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink, port


def database_url() -> str:
    """The URL of the database the tests run on (the test database), for the worker processes."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(*, broker_url: str, smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SITE_URL="https://strategie.bochum.example",
        SECRET_KEY="insecure-test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="false",
        NOTIFICATIONS_CLAIM_SECONDS="3",
        # The lease is one mail's worst case from EMAIL_TIMEOUT (every SMTP command of it) plus the claim;
        # short here, so that a killed worker's rows are taken over within seconds.
        EMAIL_TIMEOUT="1",
        NOTIFICATIONS_LEASE_MARGIN_SECONDS="0",
        # Small batches: a killed worker's batch is free again after its (derived) lease of some seconds.
        NOTIFICATIONS_BATCH_SIZE="5",
        NOTIFICATIONS_REQUEUE_SECONDS="2",
        NOTIFICATIONS_RETRY_BASE_SECONDS="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


class Worker:
    """A real ``celery -A config worker`` process (prefork, two children) in its own process group."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self.log = Path(tempfile.mkstemp(prefix=f"worker-{name}-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=info",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                f"--hostname={name}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"worker did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: main process and children, no chance to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class ThrowawayRedis:
    """A private redis-server on its own port, to be stopped and started without disturbing anybody."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Beat:
    """A real ``celery -A config beat`` process on the database scheduler of django-celery-beat."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log = Path(tempfile.mkstemp(prefix="beat-", suffix=".log")[1])
        self.schedule = Path(tempfile.mkstemp(prefix="beat-", suffix=".db")[1])
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "config",
                "beat",
                "--loglevel=info",
                "--max-interval=1",
                f"--schedule={self.schedule}",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
