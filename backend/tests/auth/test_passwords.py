"""Password hashing: argon2id, and the same work whether or not there is a hash to check against."""

import pytest
from pwdlib import PasswordHash

from app.auth import passwords


async def test_a_hash_is_argon2id_and_verifies_only_its_password() -> None:
    hashed = await passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert await passwords.verify_password("correct horse battery", hashed)
    assert not await passwords.verify_password("correct horse batterY", hashed)
    assert hashed != await passwords.hash_password("correct horse battery"), "salted"


class _CountingHasher:
    def __init__(self, inner: PasswordHash) -> None:
        self.inner = inner
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return self.inner.hash(password)

    def verify(self, password: str, hashed: str) -> bool:
        self.verified.append(hashed)
        return self.inner.verify(password, hashed)


async def test_no_hash_costs_one_argon2_verification_too_and_never_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes an unknown email as slow to refuse as a wrong password: the stand-in hash is really checked."""
    counting = _CountingHasher(passwords._HASHER)
    monkeypatch.setattr(passwords, "_HASHER", counting)
    assert not await passwords.verify_password("a password nobody has", None)
    assert not await passwords.verify_password("anything", None)
    real = await passwords.hash_password("mine")
    assert not await passwords.verify_password("wrong", real)
    assert len(counting.verified) == 3
    assert counting.verified[0] == counting.verified[1] == passwords._STAND_IN_HASH
    assert counting.verified[0].split("$")[:4] == real.split("$")[:4], "the same algorithm, version and cost"
