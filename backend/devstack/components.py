"""The application's own processes, started the same way by `make dev`, the tests and the benchmarks."""

import shutil
import sys
from pathlib import Path

from devstack.ports import LOOPBACK
from devstack.processes import ChildProcess, ProcessFailedError, Supervisor, http_ok

BACKEND_DIR = Path(__file__).resolve().parents[1]
FRONTEND_DIR = BACKEND_DIR.parent / "frontend"

_MIGRATION_TIMEOUT_SECONDS = 300.0
KEEP_ALIVE_SECONDS = 75
# Celery prints "celery@<host> ready." once it consumes from the queue.
_WORKER_READY_TEXT = " ready."


def run_migrations(supervisor: Supervisor, env: dict[str, str]) -> None:
    argv = [sys.executable, "-m", "alembic", "upgrade", "head"]
    supervisor.run("migrate", argv, cwd=BACKEND_DIR, env=env, timeout=_MIGRATION_TIMEOUT_SECONDS)


def start_simulator(
    supervisor: Supervisor, env: dict[str, str], port: int, *extra_args: str, restart: bool = False
) -> str:
    """The OpenAI-compatible simulator; returns its base URL for the SDK (…/v1). `restart`: see Supervisor.start."""
    argv = [sys.executable, "-m", "simulator", "--host", LOOPBACK, "--port", str(port), *extra_args]
    ready = http_ok(f"http://{LOOPBACK}:{port}/healthz")
    supervisor.start("simulator", argv, cwd=BACKEND_DIR, env=env, ready=ready, restart=restart)
    return f"http://{LOOPBACK}:{port}/v1"


def start_worker(
    supervisor: Supervisor,
    env: dict[str, str],
    concurrency: int,
    name: str = "worker",
    *,
    node_name: str | None = None,
    quiet: bool = False,
    restart: bool = False,
) -> ChildProcess:
    """A Celery worker running `concurrency` generations at once; returns once it consumes tasks.

    Several workers on one host each need their own `node_name` (Celery's default, celery@<host>, would repeat).
    `quiet` leaves out Celery's start-up banner, which it prints to stdout rather than logs: every line is then a log
    line. `restart`: see Supervisor.start; a restarted worker is ready again once it consumes tasks again.
    """
    argv = [
        sys.executable, "-m", "celery", "-A", "app.worker.celery_app", *(["--quiet"] if quiet else []), "worker",
        "--pool=threads", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    if node_name is not None:
        argv.append(f"--hostname={node_name}@%h")
    return supervisor.start(name, argv, cwd=BACKEND_DIR, env=env, ready_text=_WORKER_READY_TEXT, restart=restart)


def start_api(
    supervisor: Supervisor,
    env: dict[str, str],
    port: int,
    *,
    host: str = LOOPBACK,
    name: str = "api",
    access_log: bool = True,
    restart: bool = False,
    asgi_app: str = "app.main:app",
) -> str:
    """A uvicorn API process; returns its URL once it answers /healthz. `restart`: see Supervisor.start.

    `asgi_app`: another ASGI app served the same way (a benchmark's do-nothing server); it must answer /healthz too.
    """
    argv = [sys.executable, "-m", "uvicorn", asgi_app, "--host", host, "--port", str(port)]
    # Longer than a load balancer's idle timeout (uvicorn's 5 s default is not): a client or proxy that
    # reuses an idle connection must not race the server closing it.
    argv += ["--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)]
    # No `server: uvicorn` header: it tells a scanner which server, and so which known flaws, to try.
    argv.append("--no-server-header")
    if not access_log:
        argv.append("--no-access-log")
    # A wildcard address is for listening; clients reach it through the loopback.
    url = f"http://{LOOPBACK if host in ('0.0.0.0', '::') else host}:{port}"
    supervisor.start(name, argv, cwd=BACKEND_DIR, env=env, ready=http_ok(f"{url}/healthz"), restart=restart)
    return url


def frontend_built() -> bool:
    """True once `npm run build` has produced the production build that `start_frontend` serves."""
    return (FRONTEND_DIR / ".next" / "BUILD_ID").is_file()


def start_frontend(
    supervisor: Supervisor,
    env: dict[str, str],
    port: int,
    api_url: str,
    *,
    host: str = LOOPBACK,
    name: str = "frontend",
    restart: bool = False,
) -> str:
    """`next start` serving the built web app, talking to the API at `api_url`; returns its URL once it answers.

    The browser calls the API directly, so the API's CORS_ORIGINS must allow the returned URL.
    `restart`: see Supervisor.start.
    """
    next_cli = FRONTEND_DIR / "node_modules" / "next" / "dist" / "bin" / "next"
    node = shutil.which("node")
    if node is None or not next_cli.is_file() or not frontend_built():
        raise ProcessFailedError("the web app is not built: run `npm ci && npm run build` in frontend/ (make dev does)")
    argv = [node, str(next_cli), "start", "--hostname", host, "--port", str(port)]
    # The app reads NEXT_PUBLIC_API_URL when a page is requested, so one build serves any API.
    frontend_env = {**env, "NEXT_PUBLIC_API_URL": api_url, "NEXT_TELEMETRY_DISABLED": "1", "NODE_ENV": "production"}
    url = f"http://{LOOPBACK if host in ('0.0.0.0', '::') else host}:{port}"
    supervisor.start(name, argv, cwd=FRONTEND_DIR, env=frontend_env, ready=http_ok(f"{url}/"), restart=restart)
    return url
