"""CallerCache: what an API process may reuse of a session it looked up, and what makes it forget."""

import time
import uuid
from datetime import timedelta

import pytest

from app.auth.sessions import Caller, CallerCache, token_hash
from app.models import User, utcnow


def _caller(user: User | None = None) -> Caller:
    return Caller(user or User(), token_hash(uuid.uuid4().hex))


def test_a_session_looked_up_is_reused_under_the_same_hub_connection() -> None:
    cache = CallerCache(max_age_seconds=10)
    caller = _caller()
    cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    assert cache.get(caller.token_hash, epoch=1) is caller
    assert cache.get(token_hash("another token"), epoch=1) is None


@pytest.mark.parametrize("epoch_now", [None, 2], ids=["hub disconnected", "hub reconnected"])
def test_nothing_learnt_under_another_hub_connection_is_used(epoch_now: int | None) -> None:
    cache = CallerCache(max_age_seconds=10)
    caller = _caller()
    cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    assert cache.get(caller.token_hash, epoch_now) is None
    assert cache.get(caller.token_hash, epoch=1) is None, "and it is gone for good"


def test_nothing_is_remembered_while_the_hub_is_disconnected() -> None:
    cache = CallerCache(max_age_seconds=10)
    caller = _caller()
    cache.remember(caller, utcnow() + timedelta(hours=1), epoch=None, generation=cache.generation)
    assert len(cache) == 0


def test_a_session_ended_during_its_lookup_is_not_remembered() -> None:
    cache = CallerCache(max_age_seconds=10)
    caller = _caller()
    generation = cache.generation  # the lookup begins …
    cache.forget(f"session:{token_hash('some other session').hex()}")  # … a session ends meanwhile …
    cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=generation)  # … and it returns
    assert cache.get(caller.token_hash, epoch=1) is None


def test_an_ended_session_is_forgotten_and_the_users_other_sessions_kept() -> None:
    cache = CallerCache(max_age_seconds=10)
    user = User()
    first, second = _caller(user), _caller(user)
    for caller in (first, second):
        cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    cache.forget(f"session:{first.token_hash.hex()}")
    assert cache.get(first.token_hash, epoch=1) is None
    assert cache.get(second.token_hash, epoch=1) is second


def test_a_users_sessions_all_go_when_the_user_is_announced() -> None:
    cache = CallerCache(max_age_seconds=10)
    user, other_user = User(), User()
    mine, theirs = [_caller(user), _caller(user)], _caller(other_user)
    for caller in (*mine, theirs):
        cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    cache.forget(f"user:{user.id}")
    assert [cache.get(caller.token_hash, epoch=1) for caller in mine] == [None, None]
    assert cache.get(theirs.token_hash, epoch=1) is theirs


def test_an_announcement_that_names_no_session_of_ours_forgets_nothing() -> None:
    cache = CallerCache(max_age_seconds=10)
    caller = _caller()
    cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    for ended in ("session:not hex", "user:someone", "nonsense"):
        cache.forget(ended)
    assert cache.get(caller.token_hash, epoch=1) is caller


def test_an_entry_lasts_its_age_limit_or_its_session_whichever_ends_first() -> None:
    aged = CallerCache(max_age_seconds=0.05)
    caller = _caller()
    aged.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=aged.generation)
    ending = CallerCache(max_age_seconds=10)
    ending.remember(caller, utcnow() + timedelta(seconds=0.05), epoch=1, generation=ending.generation)
    assert aged.get(caller.token_hash, epoch=1) is caller
    assert ending.get(caller.token_hash, epoch=1) is caller
    time.sleep(0.1)
    assert aged.get(caller.token_hash, epoch=1) is None
    assert ending.get(caller.token_hash, epoch=1) is None


def test_an_age_limit_of_zero_remembers_nothing() -> None:
    cache = CallerCache(max_age_seconds=0)
    cache.remember(_caller(), utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    assert len(cache) == 0


def test_memory_is_bounded_by_dropping_the_oldest() -> None:
    cache = CallerCache(max_age_seconds=10, max_entries=3)
    callers = [_caller() for _ in range(5)]
    for caller in callers:
        cache.remember(caller, utcnow() + timedelta(hours=1), epoch=1, generation=cache.generation)
    assert len(cache) == 3
    assert [cache.get(c.token_hash, epoch=1) is c for c in callers] == [False, False, True, True, True]
