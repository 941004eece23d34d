import gc
from collections.abc import Iterator

import pytest

from app.core.gc_tuning import THRESHOLDS, tune_for_serving


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_startup_objects_are_frozen_and_collections_are_rarer() -> None:
    gc.unfreeze()
    tune_for_serving()
    assert gc.get_freeze_count() > 10_000  # this process's modules, classes and the like
    assert gc.get_threshold() == THRESHOLDS
    # CPython's defaults are (700, 10, 10).
    assert THRESHOLDS[0] > 700
    assert THRESHOLDS[2] > 10
