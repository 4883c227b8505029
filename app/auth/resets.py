"""Password resets without e-mail: staff hand the person a one-time code, which they trade for a new
password. Only the code's hash is stored; it works once, for one user, until it expires."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete

from app.auth.accounts import AccountError, find_user, set_password
from app.models import PasswordReset, User, as_utc, utcnow

_WRONG_CODE = "That reset code is wrong, used or expired. Ask program staff for a new one."


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def issue_reset_code(*, db: Session, user: User, issued_by: User, max_age_s: int) -> tuple[str, datetime]:
    """A new code for `user` (any earlier one stops working); returns it with when it expires."""
    assert user.id is not None
    db.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user.id))
    code = secrets.token_urlsafe(15)
    expires_at = utcnow() + timedelta(seconds=max_age_s)
    db.add(
        PasswordReset(code_hash=_code_hash(code), user_id=user.id, created_by=issued_by.username, expires_at=expires_at)
    )
    db.commit()
    return code, expires_at


def redeem_reset_code(*, db: Session, username: str, code: str, new_password: str) -> User:
    """Set the new password if the code is this user's and still valid; every sign-in of theirs ends."""
    user = find_user(db=db, username=username)
    reset = db.get(PasswordReset, _code_hash(code)) if code.isprintable() else None
    if user is None or reset is None or reset.user_id != user.id or as_utc(reset.expires_at) <= utcnow():
        raise AccountError(_WRONG_CODE, field="code")
    set_password(db=db, user=user, password=new_password)
    db.delete(reset)
    db.commit()
    return user
