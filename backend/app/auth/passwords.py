"""Password hashing with argon2 (pwdlib), off the event loop: one hash costs tens of milliseconds of CPU."""

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# argon2id with argon2-cffi's defaults (RFC 9106's second recommended option, 64 MiB of memory).
_HASHER = PasswordHash((Argon2Hasher(),))
# What a sign-in with an unknown email is checked against, so that it costs what a wrong password costs and the
# two cannot be told apart by their pace.
_STAND_IN_HASH = _HASHER.hash("a password nobody has")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_HASHER.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash``; with no hash (no such account, or one without a password)
    the same work is done and the answer is no."""
    matches = await anyio.to_thread.run_sync(_HASHER.verify, password, password_hash or _STAND_IN_HASH)
    return matches and password_hash is not None
