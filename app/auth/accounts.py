"""Users and cohorts: create, authenticate, find, delete."""

from pwdlib import PasswordHash
from sqlmodel import Session, col, select

from app.models import ROLES, Cohort, CohortMember, User

_hasher = PasswordHash.recommended()
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_CHARS = 8


class AccountError(ValueError):
    """A user or cohort request that cannot be carried out; the text says why."""


def create_user(*, db: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    username = username.strip()
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}, not '{role}'.")
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise AccountError("A username is 1-80 characters without spaces.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"A password needs at least {MIN_PASSWORD_CHARS} characters.")
    if find_user(db=db, username=username) is not None:
        raise AccountError(f"The username '{username}' is taken.")
    user = User(
        username=username, display_name=display_name or username, role=role, password_hash=_hasher.hash(password)
    )
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def find_user(*, db: Session, username: str) -> User | None:
    return db.exec(select(User).where(User.username == username.strip())).first()


def authenticate(*, db: Session, username: str, password: str) -> User | None:
    user = find_user(db=db, username=username)
    if user is None or not user.is_active:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    return user if _hasher.verify(password, user.password_hash) else None


def get_or_create_cohort(*, db: Session, name: str) -> Cohort:
    cohort = db.exec(select(Cohort).where(Cohort.name == name)).first()
    if cohort is None:
        cohort = Cohort(name=name)
        db.add(cohort)
        db.commit()
        db.refresh(cohort)
    return cohort


def add_to_cohort(*, db: Session, cohort: Cohort, user: User) -> None:
    """Trainees join a cohort as members; supervisors join it as its supervisors."""
    if user.role == "staff":
        raise AccountError("Staff see every cohort already; add trainees or supervisors.")
    member = db.get(CohortMember, (cohort.id, user.id))
    if member is None:
        db.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=user.role))  # type: ignore[arg-type]
        db.commit()


def list_users(*, db: Session) -> list[User]:
    return list(db.exec(select(User).order_by(col(User.role), col(User.username))).all())


def list_cohorts(*, db: Session) -> list[Cohort]:
    return list(db.exec(select(Cohort).order_by(col(Cohort.name))).all())
