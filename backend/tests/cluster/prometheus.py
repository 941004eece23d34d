"""Questions to the cluster's Prometheus server (its HTTP API, /api/v1/query), asked from the edge host."""

import itertools
import json
import time
import urllib.parse
import urllib.request
from typing import Any

from devstack.cluster.hosts import ADDRESSES, Cluster

_URL = f"http://{ADDRESSES['edge']}:9090/api/v1/query"
_WAIT_SECONDS = 15.0


def query(c: Cluster, promql: str, at: float) -> list[dict[str, Any]]:
    """The result of `promql` evaluated at `at` (wall clock): a vector or a matrix, as Prometheus gives it."""
    url = f"{_URL}?{urllib.parse.urlencode({'query': promql, 'time': f'{at:.3f}'})}"

    def ask() -> dict[str, Any]:
        with urllib.request.urlopen(url, timeout=10) as response:
            body: dict[str, Any] = json.load(response)
            return body

    body = c.net.run_in("edge", ask)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def scalar(c: Cluster, promql: str, at: float) -> float:
    """A query that sums to one number (0 when it matches nothing)."""
    result = query(c, promql, at)
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else 0.0


def until_scraped(c: Cluster, job: str, targets: int) -> None:
    """Until Prometheus has scraped `targets` processes of `job` successfully."""
    deadline = time.monotonic() + _WAIT_SECONDS
    while scalar(c, f'sum(up{{job="{job}"}})', time.time()) < targets:
        assert time.monotonic() < deadline, (
            f"Prometheus does not scrape {targets} {job} processes: {query(c, 'up', time.time())}"
        )
        time.sleep(0.5)


def counter_total(c: Cluster, metric: str, since: float, until: float) -> float:
    """Everything `metric` counted by every process from its start up to `until`, from the raw samples since `since`
    (which must precede any counting): a process restarted in between starts again at zero (a reset), so each of its
    lives adds its last sample. What a process counted after its last scrape before it was killed is not in it."""
    window = max(1, round(until - since))
    total = 0.0
    for series in query(c, f"{metric}[{window}s]", until):
        values = [float(value) for _, value in series["values"]]
        total += sum(before for before, after in itertools.pairwise(values) if after < before)
        total += values[-1] if values else 0.0
    return total
