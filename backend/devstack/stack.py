"""The whole local stack in one terminal: Redis, PostgreSQL, migrations, simulator, workers, API and web app.

Redis and PostgreSQL come from REDIS_URL / DATABASE_URL when those answer, else from private servers under
<repo>/.data that belong to this process. Everything started here is stopped here, newest first, however we exit;
whatever dies before that is started again, with backoff (RestartPolicy).
"""

import importlib.util
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from app.core.config import LogFormat, Settings
from devstack.components import (
    BACKEND_DIR,
    frontend_built,
    run_migrations,
    start_api,
    start_frontend,
    start_simulator,
    start_worker,
)
from devstack.ports import LOOPBACK, free_port, is_port_free
from devstack.postgres_server import PrivatePostgres, postgres_answers
from devstack.private_server import PrivateServer
from devstack.processes import ProcessFailedError, RestartPolicy, Supervisor
from devstack.redis_server import PrivateRedis, redis_answers

REPO_ROOT = BACKEND_DIR.parent
DATA_DIR = REPO_ROOT / ".data"
LOG_DIR = DATA_DIR / "logs"

# Off the services' standard ports, so a system-wide Redis or PostgreSQL can run alongside.
REDIS_PORT = 6390
POSTGRES_PORT = 5440
SIMULATOR_PORT = 8090

# Two, so that killing one worker leaves another to take over its answers.
DEFAULT_WORKER_PROCESSES = 2
# Generations at once across all workers, shared among them unless WORKER_CONCURRENCY (per process) says otherwise.
DEFAULT_TOTAL_CONCURRENCY = 1024


class StopSignal(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: unwind and stop everything (a KeyboardInterrupt, so `except Exception` lets it by)."""


@dataclass(frozen=True)
class Component:
    """A piece of the stack that other tasks write; `path` is checked when `module` is None."""

    role: str
    module: str | None = None
    path: Path | None = None

    def present(self) -> bool:
        if self.module is not None:
            return importlib.util.find_spec(self.module) is not None
        return self.path is not None and self.path.exists()

    def describe(self) -> str:
        return f"module {self.module}" if self.module is not None else str(self.path)


def missing_components(simulated: bool) -> list[Component]:
    """The parts the stack needs that are not there (yet)."""
    needed = [
        Component("database migrations", path=BACKEND_DIR / "alembic.ini"),
        Component("Celery worker", module="app.worker"),
        Component("API", module="app.main"),
    ]
    if simulated:
        needed.append(Component("LLM simulator", module="simulator"))
    return [component for component in needed if not component.present()]


def redact(url: str) -> str:
    """`url` with any password replaced, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


# What `make dev` runs is restarted after a crash instead of taking the stack down; one-shot commands are not.
RESTARTS = RestartPolicy(announce=_say)


@dataclass(frozen=True)
class WorkerProcess:
    """One Celery worker of the stack: `name` for its log and output, `node_name` unique among the workers."""

    name: str
    node_name: str
    concurrency: int


def _positive_int(environ: Mapping[str, str], variable: str, default: int) -> int:
    value = environ.get(variable)
    if value is None:
        return default
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"{variable} must be a whole number of at least 1, not {value!r}")
    return int(value)


def worker_processes(environ: Mapping[str, str]) -> list[WorkerProcess]:
    """The workers to run: WORKER_PROCESSES of them, each running WORKER_CONCURRENCY generations at once."""
    count = _positive_int(environ, "WORKER_PROCESSES", DEFAULT_WORKER_PROCESSES)
    concurrency = _positive_int(environ, "WORKER_CONCURRENCY", max(1, DEFAULT_TOTAL_CONCURRENCY // count))
    return [WorkerProcess(f"worker-{n}", f"worker-{n}", concurrency) for n in range(1, count + 1)]


def worker_metrics_ports(first: int, count: int) -> list[int | None]:
    """A port of its own for each of `count` workers' metrics, the free ones from `first` (WORKER_METRICS_PORT) up:
    every worker process serves its own endpoint, and two cannot share a port. All None when `first` is 0 (off)."""
    if not first:
        return [None] * count
    ports: list[int | None] = []
    for _ in range(count):
        port = free_port(first)
        ports.append(port)
        first = port + 1
    return ports


def _configured(settings: Settings, field: str) -> str | None:
    # Only what the environment or backend/.env actually set counts: the settings' own defaults are placeholders.
    return str(getattr(settings, field)) if field in settings.model_fields_set else None


@dataclass(frozen=True)
class BackingService:
    """A store the stack needs: taken from the `setting` when that answers, else run as a private server.

    The setting's environment variable is its upper-case name, as pydantic-settings reads it.
    """

    product: str
    setting: str
    answers: Callable[[str], bool]
    private_server: Callable[[], PrivateServer]
    files: Callable[[PrivateServer], str]


REDIS = BackingService(
    "Redis",
    "redis_url",
    redis_answers,
    private_server=lambda: PrivateRedis(DATA_DIR / "redis", free_port(REDIS_PORT), restart=RESTARTS),
    files=lambda server: f"log: {server.log_path}",
)
POSTGRES = BackingService(
    "PostgreSQL",
    "database_url",
    postgres_answers,
    private_server=lambda: PrivatePostgres(DATA_DIR / "postgres", free_port(POSTGRES_PORT), restart=RESTARTS),
    files=lambda server: f"data and log: {server.data_dir}",
)


def ensure_service(resources: ExitStack, settings: Settings, service: BackingService) -> str:
    """The URL of `service`; a private server started for it is entered into `resources`."""
    configured = _configured(settings, service.setting)
    variable = service.setting.upper()
    if configured is not None:
        if service.answers(configured):
            _say(f"{service.product}: using {variable} {redact(configured)}")
            return configured
        _say(
            f"{service.product}: {variable} {redact(configured)} does not answer; "
            f"starting a private {service.product} instead"
        )
    server = service.private_server()
    _say(f"{service.product}: starting a private server on {server.url} ({service.files(server)})")
    resources.enter_context(server)
    return server.url


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    _ignore_stop_signals()
    raise StopSignal(signal.Signals(signum).name)


def _ignore_stop_signals() -> None:
    # Once shutting down, a second Ctrl-C must not cut the orderly stop short and leave servers behind.
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise StopSignal inside the block; the previous handlers come back after it."""
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _raise_stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def child_env(redis_url: str, database_url: str) -> dict[str, str]:
    # Readable log lines, unless the developer asked for another format.
    return {
        "LOG_FORMAT": LogFormat.CONSOLE.value,
        **os.environ,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }


def _print_ready(api_url: str, simulator_url: str | None, web_url: str | None = None) -> None:
    lines = [
        "",
        "The stack is up:",
        *([f"  web app     {web_url}"] if web_url is not None else []),
        f"  API         {api_url}",
        f"  API docs    {api_url}/docs",
    ]
    if simulator_url is not None:
        lines += [
            f"  simulator   {simulator_url}",
            "  Answers are SIMULATED. For a real model: OPENAI_API_KEY=sk-... make dev (or put it in backend/.env).",
        ]
    lines += [
        f"  logs        {LOG_DIR}/",
        "",
        "Try it:",
        f"  API={api_url}",
        "  json() { python3 -c \"import json,sys; print(json.load(sys.stdin)['$1'])\"; }",
        '  AUTH="Authorization: Bearer $(curl -s -X POST $API/auth/guest | json token)"',
        "  CONV=$(curl -s -X POST $API/conversations -H \"$AUTH\" -H 'content-type: application/json' "
        '-d \'{"title":"hello"}\' | json id)',
        "  TASK=$(curl -s -X POST $API/conversations/$CONV/messages -H \"$AUTH\" -H 'content-type: application/json' "
        '-d \'{"content":"Hi there!"}\' | json task_id)',
        '  curl -N -H "$AUTH" $API/stream/$TASK',
        "",
        "Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def _start_services(resources: ExitStack, settings: Settings) -> Supervisor | None:
    """Start the whole stack; None (after saying why) when parts of it do not exist yet."""
    redis_url = ensure_service(resources, settings, REDIS)
    database_url = ensure_service(resources, settings, POSTGRES)
    simulated = settings.simulated
    missing = missing_components(simulated)
    if missing:
        _say("cannot start the rest of the stack; missing:")
        for component in missing:
            _say(f"  - {component.role}: {component.describe()}")
        return None

    api_host = os.environ.get("API_HOST", LOOPBACK)
    api_port = int(os.environ.get("API_PORT", "8000"))
    if not is_port_free(api_port, api_host):
        raise ProcessFailedError(f"port {api_port} on {api_host} is taken; stop whatever uses it or set API_PORT")

    supervisor = resources.enter_context(Supervisor(LOG_DIR, echo=True, restart_policy=RESTARTS))
    env = child_env(redis_url, database_url)
    _say("migrations: alembic upgrade head")
    run_migrations(supervisor, env)

    simulator_url = None
    if simulated:
        port = free_port(SIMULATOR_PORT)
        simulator_url = f"http://{LOOPBACK}:{port}/v1"
        _say(f"simulator: OPENAI_API_KEY is not set, so answers come from the simulator at {simulator_url}")
        start_simulator(supervisor, env, port, restart=True)
        env["SIMULATOR_URL"] = simulator_url
    else:
        _say(f"LLM: OpenAI, model {settings.openai_model}")

    workers = worker_processes(os.environ)
    _say(f"workers: {len(workers)} celery processes of {workers[0].concurrency} threads each")
    metrics_ports = worker_metrics_ports(settings.worker_metrics_port, len(workers))
    for worker, metrics_port in zip(workers, metrics_ports, strict=True):
        # Set for each worker even when off: a WORKER_METRICS_PORT in backend/.env would give them all one port.
        worker_env = {**env, "WORKER_METRICS_PORT": str(metrics_port or 0)}
        if metrics_port is not None:
            _say(f"{worker.name}: metrics on port {metrics_port}")
        start_worker(supervisor, worker_env, worker.concurrency, worker.name, node_name=worker.node_name, restart=True)

    _say(f"API: uvicorn on {api_host}:{api_port}")
    api_url = start_api(supervisor, env, api_port, host=api_host, restart=True)

    # Frontend slot: the web app (`next start`, built by `make dev`) on FRONTEND_PORT, calling the API above.
    web_url = None
    if frontend_built():
        web_host = os.environ.get("FRONTEND_HOST", LOOPBACK)
        web_port = int(os.environ.get("FRONTEND_PORT", "3000"))
        if not is_port_free(web_port, web_host):
            raise ProcessFailedError(
                f"port {web_port} on {web_host} is taken; stop whatever uses it or set FRONTEND_PORT"
            )
        _say(f"web app: next start on {web_host}:{web_port}")
        web_url = start_frontend(supervisor, env, web_port, api_url, host=web_host, restart=True)
        if web_url not in settings.cors_origins and f"http://localhost:{web_port}" not in settings.cors_origins:
            _say(f"warning: CORS_ORIGINS does not allow {web_url}: the browser will be refused by the API")
    else:
        _say("web app: not built (frontend/.next is missing); `make dev` builds it")

    _print_ready(api_url, simulator_url, web_url)
    return supervisor


def _run_until_done(work: Callable[[ExitStack], int], *, code_when_stopped: int) -> int:
    """Run `work` and return its exit code; a stop signal or an expected failure is reported and becomes one too.

    Whatever `work` enters into the ExitStack is stopped, newest first, however it ends.
    """
    with _stop_signals_raise(), ExitStack() as resources:
        try:
            return work(resources)
        except StopSignal as stop:
            _say(f"{stop}: stopping")
            return code_when_stopped
        # ProcessFailedError and the private servers' setup failures (initdb, psql) are RuntimeErrors.
        except (RuntimeError, OSError) as error:
            _say(f"error: {error}")
            return 1
        finally:
            _ignore_stop_signals()


def up() -> int:
    """Run the stack until Ctrl-C / SIGTERM (exit 0); a part that dies is restarted (one that is not: exit 1)."""

    def serve(resources: ExitStack) -> int:
        supervisor = _start_services(resources, Settings(_env_file=BACKEND_DIR / ".env"))
        if supervisor is None:
            return 2
        # Every part is restarted after a crash, so this waits for Ctrl-C; one started without restart would end it.
        dead = supervisor.wait_for_exit()
        _say(f"{dead.name} exited unexpectedly with code {dead.poll()}; stopping the rest. Its last lines:")
        print(dead.log_tail(), flush=True)
        return 1

    return _run_until_done(serve, code_when_stopped=0)


def migrate() -> int:
    """Apply migrations to DATABASE_URL, or to the private PostgreSQL (started just for this)."""

    def apply_migrations(resources: ExitStack) -> int:
        database_url = ensure_service(resources, Settings(_env_file=BACKEND_DIR / ".env"), POSTGRES)
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        run_migrations(resources.enter_context(Supervisor(LOG_DIR, echo=True)), env)
        return 0

    return _run_until_done(apply_migrations, code_when_stopped=1)
