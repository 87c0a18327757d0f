"""The embedded broker: kombu's file-system transport, made safe for several writers and readers.

Why not kombu's ``filesystem://`` as it is (kombu 5.7): ``Channel._put`` creates the message file *in the
queue folder* and only then writes into it; ``Channel._get`` renames whatever file it finds there without
taking the writer's advisory lock. A worker polling while the web process writes therefore reads an empty or
half-written file, ``json.loads`` raises, and Celery stops the worker with "Unrecoverable error". Two more
holes: a message is moved to ``tempfile.gettempdir()``, which may be another file system, where
``shutil.move`` copies instead of renaming (two readers could then both take it); and the exchange tables in
the control folder are rewritten in place, so a reader can see them empty while a process binds its queue.

The fix is the smallest that closes all three, and it keeps the folder layout, the file names and the
message format of kombu's transport:

* a message is written to a temporary folder next to the queue folder (same file system, never watched),
  flushed to disk with ``fsync`` and then renamed into the queue folder. ``rename`` is atomic on POSIX: a
  reader sees either no file or the whole message, never a part;
* a reader claims a message by renaming it into the ``processed`` folder of the same file system. Exactly
  one of several readers wins that rename; the others get ``FileNotFoundError`` and try the next file;
* exchange tables are replaced by rename as well, under a lock file, so that concurrent binds do not lose
  one another and a reader never sees a table half-written;
* a file that still cannot be decoded (left by kombu's transport before this one was used, or put there by
  hand) is set aside as ``*.corrupt`` with an error in the log, instead of stopping the worker.

Alternatives weighed: kombu's SQLAlchemy transport on a SQLite file needs SQLAlchemy (not a dependency) and
puts the broker's polling into the same single-writer database lock as the product's requests. Redis stays
the broker for production (``CELERY_BROKER_URL=redis://…``); this transport is only the default of the
embedded mode.

kombu refuses import paths in broker URLs (kombu issue #2641), so the URL stays ``filesystem://`` and the
settings name this class in Celery's ``broker_transport`` setting; every process that reads the settings
(web server, worker, beat, shell) then writes and reads the same way.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any, cast

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)


def _write_atomically(data: bytes, temp_folder: Path, target: Path) -> None:
    """Write ``data`` to ``target`` so that no reader ever sees a part of it."""
    temp = temp_folder / f"{target.name}.{uuid.uuid4().hex}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.rename(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class Channel(filesystem.Channel):
    """kombu's file-system channel with atomic writes and claims (see the module docstring)."""

    # kombu's stubs name the second argument differently in the base and the file-system channel.
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        filename = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_atomically(
                str_to_bytes(dumps(message)), self.temp_folder, Path(self.data_folder_out) / filename
            )
        except OSError as exc:
            raise ChannelError(f"Cannot add file {filename!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        wanted = f"{queue}.msg"
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != wanted:
                continue
            claimed = Path(self.processed_folder) / filename
            try:
                os.rename(Path(self.data_folder_in) / filename, claimed)
            except FileNotFoundError:
                continue  # another reader took it first
            except OSError as exc:
                raise ChannelError(f"Cannot take file {filename!r} from the queue.") from exc
            try:
                payload = claimed.read_bytes()
                message = loads(bytes_to_str(payload))
            except ValueError:
                claimed.rename(claimed.with_name(f"{filename}.corrupt"))
                logger.error(
                    "Broker message %s cannot be decoded; set aside as %s.corrupt", filename, claimed
                )
                continue
            if not self.store_processed:
                claimed.unlink(missing_ok=True)
            return message
        raise Empty()

    # Exchange tables: read whole files, replace them by rename under a lock file.

    def _table_file(self, exchange: str) -> Path:
        # kombu's check of the exchange name (no path tricks); not in kombu's type stubs.
        return cast(Path, self._exchange_file(exchange))  # type: ignore[attr-defined]

    def get_table(self, exchange: str) -> list[Any]:
        try:
            raw = self._table_file(exchange).read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {self._table_file(exchange)}") from exc
        return [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(raw))]

    def _change_table(self, exchange: str, add: Any = None, remove: Any = None) -> None:
        file = self._table_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(file.with_name(f"{file.name}.lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            queues = self.get_table(exchange)
            if add is not None and add not in queues:
                queues.insert(0, add)
            elif remove is not None and remove in queues:
                queues.remove(remove)
            else:
                return
            _write_atomically(str_to_bytes(dumps(queues)), self.temp_folder, file)

    def _queue_bind(
        self, exchange: str, routing_key: str | None, pattern: str | None, queue: str | None
    ) -> None:
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            self._change_table(exchange, add=entry)
        except OSError as exc:
            raise ChannelError(f"Cannot open {self._table_file(exchange)}") from exc

    def _delete(
        self, queue: str, exchange: str, routing_key: str, pattern: str, *args: Any, **kwargs: Any
    ) -> None:
        # kombu's virtual channel forgets the binding in memory; the table file is ours to change.
        super(filesystem.Channel, self)._delete(queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._change_table(exchange, remove=entry)

    @cached_property
    def processed_folder(self) -> str:
        # Must exist: a claim that cannot rename into it would look like a message another reader took.
        folder = str(self.transport_options.get("processed_folder", "processed"))
        Path(folder).mkdir(parents=True, exist_ok=True)
        return folder

    @cached_property
    def temp_folder(self) -> Path:
        folder = Path(self.transport_options.get("temp_folder") or Path(self.data_folder_out).parent / "tmp")
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class Transport(filesystem.Transport):
    """The embedded broker's transport (``broker_transport = "config.broker:Transport"``)."""

    Channel = Channel
    # Its own state: bindings known in memory are not shared with kombu's plain file-system transport.
    global_state = virtual.BrokerState()
