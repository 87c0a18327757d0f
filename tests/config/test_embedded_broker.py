"""The embedded broker (config/broker.py) under concurrent writers: a reader never sees a torn message.

Two writer processes publish large messages while this process polls the queue as fast as it can, which is
what the web server and the Celery worker do in ``make run``. With kombu's own file-system transport the
reader takes a file the writer is still filling (JSONDecodeError; the worker stops with "Unrecoverable
error"); the parameter ``kombu-filesystem`` shows that, the other one shows the fix.
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest
from kombu import Connection
from kombu.transport import filesystem

from config import broker
from tests.notifications.integration import BASE_DIR

pytestmark = pytest.mark.serial

WRITERS = 2
PER_WRITER = 60
BLOB = 1_000_000  # characters per message: writing one takes long enough for a poller to catch it half done

WRITER = """
import json, sys, time
from pathlib import Path
from kombu import Connection
transport, folder, writer = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
count, size = int(sys.argv[4]), int(sys.argv[5])
while not (folder / "go").exists():
    time.sleep(0.01)
with Connection("filesystem://", transport=transport, transport_options=json.loads(sys.argv[6])) as conn:
    queue = conn.SimpleQueue("torn")
    for n in range(count):
        queue.put({"writer": writer, "n": n, "blob": str(n % 10) * size}, serializer="json")
    queue.close()
"""


@pytest.fixture(autouse=True)
def fresh_broker_state():
    """kombu keeps the bindings a process declared in memory (per transport class); tests use new folders."""
    yield
    broker.Transport.global_state.clear()
    filesystem.Transport.global_state.clear()


def options(folder: Path) -> dict[str, object]:
    for name in ("queue", "processed", "control", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "temp_folder": str(folder / "tmp"),
        "polling_interval": 0.001,
    }


@pytest.mark.parametrize(
    "transport",
    [
        pytest.param("config.broker:Transport", id="embedded"),
        pytest.param(
            "kombu.transport.filesystem:Transport",
            id="kombu-filesystem",
            marks=pytest.mark.xfail(
                raises=json.JSONDecodeError,
                strict=False,
                reason="kombu's transport lets a reader take a file the writer is still writing",
            ),
        ),
    ],
)
def test_reader_polling_while_two_processes_write_gets_every_message_whole(tmp_path: Path, transport) -> None:
    opts = options(tmp_path)
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                transport,
                str(tmp_path),
                f"w{i}",
                str(PER_WRITER),
                str(BLOB),
                json.dumps(opts),
            ],
            cwd=BASE_DIR,
        )
        for i in range(WRITERS)
    ]
    received: set[tuple[str, int]] = set()
    try:
        with Connection("filesystem://", transport=transport, transport_options=opts) as conn:
            queue = conn.SimpleQueue("torn")
            (tmp_path / "go").touch()
            deadline = time.monotonic() + 90
            while len(received) < WRITERS * PER_WRITER and time.monotonic() < deadline:
                try:
                    message = queue.get(block=True, timeout=0.05)
                except queue.Empty:
                    continue
                body = message.payload
                assert body["blob"] == str(body["n"] % 10) * BLOB
                received.add((body["writer"], body["n"]))
                message.ack()
            queue.close()
    finally:
        for writer in writers:
            writer.wait(timeout=60)
    assert [writer.returncode for writer in writers] == [0] * WRITERS
    assert received == {(f"w{i}", n) for i in range(WRITERS) for n in range(PER_WRITER)}
    assert not list((tmp_path / "processed").glob("*.corrupt"))


def test_a_file_that_cannot_be_decoded_is_set_aside_and_the_next_message_is_read(tmp_path: Path) -> None:
    opts = options(tmp_path)
    with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
        queue = conn.SimpleQueue("corrupt")
        (tmp_path / "queue" / "0_left-by-an-older-transport.corrupt.msg").write_text('{"body": "half')
        queue.put({"n": 1}, serializer="json")
        message = queue.get(block=True, timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    assert [p.name for p in (tmp_path / "processed").glob("*.corrupt")] == [
        "0_left-by-an-older-transport.corrupt.msg.corrupt"
    ]


def test_no_temporary_file_is_left_in_the_queue_folder_after_writing(tmp_path: Path) -> None:
    opts = options(tmp_path)
    with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
        queue = conn.SimpleQueue("plain")
        for n in range(5):
            queue.put({"n": n}, serializer="json")
        names = sorted(p.name for p in (tmp_path / "queue").iterdir())
        assert len(names) == 5
        assert all(name.endswith(".plain.msg") for name in names)
        assert list((tmp_path / "tmp").iterdir()) == []
        assert sorted(queue.get(timeout=5).payload["n"] for _ in range(5)) == list(range(5))
        queue.close()


BINDER = """
import json, sys, time
from pathlib import Path
from kombu import Connection, Exchange, Queue
transport, folder, writer = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
while not (folder / "go").exists():
    time.sleep(0.01)
with Connection("filesystem://", transport=transport, transport_options=json.loads(sys.argv[4])) as conn:
    for n in range(40):
        queue = Queue(f"{writer}-{n}", Exchange("shared", "direct"), routing_key=f"{writer}-{n}")
        queue(conn.default_channel).declare()
"""


def test_two_processes_binding_queues_at_once_lose_no_binding_and_a_reader_never_sees_a_torn_table(
    tmp_path: Path,
) -> None:
    opts = options(tmp_path)
    binders = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                BINDER,
                "config.broker:Transport",
                str(tmp_path),
                f"b{i}",
                json.dumps(opts),
            ],
            cwd=BASE_DIR,
        )
        for i in range(2)
    ]
    with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
        channel = cast(broker.Channel, conn.default_channel)
        (tmp_path / "go").touch()
        reads = 0
        while any(binder.poll() is None for binder in binders):
            channel.get_table("shared")  # raises on a torn table
            reads += 1
        assert [binder.wait() for binder in binders] == [0, 0]
        table = channel.get_table("shared")
    assert reads > 0
    assert sorted(entry.queue for entry in table) == sorted(f"b{i}-{n}" for i in range(2) for n in range(40))


READER = """
import json, sys, time
from pathlib import Path
from kombu import Connection
folder, name = Path(sys.argv[1]), sys.argv[2]
got = []
opts = json.loads(sys.argv[3])
with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
    queue = conn.SimpleQueue("shared-work")
    idle = 0.0
    while idle < 3:
        try:
            message = queue.get(block=True, timeout=0.1)
        except queue.Empty:
            idle += 0.1
            continue
        idle = 0.0
        got.append(message.payload["n"])
        message.ack()
(folder / f"{name}.json").write_text(json.dumps(got))
"""


def test_two_readers_of_one_queue_take_each_message_exactly_once(tmp_path: Path) -> None:
    opts = options(tmp_path)
    with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
        queue = conn.SimpleQueue("shared-work")
        for n in range(400):
            queue.put({"n": n}, serializer="json")
        queue.close()
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(tmp_path), f"r{i}", json.dumps(opts)], cwd=BASE_DIR
        )
        for i in range(2)
    ]
    assert [reader.wait(timeout=120) for reader in readers] == [0, 0]
    taken = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in range(2)]
    assert sorted(taken[0] + taken[1]) == list(range(400))


def test_a_missing_processed_folder_is_created_rather_than_skipping_every_message(tmp_path: Path) -> None:
    opts = options(tmp_path)
    (tmp_path / "processed").rmdir()
    with Connection("filesystem://", transport="config.broker:Transport", transport_options=opts) as conn:
        queue = conn.SimpleQueue("fresh")
        queue.put({"n": 7}, serializer="json")
        assert queue.get(block=True, timeout=5).payload == {"n": 7}
        queue.close()
