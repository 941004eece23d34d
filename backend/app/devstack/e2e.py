"""`python -m app.devstack.e2e`: a throwaway stack for the browser tests, with the built web app in front of it.

Private Redis and PostgreSQL in a scratch directory, migrations, the simulator, a Celery worker, the API and
`next start`, all on free loopback ports. Once everything answers, the URLs are written as JSON to `--ready-file`
(and printed); the stack runs until SIGTERM or SIGINT and then stops everything, newest first.
"""

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from app.devstack.components import run_migrations, start_api, start_frontend, start_simulator, start_worker
from app.devstack.ports import LOOPBACK, free_port
from app.devstack.postgres_server import PrivatePostgres
from app.devstack.processes import ProcessFailedError, Supervisor
from app.devstack.redis_server import PrivateRedis
from app.devstack.scratch import scratch_dir

# Quick answers unless a test asks otherwise with a [sim ...] directive in its message.
SIMULATOR_DEFAULTS = {
    "SIM_TOKENS": "40",
    "SIM_TOKENS_PER_SECOND": "200",
    "SIM_TTFT_MS": "0",
    "SIM_REASONING_TOKENS": "6",
}


def _say(message: str) -> None:
    print(f"[e2e-stack] {message}", flush=True)


def run(ready_file: Path, log_dir: Path) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)

    with scratch_dir("chat-e2e-") as root:
        redis = PrivateRedis(root / "redis", free_port())
        postgres = PrivatePostgres(root / "postgres", free_port(), durable=False)
        with redis, postgres, Supervisor(log_dir) as supervisor:
            frontend_port = free_port()
            frontend_origin = f"http://{LOOPBACK}:{frontend_port}"
            simulator_port = free_port()
            env = {
                **SIMULATOR_DEFAULTS,
                **os.environ,
                "REDIS_URL": redis.url,
                "DATABASE_URL": postgres.url,
                "SIMULATOR_URL": f"http://{LOOPBACK}:{simulator_port}/v1",
                "CORS_ORIGINS": frontend_origin,
                # Checkpoints often, so a reload mid-answer starts from a recent one.
                "CHECKPOINT_SECONDS": "1",
                "PYTHONUNBUFFERED": "1",
            }
            # The tests drive the simulator; a real model would make them slow, costly and unpredictable.
            env.pop("OPENAI_API_KEY", None)
            run_migrations(supervisor, env)
            simulator_url = start_simulator(supervisor, env, simulator_port)
            start_worker(supervisor, env, concurrency=16)
            api_url = start_api(supervisor, env, free_port(), access_log=False)
            frontend_url = start_frontend(supervisor, env, frontend_port, api_url)
            urls = {"api_url": api_url, "frontend_url": frontend_url, "simulator_url": simulator_url}
            ready_file.write_text(json.dumps(urls))
            _say(f"ready: web app {frontend_url}, API {api_url}, logs in {log_dir}")
            while not stop.wait(0.5):
                for name in ("simulator", "worker", "api", "frontend"):
                    child = supervisor.child(name)
                    if child.poll() is not None:
                        _say(f"{name} exited with code {child.poll()}; last lines:\n{child.log_tail()}")
                        return 1
            _say("stopping")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.devstack.e2e", description=__doc__)
    parser.add_argument("--ready-file", type=Path, required=True, help="where to write the URLs as JSON when ready")
    parser.add_argument("--log-dir", type=Path, required=True, help="where each process writes its log")
    args = parser.parse_args(argv)
    try:
        return run(args.ready_file, args.log_dir)
    except (ProcessFailedError, OSError, RuntimeError) as error:
        _say(f"error: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
