"""Checking a password: at the door, before a password change, or a reset code in its place; throttled per
account and per address, and audited either way."""

from datetime import datetime, timedelta
from http import HTTPStatus

from sqlmodel import Session

from app.auth.accounts import AccountError, authenticate, password_matches, set_password
from app.auth.audit import (
    PasswordChanged,
    PasswordResetDone,
    ReauthFailed,
    ResetFailed,
    SignedIn,
    SignInRefused,
    SignInThrottled,
    record,
)
from app.auth.resets import redeem_reset_code
from app.auth.throttle import account_key, check_allowed, forget_failures, record_failure
from app.config import Settings
from app.errors import DomainError, Invalid, TooMany
from app.models import User, utcnow


class WrongCredentials(DomainError):
    """The username and password do not match (which of the two is wrong is not said)."""

    status = HTTPStatus.UNAUTHORIZED


def check_password_attempt(*, db: Session, settings: Settings, username: str, address: str) -> None:
    """Refuse (429) before any password is checked when this account or address has failed too often."""
    try:
        check_allowed(db=db, settings=settings, username=username, address=address)
    except TooMany:
        record(db=db, actor=None, event=SignInThrottled(username=account_key(username), address=address))
        db.commit()
        raise


def note_failed_attempt(
    *, db: Session, settings: Settings, username: str, address: str, refusal: type[SignInRefused] = SignInRefused
) -> None:
    record_failure(db=db, settings=settings, username=username, address=address)
    record(db=db, actor=None, event=refusal(username=account_key(username), address=address))
    db.commit()


def sign_in_with_password(*, db: Session, settings: Settings, username: str, password: str, address: str) -> User:
    check_password_attempt(db=db, settings=settings, username=username, address=address)
    user = authenticate(db=db, username=username, password=password)
    if user is None:
        note_failed_attempt(db=db, settings=settings, username=username, address=address)
        raise WrongCredentials("That username and password don't match.")
    forget_failures(db=db, username=username)
    record(db=db, actor=user, event=SignedIn(user_id=user.id or 0, address=address))
    db.commit()
    return user


class PasswordRefused(Invalid):
    """A password change or reset that cannot be made; `field` names the input that was wrong."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def confirm_password(*, db: Session, settings: Settings, user: User, password: str, address: str) -> bool:
    """The password asked again before a sensitive action; throttled and audited like a sign-in."""
    check_password_attempt(db=db, settings=settings, username=user.username, address=address)
    if password_matches(user, password):
        return True
    note_failed_attempt(db=db, settings=settings, username=user.username, address=address, refusal=ReauthFailed)
    return False


def confirm_sensitive_action(
    *, db: Session, settings: Settings, user: User, password: str, signed_in_at: datetime | None, address: str
) -> bool:
    """Step-up before deleting a user or making a reset code: the password again, checked like a sign-in;
    without one, only a sign-in younger than PEER_REAUTH_WINDOW_S will do."""
    if password:
        return confirm_password(db=db, settings=settings, user=user, password=password, address=address)
    return signed_in_at is not None and utcnow() - signed_in_at < timedelta(seconds=settings.reauth_window_s)


def change_password(*, db: Session, settings: Settings, user: User, current: str, new: str, address: str) -> int:
    """Needs the current password, checked and throttled like a sign-in; every sign-in of the user ends.
    Returns how many ended. Raises TooMany or PasswordRefused."""
    if not confirm_password(db=db, settings=settings, user=user, password=current, address=address):
        raise PasswordRefused("Your current password is not right.", field="current_password")
    try:
        ended = set_password(db=db, user=user, password=new)
    except AccountError as exc:
        raise PasswordRefused(str(exc), field="new_password") from exc
    record(db=db, actor=user, event=PasswordChanged(user_id=user.id or 0, sessions_ended=ended))
    db.commit()
    return ended


def reset_with_code(*, db: Session, settings: Settings, username: str, code: str, new: str, address: str) -> User:
    """Trade a staff reset code for a new password; a wrong code counts as a failed sign-in.
    Raises TooMany or PasswordRefused."""
    check_password_attempt(db=db, settings=settings, username=username, address=address)
    try:
        user = redeem_reset_code(db=db, username=username, code=code, new_password=new)
    except AccountError as exc:
        if exc.field == "code":
            note_failed_attempt(db=db, settings=settings, username=username, address=address, refusal=ResetFailed)
        raise PasswordRefused(str(exc), field="code" if exc.field == "code" else "new_password") from exc
    record(db=db, actor=user, event=PasswordResetDone(user_id=user.id or 0))
    db.commit()
    return user
