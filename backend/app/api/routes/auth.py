"""Sign-up, sign-in, guests and sign-out. Each sign-in sets the HttpOnly session cookie and returns the same
token for ``Authorization: Bearer``."""

from fastapi import APIRouter, Response, status

from app.api.deps import CallerDep, OptionalCallerDep, SessionDep, SessionEndsDep, SettingsDep
from app.api.errors import BODY_ERRORS, RATE_LIMITED, UNAUTHENTICATED, UNAVAILABLE, error_response
from app.api.rate_limits import GuestsLimited, LoginCredentials, RegistrationCredentials
from app.auth import accounts
from app.auth.sessions import IssuedSession
from app.core.config import Settings
from app.models import PasswordChange, SessionIssued, User, UserPublic

router = APIRouter(prefix="/auth", tags=["auth"], responses={**UNAVAILABLE, **RATE_LIMITED})


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionIssued,
    responses={409: error_response("An account with this email already exists"), **BODY_ERRORS},
)
async def register(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: OptionalCallerDep,
    body: RegistrationCredentials,
    response: Response,
) -> SessionIssued:
    """Create an account and sign in. Called in a guest's session, the guest's conversations become the new
    account's."""
    user, issued = await accounts.register(session, body, caller, settings.session_seconds)
    # A guest's sessions all ended (the account is the guest's, under a new session); anyone else's only this one.
    await ended.caller(caller, whole_account=caller is not None and caller.user.is_guest)
    return _signed_in(response, settings, user, issued)


@router.post(
    "/login",
    response_model=SessionIssued,
    responses={401: error_response("Wrong email or password (the same answer for an unknown email)"), **BODY_ERRORS},
)
async def login(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: OptionalCallerDep,
    body: LoginCredentials,
    response: Response,
) -> SessionIssued:
    user, issued = await accounts.sign_in(session, body, caller, settings.session_seconds)
    await ended.caller(caller)
    return _signed_in(response, settings, user, issued)


@router.post("/guest", status_code=status.HTTP_201_CREATED, response_model=SessionIssued)
async def guest(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: OptionalCallerDep,
    _limited: GuestsLimited,
    response: Response,
) -> SessionIssued:
    """A guest account, without a form, with tighter limits; register later to keep its conversations."""
    user, issued = await accounts.start_guest(session, caller, settings.session_seconds)
    await ended.caller(caller)
    return _signed_in(response, settings, user, issued)


@router.get("/me", response_model=UserPublic, responses=UNAUTHENTICATED)
async def me(caller: CallerDep) -> UserPublic:
    return _public(caller.user)


@router.post(
    "/password",
    response_model=SessionIssued,
    responses={**UNAUTHENTICATED, 403: error_response("Wrong current password, or a guest"), **BODY_ERRORS},
)
async def change_password(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: CallerDep,
    body: PasswordChange,
    response: Response,
) -> SessionIssued:
    """Set a new password. Every session of the account ends, and its open streams with it; this request's session
    is replaced by the one returned."""
    user, issued = await accounts.change_password(session, caller, body, settings.session_seconds)
    await ended.user(user.id)
    return _signed_in(response, settings, user, issued)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED)
async def logout(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: CallerDep,
    response: Response,
) -> None:
    """End this session, and its open streams."""
    await accounts.sign_out(session, caller, everywhere=False)
    await ended.session(caller.token_hash)
    _clear_cookie(response, settings)


@router.post("/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED)
async def logout_everywhere(
    session: SessionDep,
    settings: SettingsDep,
    ended: SessionEndsDep,
    caller: CallerDep,
    response: Response,
) -> None:
    """End every session of the account, on every device, and their open streams."""
    await accounts.sign_out(session, caller, everywhere=True)
    await ended.user(caller.user_id)
    _clear_cookie(response, settings)


def _public(user: User) -> UserPublic:
    return UserPublic(id=user.id, email=user.email, is_guest=user.is_guest, created_at=user.created_at)


def _signed_in(response: Response, settings: Settings, user: User, issued: IssuedSession) -> SessionIssued:
    response.set_cookie(
        settings.session_cookie_name,
        issued.token,
        max_age=settings.session_seconds,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return SessionIssued(token=issued.token, expires_at=issued.expires_at, user=_public(user))


def _clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax"
    )
