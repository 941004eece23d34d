"""Reading a Prometheus endpoint the way Prometheus does: its exposition text, parsed by prometheus_client's parser."""

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

# (sample name, its labels) -> value, e.g. ("chat_answers_total", (("status", "completed"),)) -> 3.0
Samples = Mapping[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(exposition: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(url: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; a series not exported (yet) counts as 0, as Prometheus' increase() would see it."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)
