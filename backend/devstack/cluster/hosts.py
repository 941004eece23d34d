"""The cluster: every role of DEPLOYMENT.md's runbook on a host of its own, started with the runbook's own blocks.

Each process is `ip netns exec <host> unshare --uts …`: the host's network, and a hostname of its own (so that
Celery's `%h` and the lease holder's `host:pid` name the host, as on separate machines). Every hop execs the next,
so the pid a caller holds is the server's, and a SIGKILL of it is a crash of that server.
"""

import json
import os
import pwd
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devstack.cluster.runbook import REPO_ROOT, block
from devstack.cluster.topology import SUBNET, Host, Topology, topology
from devstack.postgres_server import postgres_bin_dir
from devstack.processes import ChildProcess, Readiness, Supervisor, http_ok
from devstack.relaxed_limits import RELAXED_LIMITS
from devstack.scratch import scratch_dir

ADDRESSES = {
    "edge": "10.250.0.2",
    "api1": "10.250.0.11",
    "api2": "10.250.0.12",
    "wk1": "10.250.0.21",
    "wk2": "10.250.0.22",
    "data": "10.250.0.31",
    "model": "10.250.0.41",
    "client": "10.250.0.51",
}
API_HOSTS = ("api1", "api2")
WORKER_HOSTS = ("wk1", "wk2")
# The hosts every cluster has, whichever API and worker hosts it runs.
_FIXED_HOSTS = ("edge", "data", "model", "client")
API_PORT = 8000
# Each worker process's metrics endpoint (WORKER_METRICS_PORT; one process per worker host here).
WORKER_METRICS_PORT = 9100
_ONE_SHOT_TIMEOUT_SECONDS = 120.0
_START_TIMEOUT_SECONDS = 60.0
WORKER_READY_TEXT = " ready."


@dataclass(frozen=True)
class ClusterSpec:
    """What a cluster runs: which API and worker hosts (nginx balances over the API hosts), and the settings a
    caller chooses for its purpose."""

    # WORKER_CONCURRENCY: the generations each worker process runs at once.
    worker_concurrency: int
    # LEASE_SECONDS; None keeps the product's default.
    lease_seconds: float | None = None
    api_hosts: tuple[str, ...] = API_HOSTS
    worker_hosts: tuple[str, ...] = WORKER_HOSTS

    def __post_init__(self) -> None:
        unknown = set(self.api_hosts) - set(API_HOSTS) | set(self.worker_hosts) - set(WORKER_HOSTS)
        if unknown or not self.api_hosts or not self.worker_hosts:
            raise ValueError(f"a cluster needs API hosts among {API_HOSTS} and worker hosts among {WORKER_HOSTS}")

    @property
    def addresses(self) -> dict[str, str]:
        """The hosts to build: only the API and worker hosts that run get a namespace."""
        names = {*_FIXED_HOSTS, *self.api_hosts, *self.worker_hosts}
        return {name: address for name, address in ADDRESSES.items() if name in names}


def _on_host(host: Host, script: str, *, account: str | None = None) -> list[str]:
    """`script` (a runbook block) run by `bash -eu` on `host`, as `account` if given, under the host's own name."""
    become = [] if account is None else ["setpriv", f"--reuid={account}", f"--regid={account}", "--init-groups"]
    return host.argv(
        "unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host.name, *become, "bash", "-euc", script
    )


@dataclass(frozen=True)
class Starting:
    child: ChildProcess
    ready: Readiness

    def wait(self) -> ChildProcess:
        self.child.wait_ready(self.ready, _START_TIMEOUT_SECONDS)
        return self.child


@dataclass
class Cluster:
    spec: ClusterSpec
    net: Topology
    supervisor: Supervisor
    root: Path
    # The application's settings, as the API, worker and migration processes of a deployment would have them.
    app_env: dict[str, str]
    # The runbook's variables and this process's PATH (with PostgreSQL's bin/), for every block.
    base_env: dict[str, str]

    @property
    def edge_url(self) -> str:
        return f"http://{ADDRESSES['edge']}"

    def api_url(self, host: str) -> str:
        return f"http://{ADDRESSES[host]}:{API_PORT}"

    def http_ready(self, url: str) -> bool:
        """A GET of `url` from the client host answers 200."""
        return self.net.run_in("client", http_ok(url))

    def run_once(self, role: str, host: str, *, account: str | None = None, app: bool = False) -> None:
        """A one-shot block (initdb, createdb, migrations): must succeed within its bound."""
        env = {**self.base_env, **(self.app_env if app else {})}
        argv = _on_host(self.net.hosts[host], block(role), account=account)
        result = subprocess.run(
            argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=_ONE_SHOT_TIMEOUT_SECONDS, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"runbook={role} on {host} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def start(
        self,
        role: str,
        host: str,
        *,
        account: str | None = None,
        app: bool = False,
        ready_url: str | None = None,
        ready_text: str | None = None,
    ) -> "Starting":
        """A long-running block, under the name of its host (and role, where a host has several); returns at once,
        so that processes that take seconds to import their code start side by side."""
        env = {**self.base_env, **(self.app_env if app else {})}
        argv = _on_host(self.net.hosts[host], block(role), account=account)
        name = host if role in ("api", "worker", "model") else f"{host}-{role}"
        child = self.supervisor.start(name, argv, cwd=REPO_ROOT, env=env)
        return Starting(child, self._readiness(child, ready_url, ready_text))

    def _readiness(self, child: ChildProcess, ready_url: str | None, ready_text: str | None) -> Readiness:
        def ready() -> bool:
            if ready_text is not None and ready_text not in child.output():
                return False
            return ready_url is None or self.http_ready(ready_url)

        return ready

    def process(self, name: str) -> ChildProcess:
        return self.supervisor.child(name)

    def crash(self, name: str) -> None:
        """SIGKILL a server (not its group: the crash of one process, as the OOM killer would do it)."""
        child = self.process(name)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    def start_again(self, name: str, *, ready_url: str | None = None, ready_text: str | None = None) -> Starting:
        """Start a server that ended (crashed, or stopped by the caller's own signal) with the same block; returns at
        once, so that the caller may go on while it starts."""
        child = self.process(name)
        assert child.restart(), f"{name} was stopped for good"
        return Starting(child, self._readiness(child, ready_url, ready_text))

    def data_host_sql(self, query: str) -> str:
        """`query` through psql on the data host, over the local socket (the runbook's peer authentication)."""
        psql = str(postgres_bin_dir() / "psql")
        script = f'{psql} --host "$PGDATA" --dbname chat --no-psqlrc -tAc "$0"'
        argv = self.net.hosts["data"].argv(
            "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "bash", "-euc", script, query
        )
        result = subprocess.run(argv, env=self.base_env, capture_output=True, text=True, timeout=30, check=True)
        return result.stdout


def _application_env(spec: ClusterSpec, password: str, metrics_token: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "OPENAI_API_KEY"}
    data, model = ADDRESSES["data"], ADDRESSES["model"]
    if spec.lease_seconds is not None:
        env["LEASE_SECONDS"] = str(spec.lease_seconds)
    return env | {
        "DATABASE_URL": f"postgresql://postgres:{password}@{data}:5432/chat",
        "REDIS_URL": f"redis://{data}:6379/0",
        "SIMULATOR_URL": f"http://{model}:8090/v1",
        "FORWARDED_ALLOW_IPS": ADDRESSES["edge"],
        "WORKER_METRICS_PORT": str(WORKER_METRICS_PORT),
        "METRICS_TOKEN": metrics_token,
        # Every guest comes from one address (the client host): the per-address limits would refuse them.
        **RELAXED_LIMITS,
    }


def _write_site_files(spec: ClusterSpec, root: Path, metrics_token: str) -> None:
    """What DEPLOYMENT.md says the site supplies beside the shipped configuration: the API servers for nginx, the
    scrape targets and the metrics token for Prometheus."""
    nginx_dir = root / "nginx"
    nginx_dir.mkdir()
    servers = "".join(f"server {ADDRESSES[host]}:{API_PORT};\n" for host in spec.api_hosts)
    (nginx_dir / "chat-api-servers.conf").write_text(servers)
    targets = root / "prometheus" / "targets"
    targets.mkdir(parents=True)
    apis = [f"{ADDRESSES[h]}:{API_PORT}" for h in spec.api_hosts]
    (targets / "api.json").write_text(json.dumps([{"targets": apis}]))
    workers = [f"{ADDRESSES[h]}:{WORKER_METRICS_PORT}" for h in spec.worker_hosts]
    (targets / "worker.json").write_text(json.dumps([{"targets": workers}]))
    (root / "prometheus" / "metrics-token").write_text(metrics_token)


@contextmanager
def cluster(log_dir: Path, spec: ClusterSpec) -> Iterator[Cluster]:
    """Every host of `spec` up and ready, in the runbook's start order; everything stopped and deleted on the way
    out but the processes' logs, one file per process in `log_dir`."""
    with scratch_dir("chat-cluster-") as root, topology(spec.addresses) as net:
        password = secrets.token_hex(16)
        metrics_token = secrets.token_hex(32)
        password_file = root / "postgres-password"
        password_file.write_text(password + "\n")
        password_file.chmod(0o644)
        _write_site_files(spec, root, metrics_token)
        bin_path = f"{postgres_bin_dir()}:{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        base_env = {
            **os.environ,
            "PATH": bin_path,
            "HOST_ADDRESS": ADDRESSES["data"],
            "APP_SUBNET": SUBNET,
            "REDIS_DIR": str(root / "redis"),
            "PGDATA": str(root / "postgres"),
            "POSTGRES_PASSWORD_FILE": str(password_file),
            "WORKER_CONCURRENCY": str(spec.worker_concurrency),
            "NGINX_DIR": str(root / "nginx"),
            "PROMETHEUS_DIR": str(root / "prometheus"),
        }
        (root / "redis").mkdir()
        # The data directory belongs to the account PostgreSQL runs as, as initdb wants it.
        (root / "postgres").mkdir(mode=0o700)
        postgres_account = pwd.getpwnam("postgres")
        os.chown(root / "postgres", postgres_account.pw_uid, postgres_account.pw_gid)
        with Supervisor(log_dir) as supervisor:
            c = Cluster(spec, net, supervisor, root, _application_env(spec, password, metrics_token), base_env)
            c.run_once("postgres-init", "data", account="postgres")
            c.start("postgres", "data", account="postgres", ready_text="ready to accept connections").wait()
            c.run_once("postgres-database", "data", account="postgres")
            redis = c.start("redis", "data", ready_text="Ready to accept connections")
            model = c.start("model", "model", app=True, ready_url=f"http://{ADDRESSES['model']}:8090/healthz")
            redis.wait()
            c.run_once("migrate", "api1", app=True)
            api_hosts, worker_hosts = spec.api_hosts, spec.worker_hosts
            starting = [c.start("api", host, app=True, ready_url=f"{c.api_url(host)}/readyz") for host in api_hosts]
            starting += [c.start("worker", host, app=True, ready_text=WORKER_READY_TEXT) for host in worker_hosts]
            for process in [model, *starting]:
                process.wait()
            c.start("edge", "edge", ready_url=f"{c.edge_url}/healthz").wait()
            c.start("prometheus", "edge", ready_url=f"http://{ADDRESSES['edge']}:9090/-/ready").wait()
            yield c
