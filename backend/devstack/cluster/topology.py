"""Separate hosts on one machine: a Linux network namespace per host, each with its own address on a private subnet,
joined by a bridge that lives in a namespace of its own (the "switch").

Nothing here touches the machine's own network: every interface is created inside a namespace this module made
(`ip -n <switch> link add … peer … netns <host>`), and deleting the namespaces deletes them all. The names carry
the pid of the process that made them (the cluster test, the cluster benchmark), so runs never collide, and a run
that died without cleaning up is recognised by its dead pid and removed by the next one.
"""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

SUBNET = "10.250.0.0/24"
_PREFIX_LENGTH = 24
_NAME_PREFIX = "chatcl"
_STALE_NAME = re.compile(rf"{_NAME_PREFIX}(\d+)-")
_NETNS_DIR = Path("/run/netns")
_CLONE_NEWNET = 0x40000000
_IP_TIMEOUT_SECONDS = 10
_KILL_WAIT_SECONDS = 5.0


class TopologyUnavailableError(RuntimeError):
    """This machine cannot build the hosts: not root, or no `ip netns`."""


def require_namespaces() -> None:
    """Raise, saying why, unless this process can create network namespaces: the cluster test needs them and CI
    runs as root, so their absence is a broken environment, not a reason to skip."""
    if os.geteuid() != 0:
        raise TopologyUnavailableError("the cluster builds network namespaces and must run as root")
    if shutil.which("ip") is None:
        raise TopologyUnavailableError("`ip` (iproute2) is missing: run scripts/bootstrap.sh")
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        raise TopologyUnavailableError(f"`ip netns` does not work here: {probe.stderr.strip()}")


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False, timeout=_IP_TIMEOUT_SECONDS)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


@dataclass(frozen=True)
class Host:
    name: str
    namespace: str
    address: str
    # The host's cable: the far end of its veth pair, in the switch namespace, enslaved to the bridge.
    link: str

    def argv(self, *command: str) -> list[str]:
        """`command` run on this host."""
        return ["ip", "netns", "exec", self.namespace, *command]


@dataclass
class Topology:
    prefix: str
    switch: str
    hosts: dict[str, Host] = field(default_factory=dict)

    def add_host(self, name: str, address: str) -> Host:
        host = Host(name, f"{self.prefix}-{name}", address, link=name)
        _ip("netns", "add", host.namespace)
        self.hosts[name] = host
        _ip("-n", host.namespace, "link", "set", "lo", "up")
        # Both ends are born inside namespaces: the host's end straight into its own as eth0.
        peer = ("peer", "name", "eth0", "netns", host.namespace)
        _ip("-n", self.switch, "link", "add", "name", host.link, "type", "veth", *peer)
        _ip("-n", self.switch, "link", "set", "dev", host.link, "master", "br0", "up")
        _ip("-n", host.namespace, "addr", "add", f"{address}/{_PREFIX_LENGTH}", "dev", "eth0")
        _ip("-n", host.namespace, "link", "set", "eth0", "up")
        return host

    def set_link(self, name: str, *, up: bool) -> None:
        """Plug or unplug a host's cable at the switch: its processes run on, unreachable, like a host whose
        network failed."""
        _ip("-n", self.switch, "link", "set", "dev", self.hosts[name].link, "up" if up else "down")

    def run_in(self, name: str, function: Callable[[], T]) -> T:
        """Call `function` in a thread that has entered the host's network namespace (a namespace is a thread's
        property), so that this process itself can talk to the host's addresses."""
        return run_in_namespace(self.hosts[name].namespace, function)

    def destroy(self) -> None:
        for namespace in [host.namespace for host in self.hosts.values()] + [self.switch]:
            _delete_namespace(namespace)


def run_in_namespace(namespace: str, function: Callable[[], T]) -> T:
    outcome: list[T] = []
    failure: list[BaseException] = []

    def enter_and_call() -> None:
        try:
            with (_NETNS_DIR / namespace).open("rb") as handle:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(handle.fileno(), _CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns into {namespace}")
            outcome.append(function())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=enter_and_call, name=f"in-{namespace}", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _namespace_pids(namespace: str) -> list[int]:
    result = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False)
    return [int(pid) for pid in result.stdout.split()]


def _delete_namespace(namespace: str) -> None:
    """Kill whatever still runs in it (a namespace outlives `ip netns delete` while a process holds it), then
    delete it, which takes its interfaces with it."""
    deadline = time.monotonic() + _KILL_WAIT_SECONDS
    while (pids := _namespace_pids(namespace)) and time.monotonic() < deadline:
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    with suppress(RuntimeError):
        _ip("netns", "delete", namespace)


def _remove_stale_namespaces() -> None:
    """Namespaces of earlier runs whose test process is gone (killed before its clean-up ran)."""
    result = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        match = _STALE_NAME.match(name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            _delete_namespace(name)


@contextmanager
def topology(addresses: dict[str, str]) -> Iterator[Topology]:
    """The hosts named in `addresses` (name: address in SUBNET), cabled to one switch; deleted on the way out,
    whatever happened inside."""
    require_namespaces()
    _remove_stale_namespaces()
    prefix = f"{_NAME_PREFIX}{os.getpid()}"
    net = Topology(prefix, f"{prefix}-sw")
    try:
        _ip("netns", "add", net.switch)
        _ip("-n", net.switch, "link", "set", "lo", "up")
        _ip("-n", net.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", net.switch, "link", "set", "br0", "up")
        for name, address in addresses.items():
            net.add_host(name, address)
        yield net
    finally:
        net.destroy()
