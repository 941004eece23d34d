from collections.abc import Iterator

import pytest

from tests.chaos.stack import ChaosStack, chaos_stack


@pytest.fixture(scope="module")
def chaos() -> Iterator[ChaosStack]:
    """A stack whose workers restart a taken-over answer (the model cannot continue it)."""
    with chaos_stack(background=False) as stack:
        yield stack


@pytest.fixture(scope="module")
def chaos_background() -> Iterator[ChaosStack]:
    """A stack on the Responses API's background mode: a taken-over answer continues the same upstream response."""
    with chaos_stack(background=True) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _workers_restored(request: pytest.FixtureRequest) -> Iterator[None]:
    # Whatever a test did to the workers, the next test starts with both running.
    yield
    for name in ("chaos", "chaos_background"):
        if name in request.fixturenames:
            request.getfixturevalue(name).restore_workers()
