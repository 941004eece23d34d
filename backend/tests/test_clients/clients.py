"""Running the test clients in test-clients/ the way a person does: as scripts, in their own processes."""

import importlib
import os
import subprocess
import sys
from types import ModuleType

from devstack.components import BACKEND_DIR

CLIENTS_DIR = BACKEND_DIR.parent / "test-clients"
# Well above what the short answers these tests ask for need; a hung client fails its test instead of the run.
CLIENT_TIMEOUT_SECONDS = 90


def run_client(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run test-clients/`script` with this interpreter (the dev group carries the clients' pinned dependencies),
    with `env` added to the environment. No CHAT_TOKEN or CHAT_PASSWORD is inherited: a client signs in as a guest
    unless a test says otherwise."""
    environment = {name: value for name, value in os.environ.items() if name not in {"CHAT_TOKEN", "CHAT_PASSWORD"}}
    return subprocess.run(
        [sys.executable, str(CLIENTS_DIR / script), *args],
        cwd=CLIENTS_DIR,
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_SECONDS,
        check=False,
    )


def client_module(name: str) -> ModuleType:
    """One of the clients' modules, imported as the scripts import it (they are scripts, not a package)."""
    if str(CLIENTS_DIR) not in sys.path:
        sys.path.append(str(CLIENTS_DIR))
    return importlib.import_module(name)
