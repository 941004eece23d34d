"""A private PostgreSQL server: a child process on a loopback TCP port, for the dev stack and the tests.

PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` system account (which Debian's
package creates) and the server runs as that account; every directory above the data directory must let it through.
"""

import asyncio
import grp
import os
import pwd
import re
import signal
import stat
import subprocess
from pathlib import Path

import asyncpg

from devstack.ports import LOOPBACK
from devstack.private_server import PrivateServer
from devstack.processes import ChildProcess, RestartPolicy

POSTGRES_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"

# A fast shutdown: open sessions are rolled back at once instead of being waited for (SIGTERM would wait).
_FAST_SHUTDOWN = signal.SIGINT
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLIENT_TIMEOUT_SECONDS = 30


def postgres_bin_dir() -> Path:
    """The bin directory of the newest PostgreSQL installed the Debian way."""
    candidates = [path.parent for path in POSTGRES_ROOT.glob("*/bin/initdb") if path.parent.parent.name.isdigit()]
    if not candidates:
        raise FileNotFoundError(f"no {POSTGRES_ROOT}/*/bin/initdb; run scripts/bootstrap.sh (or `make dev`) first")
    return max(candidates, key=lambda path: int(path.parent.name))


def _check_reachable(data_dir: Path, account: pwd.struct_passwd) -> None:
    groups = {account.pw_gid} | {group.gr_gid for group in grp.getgrall() if account.pw_name in group.gr_mem}
    for directory in data_dir.parents:
        info = directory.stat()
        if info.st_uid == account.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise PermissionError(
                f"the {account.pw_name} account cannot reach {data_dir}: {directory} is not traversable for it; "
                "choose a data directory elsewhere (devstack.scratch_dir makes one) or `chmod o+x` that directory"
            )


class PrivatePostgres(PrivateServer):
    """A PostgreSQL cluster in `data_dir` (created on first start), served on 127.0.0.1:`port` with trust auth.

    `durable=False` trades crash safety for speed (no fsync, no full-page writes): for throwaway test clusters only.
    A durable cluster restarted after a crash (`restart`, see PrivateServer) recovers from its write-ahead log.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        database: str = "chat",
        durable: bool = True,
        max_connections: int = 200,
        start_timeout: float = 60.0,
        restart: RestartPolicy | None = None,
    ) -> None:
        if not _DATABASE_NAME.fullmatch(database):
            raise ValueError(f"database name {database!r} must be a plain SQL identifier")
        super().__init__("PostgreSQL", data_dir.absolute(), port, start_timeout, restart)
        self.database = database
        self._durable = durable
        self._max_connections = max_connections

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{self.database}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    def start(self) -> None:
        self._refuse_if_running()
        bin_dir = postgres_bin_dir()
        account = pwd.getpwnam(SUPERUSER) if os.geteuid() == 0 else None
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir, account)
        child = ChildProcess(
            "postgres",
            self._server_argv(bin_dir),
            log_path=self.log_path,
            user=account.pw_name if account is not None else None,
            stop_signal=_FAST_SHUTDOWN,
            stop_timeout=30.0,
        )
        self._launch(
            child,
            lambda: self._accepts_connections(bin_dir),
            finish_setup=lambda: self._create_database(bin_dir),
        )

    def _initdb(self, bin_dir: Path, account: pwd.struct_passwd | None) -> None:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if account is not None:
            _check_reachable(self.data_dir, account)
            os.chown(self.data_dir, account.pw_uid, account.pw_gid)
        argv = [
            str(bin_dir / "initdb"),
            "--pgdata", str(self.data_dir),
            "--username", SUPERUSER,
            "--auth", "trust",
            "--encoding", "UTF8",
            # The C locale exists everywhere and collates by bytes: the same order on every machine.
            "--no-locale",
        ]  # fmt: skip
        if not self._durable:
            argv.append("--no-sync")
        result = subprocess.run(
            argv,
            user=account.pw_name if account is not None else None,
            extra_groups=[] if account is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed for {self.data_dir}:\n{result.stdout}{result.stderr}")

    def _server_argv(self, bin_dir: Path) -> list[str]:
        settings = {
            "listen_addresses": LOOPBACK,
            "port": str(self.port),
            # TCP only: nothing in the project needs a socket file, and its default directory may not be writable.
            "unix_socket_directories": "",
            "max_connections": str(self._max_connections),
        }
        if not self._durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        argv = [str(bin_dir / "postgres"), "-D", str(self.data_dir)]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        return argv

    def _client_argv(self, bin_dir: Path, program: str) -> list[str]:
        return [str(bin_dir / program), "--host", LOOPBACK, "--port", str(self.port), "--username", SUPERUSER]

    def _accepts_connections(self, bin_dir: Path) -> bool:
        argv = [*self._client_argv(bin_dir, "pg_isready"), "--dbname", "postgres", "--quiet", "--timeout", "1"]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, check=False).returncode == 0

    def _create_database(self, bin_dir: Path) -> None:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"
        found = self._run_client(
            [*self._client_argv(bin_dir, "psql"), "--dbname", "postgres", "--no-psqlrc", "-tAc", query]
        )
        if found.strip() != "1":
            self._run_client([*self._client_argv(bin_dir, "createdb"), self.database])

    def _run_client(self, argv: list[str]) -> str:
        result = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, timeout=_CLIENT_TIMEOUT_SECONDS
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed against {self.url}:\n{result.stdout}{result.stderr}")
        return result.stdout


def postgres_answers(url: str, timeout: float = 3.0) -> bool:
    """True when the database at `url` (libpq or SQLAlchemy form) accepts a connection.

    Runs its own event loop: call it from synchronous code only.
    """
    scheme, _, rest = url.partition("://")
    dsn = f"{scheme.partition('+')[0]}://{rest}"

    async def connect() -> None:
        connection = await asyncpg.connect(dsn, timeout=timeout)
        await connection.close()

    try:
        asyncio.run(connect())
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    return True
