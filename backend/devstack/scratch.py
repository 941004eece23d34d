"""Temporary directories that a private PostgreSQL can live in.

Under root the server runs as the `postgres` account, which cannot enter the usual 0700 temporary directories (pytest's
tmp_path lives under one), so fixtures take their directory from here instead.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_dir(prefix: str = "devstack-") -> Iterator[Path]:
    """A fresh directory under the system temp dir that other accounts may traverse; removed with its contents."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
