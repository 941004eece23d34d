"""`python -m app.auth.set_password EMAIL`: give an account a password, from the operator's shell.

For the adopted owner of conversations from before accounts (migration 0005), which has none, and for an account
whose password is forgotten (no mail is sent by this product). The password is read from NEW_PASSWORD or asked
for twice; every session of the account ends.
"""

import argparse
import asyncio
import getpass
import os
import sys

from pydantic import TypeAdapter, ValidationError
from sqlmodel import col, select

from app.auth import sessions
from app.auth.passwords import hash_password
from app.core import redis_keys
from app.core.config import get_settings
from app.core.db import create_engine, create_session_factory
from app.core.redis_client import create_redis
from app.models import Email, Password, User


async def set_password(email: str, password: str) -> bool:
    """Whether an account with this email exists (and now has this password)."""
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            user = (await session.exec(select(User).where(col(User.email) == email))).first()
            if user is None:
                return False
            user.password_hash = await hash_password(password)
            await sessions.revoke_all(session, user.id)
            await session.commit()
        # The API processes forget the sessions they remember, and end their open streams.
        redis = create_redis(settings, redis_keys.API_CONNECTION_NAME)
        try:
            await sessions.SessionEnds(redis, None).user(user.id)
        finally:
            await redis.aclose()
        return True
    finally:
        await engine.dispose()


def _password() -> str:
    if from_env := os.environ.get("NEW_PASSWORD"):
        return from_env
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("the two passwords differ; nothing changed")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("email")
    args = parser.parse_args(argv)
    try:
        email = TypeAdapter(Email).validate_python(args.email)
        password = TypeAdapter(Password).validate_python(_password())
    except ValidationError as error:
        print(f"refused: {error.errors()[0]['msg']}", file=sys.stderr)
        return 2
    if not asyncio.run(set_password(email, password)):
        print(f"no account has the email {email}", file=sys.stderr)
        return 1
    print(f"{email} has a new password; its sessions have ended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
