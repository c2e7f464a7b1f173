"""A throwaway PostgreSQL cluster of our own, for tests that take the database away.

The shared server the ``postgres`` tests use (127.0.0.1:5432) must never be stopped, so a
fault test makes its own cluster: ``initdb`` into a temporary folder, then ``postgres`` on
a free loopback port with its unix socket inside that folder, trust authentication, fsync
on (it is the real durability we test), small buffers and no autovacuum (it starts in about
a second). :meth:`ThrowawayPostgres.stop` is a fast shutdown, what an operator's
``systemctl stop postgresql`` or a failover does to clients; :meth:`ThrowawayPostgres.start`
brings the same data back on the same port::

    with throwaway_postgres_cluster() as cluster:
        use(cluster.url)       # postgres://postgres@127.0.0.1:<port>/switchboard
        cluster.stop()         # clients lose their connections; new ones are refused
        cluster.start()        # the same database again

While stopped, ``with cluster.starting_up():`` makes its port answer as PostgreSQL does
while it starts or recovers from a crash (every connection refused with SQLSTATE 57P03).

PostgreSQL refuses to run as root, and tests run as root in CI: there the binaries run as
the ``postgres`` OS user (which the Debian package creates), in a folder chowned to it. As
any other user they run as that user. The binaries are Debian's, under
``/usr/lib/postgresql/<version>/bin`` (the newest installed; ``.ci/system-packages``
installs them), or wherever ``pg_config --bindir`` says.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from support.processes import free_port

DEBIAN_VERSIONS = Path("/usr/lib/postgresql")
DATABASE = "switchboard"
SUPERUSER = "postgres"
OS_USER_WHEN_ROOT = "postgres"
# The port of the machine's shared server: this module never uses it.
SHARED_SERVER_PORT = 5432
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
# Settings for a quick start: tests write little, and fsync stays on (the default) on purpose.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "on",
    "shared_buffers": "16MB",
    "max_connections": "40",
    "autovacuum": "off",
    "max_wal_size": "64MB",
    "logging_collector": "off",
}

# Plain rows from psql: no ~/.psqlrc, no headers or alignment, tab between columns.
PSQL_OPTIONS = (
    "--no-psqlrc",
    "--no-align",
    "--tuples-only",
    "--field-separator=\t",
    "--set=ON_ERROR_STOP=1",
)


class ClusterError(RuntimeError):
    """The throwaway cluster could not be made, started or stopped; the message says why."""


def postgres_bindir() -> Path:
    """The folder of the newest installed PostgreSQL's binaries."""
    versions = sorted(
        (path for path in DEBIAN_VERSIONS.glob("*/bin") if (path / "initdb").exists()),
        key=lambda path: _version_key(path.parent.name),
    )
    if versions:
        return versions[-1]
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if bindir.returncode == 0 and (Path(bindir.stdout.strip()) / "initdb").exists():
            return Path(bindir.stdout.strip())
    raise ClusterError(
        "PostgreSQL's server binaries (initdb, postgres) are missing: run "
        "`make system-packages` (apt-get install postgresql)"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class ThrowawayPostgres:
    """One cluster in its own folder; see the module docstring."""

    def __init__(self, root: Path, bindir: Path, port: int) -> None:
        if port == SHARED_SERVER_PORT:
            raise ClusterError(f"port {port} belongs to the shared server")
        self.root = root
        self.bindir = bindir
        self.port = port
        self.data_dir = root / "data"
        self.socket_dir = root / "sockets"
        self.log_file = root / "postgres.log"
        self._run_as = _os_user_for_postgres()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The database URL Switchboard reads (``DATABASE_URL``)."""
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def create(self) -> None:
        """``initdb``, start, and create the ``switchboard`` database."""
        self.socket_dir.mkdir()
        self._give_to_postgres(self.root, self.socket_dir)
        self._run(
            str(self.bindir / "initdb"),
            f"--pgdata={self.data_dir}",
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--wal-segsize=1",  # MB: less to write than the default 16
            "--no-sync",  # only initdb's own final flush: the server runs with fsync on
        )
        self.start()
        self._run(str(self.bindir / "createdb"), *self._client_options(), DATABASE)

    def start(self) -> None:
        """Start the server on the same data and port; return once it takes connections."""
        if self.running:
            raise ClusterError("the throwaway cluster is already running")
        options = [f"--{name.replace('_', '-')}={value}" for name, value in self._settings()]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data_dir), *options],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,  # ^C in the terminal reaches pytest, not the server
                **self._run_as,
            )
        self._wait_until_ready()

    def stop(self, mode: str = "fast") -> None:
        """Shut the server down: ``fast`` (clients are disconnected at once, the data is
        checkpointed) or ``immediate`` (as if it crashed; recovery runs on the next start)."""
        process = self._process
        if process is None:
            return
        signals = {"fast": signal.SIGINT, "immediate": signal.SIGQUIT}
        if process.poll() is None:
            process.send_signal(signals[mode])
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise ClusterError(f"postgres did not stop in {STOP_TIMEOUT_S:g} s") from None
        finally:
            self._process = None

    def query(self, sql: str) -> list[tuple[str, ...]]:
        """The rows of one statement on the ``switchboard`` database, as text (psql's)."""
        result = subprocess.run(
            [str(self.bindir / "psql"), *PSQL_OPTIONS, f"--command={sql}", self.url],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"psql failed: {result.stderr}")
        return [tuple(line.split("\t")) for line in result.stdout.splitlines()]

    @contextmanager
    def starting_up(self) -> Iterator[StartingUpImpostor]:
        """While stopped, answer on the cluster's port as PostgreSQL does while it starts or
        recovers from a crash (which can last minutes): every connection is refused with
        SQLSTATE 57P03, "the database system is starting up"."""
        if self.running:
            raise ClusterError("stop the cluster before something else takes its port")
        impostor = StartingUpImpostor(self.port)
        try:
            yield impostor
        finally:
            impostor.close()

    def log(self) -> str:
        """What the server wrote so far (for failure messages)."""
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def _settings(self) -> list[tuple[str, str]]:
        return [
            *SERVER_SETTINGS.items(),
            ("port", str(self.port)),
            ("unix_socket_directories", str(self.socket_dir)),
        ]

    def _client_options(self) -> list[str]:
        return ["--host=127.0.0.1", f"--port={self.port}", f"--username={SUPERUSER}"]

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                self._process = None
                raise ClusterError(f"postgres exited while starting:\n{self.log()}")
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), *self._client_options(), "--timeout=1"],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.stop("immediate")
        raise ClusterError(f"postgres did not start in {START_TIMEOUT_S:g} s:\n{self.log()}")

    def _run(self, program: str, *arguments: str) -> None:
        """Run a command as the user the server runs as."""
        result = subprocess.run(
            [program, *arguments],
            capture_output=True,
            text=True,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C"},
            **self._run_as,
        )
        if result.returncode != 0:
            name = Path(program).name
            raise ClusterError(f"{name} failed:\n{result.stdout}{result.stderr}")

    def _give_to_postgres(self, *paths: Path) -> None:
        """As root, hand the folders to the OS user the server runs as."""
        if self._run_as:
            for path in paths:
                shutil.chown(path, self._run_as["user"], self._run_as["group"])


class StartingUpImpostor:
    """A listener that speaks just enough of PostgreSQL's protocol to refuse every client as
    a server still starting up; ``connections`` counts the clients it refused."""

    # The Error message a real server sends (severity, code, text), then it hangs up.
    STARTING_UP = b"".join(
        (b"SFATAL\0", b"VFATAL\0", b"C57P03\0", b"Mthe database system is starting up\0", b"\0")
    )

    def __init__(self, port: int) -> None:
        self.connections = 0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen()
        self._thread = threading.Thread(target=self._serve, name="pg-starting-up", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with client, suppress(OSError):
                client.settimeout(2)
                self._refuse(client)
            self.connections += 1

    def _refuse(self, client: socket.socket) -> None:
        """Decline SSL and GSS encryption (asyncpg and psql ask first), then answer the
        startup message with the error."""
        while True:
            header = _receive_exactly(client, 8)
            length, code = struct.unpack("!ii", header)
            _receive_exactly(client, length - 8)
            if code not in (SSL_REQUEST, GSSENC_REQUEST):
                break
            client.sendall(b"N")
        body = self.STARTING_UP
        client.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)


# The codes that open an encryption request instead of a startup message.
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104


def _receive_exactly(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client hung up")
        data += chunk
    return data


def _os_user_for_postgres() -> dict[str, Any]:
    """``subprocess`` arguments that drop root to the ``postgres`` user; none for others."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(OS_USER_WHEN_ROOT)
    except KeyError:
        raise ClusterError(
            f"PostgreSQL refuses to run as root and there is no '{OS_USER_WHEN_ROOT}' "
            "user to run it as: apt-get install postgresql creates one"
        ) from None
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@contextmanager
def throwaway_postgres_cluster() -> Iterator[ThrowawayPostgres]:
    """A new cluster with an empty ``switchboard`` database; stopped and deleted on exit,
    whatever happened inside.

    Its folder is a new one under the system's temporary directory rather than pytest's
    ``tmp_path``, whose parents only root may enter.
    """
    root = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
    try:
        cluster = ThrowawayPostgres(root, postgres_bindir(), free_port())
        try:
            cluster.create()
            yield cluster
        finally:
            with suppress(ClusterError):
                cluster.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway cluster for this test (see :func:`throwaway_postgres_cluster`)."""
    try:
        with throwaway_postgres_cluster() as cluster:
            yield cluster
    except ClusterError as error:
        pytest.fail(str(error))
