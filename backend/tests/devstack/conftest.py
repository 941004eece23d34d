from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import scratch_dir


@pytest.fixture
def scratch() -> Iterator[Path]:
    # Not tmp_path: under root the PostgreSQL server runs as `postgres`, which cannot enter pytest's 0700 temp tree.
    with scratch_dir() as path:
        yield path
