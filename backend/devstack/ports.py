"""Finding a TCP port on the loopback interface that nothing listens on yet."""

import socket

LOOPBACK = "127.0.0.1"

# How far past a preferred port to look before giving up: far enough to step over a few stale instances.
_SEARCH_SPAN = 100


def is_port_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves do: connections lingering in TIME_WAIT after a restart must not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None, host: str = LOOPBACK) -> int:
    """`preferred` if free, else the next free port above it; any free port the kernel picks when None.

    The port is only free at the time of the call: whoever binds it next wins, so start the server right away.
    """
    if preferred is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port: int = probe.getsockname()[1]
            return port
    for candidate in range(preferred, min(preferred + _SEARCH_SPAN, 65536)):
        if is_port_free(candidate, host):
            return candidate
    raise RuntimeError(f"no free port on {host} in {preferred}..{preferred + _SEARCH_SPAN - 1}")
