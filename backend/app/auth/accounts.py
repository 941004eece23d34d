"""Accounts: register (a guest keeps its conversations), sign in, guests, passwords, sign out.

Every sign-in issues a new session and ends the one the request came with, so a session id planted before
sign-in is worthless after it."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import sessions
from app.auth.passwords import hash_password, verify_password
from app.auth.sessions import Caller, IssuedSession
from app.models import Credentials, PasswordChange, User
from app.services.errors import ConflictError, ForbiddenError, UnauthenticatedError

WRONG_CREDENTIALS = "wrong email or password"


async def register(
    session: AsyncSession, credentials: Credentials, caller: Caller | None, lifetime_seconds: int
) -> tuple[User, IssuedSession]:
    """A new account; called by a guest, the guest's account becomes it, conversations and all."""
    password_hash = await hash_password(credentials.password)
    guest = await session.get(User, caller.user_id) if caller is not None and caller.user.is_guest else None
    if guest is not None:
        user = guest
        user.email, user.password_hash = credentials.email, password_hash
        await sessions.revoke_all(session, user.id)
    else:
        user = User(email=credentials.email, password_hash=password_hash)
        session.add(user)
        await _end_caller_session(session, caller)
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise ConflictError("an account with this email already exists; sign in instead") from error
    return user, await _issue_and_commit(session, user.id, lifetime_seconds)


async def sign_in(
    session: AsyncSession, credentials: Credentials, caller: Caller | None, lifetime_seconds: int
) -> tuple[User, IssuedSession]:
    user = (await session.exec(select(User).where(col(User.email) == credentials.email))).first()
    # An unknown email is checked against a stand-in hash: the same answer, after the same work.
    if not await verify_password(credentials.password, user.password_hash if user else None) or user is None:
        raise UnauthenticatedError(WRONG_CREDENTIALS)
    await _end_caller_session(session, caller)
    return user, await _issue_and_commit(session, user.id, lifetime_seconds)


async def start_guest(
    session: AsyncSession, caller: Caller | None, lifetime_seconds: int
) -> tuple[User, IssuedSession]:
    user = User()
    session.add(user)
    await _end_caller_session(session, caller)
    await session.flush()
    return user, await _issue_and_commit(session, user.id, lifetime_seconds)


async def change_password(
    session: AsyncSession, caller: Caller, change: PasswordChange, lifetime_seconds: int
) -> tuple[User, IssuedSession]:
    """Sets a new password and signs out every session, this one included; the new session replaces it."""
    user = await session.get(User, caller.user_id)
    if user is None:
        raise UnauthenticatedError("this account no longer exists")
    if user.is_guest:
        raise ForbiddenError("a guest has no password; register to set one")
    if not await verify_password(change.current_password, user.password_hash):
        raise ForbiddenError("the current password is wrong")
    user.password_hash = await hash_password(change.new_password)
    await sessions.revoke_all(session, user.id)
    return user, await _issue_and_commit(session, user.id, lifetime_seconds)


async def sign_out(session: AsyncSession, caller: Caller, *, everywhere: bool) -> None:
    if everywhere:
        await sessions.revoke_all(session, caller.user_id)
    else:
        await sessions.revoke(session, caller.token_hash)
    await session.commit()


async def _end_caller_session(session: AsyncSession, caller: Caller | None) -> None:
    if caller is not None:
        await sessions.revoke(session, caller.token_hash)


async def _issue_and_commit(session: AsyncSession, user_id: uuid.UUID, lifetime_seconds: int) -> IssuedSession:
    issued = await sessions.issue(session, user_id, lifetime_seconds)
    await session.commit()
    return issued
