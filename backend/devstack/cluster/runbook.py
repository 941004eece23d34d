"""The operator's commands, read from DEPLOYMENT.md: each fenced block tagged ```` ```bash runbook=<role> ````.

The cluster (hosts.py) runs these blocks as they are written, for the cluster test and the cluster benchmark, so the
runbook cannot drift from what works.
"""

import re
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
RUNBOOK = REPO_ROOT / "DEPLOYMENT.md"
DEPLOY_DIR = REPO_ROOT / "deploy"
_BLOCK = re.compile(r"^```bash runbook=(?P<role>[a-z-]+)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


@cache
def runbook_blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    for match in _BLOCK.finditer(RUNBOOK.read_text()):
        role = match.group("role")
        if role in blocks:
            raise ValueError(f"{RUNBOOK.name} has two blocks for runbook={role}")
        blocks[role] = match.group("body")
    return blocks


def block(role: str) -> str:
    """The commands of one role, as a `bash -eu` script."""
    blocks = runbook_blocks()
    if role not in blocks:
        raise KeyError(f"{RUNBOOK.name} has no ```bash runbook={role} block (it has: {', '.join(sorted(blocks))})")
    return blocks[role]
