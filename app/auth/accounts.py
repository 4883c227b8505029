"""Users and cohorts: create, authenticate, find. Changes are flushed, not committed: the caller's
use case commits them together with its audit row."""

from pwdlib import PasswordHash
from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.auth.passwords import MAX_PASSWORD_CHARS, password_problem
from app.auth.sessions import revoke_all_sessions
from app.errors import Conflict, Invalid
from app.models import ROLES, Cohort, CohortMember, Role, User

_hasher = PasswordHash.recommended()
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(Invalid):
    """A user or cohort request that cannot be carried out; the text says why, `field` which input was wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def create_user(*, db: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    username = username.strip()
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}, not '{role}'.", field="role")
    if not username or len(username) > 80 or not username.isprintable() or any(ch.isspace() for ch in username):
        raise AccountError("A username is 1-80 characters without spaces.", field="username")
    if len(display_name.strip()) > 120 or not display_name.isprintable():
        raise AccountError("A display name is at most 120 characters, on one line.", field="display_name")
    _check_password(password, username, display_name)
    if find_user(db=db, username=username) is not None:
        raise AccountError(f"The username '{username}' is taken.", field="username")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=Role(role),
        password_hash=_hasher.hash(password),
    )
    db.add(user)
    db.flush()
    return user


def _check_password(password: str, *user_inputs: str) -> None:
    problem = password_problem(password, user_inputs=user_inputs)
    if problem:
        raise AccountError(problem, field="password")


def password_matches(user: User, password: str) -> bool:
    """The re-check before a sensitive action (a password change, deleting a user)."""
    return len(password) <= MAX_PASSWORD_CHARS and _hasher.verify(password, user.password_hash)


def set_password(*, db: Session, user: User, password: str) -> int:
    """A new password, checked like any other; every sign-in of the user ends. Returns how many ended."""
    _check_password(password, user.username, user.display_name)
    assert user.id is not None
    user.password_hash = _hasher.hash(password)
    db.add(user)
    db.commit()
    return revoke_all_sessions(db=db, user_id=user.id)


def ensure_not_last_staff(*, db: Session, user: User) -> None:
    """Someone must always be able to manage people: the last active staff account stays."""
    if user.role != "staff":
        return
    others = select(func.count()).select_from(User).where(User.role == "staff", col(User.is_active), User.id != user.id)
    if db.exec(others).one() == 0:
        raise Conflict(f"{user.username} is the last staff account; add another staff member first.")


def find_user(*, db: Session, username: str) -> User | None:
    if not username.isprintable():  # no such username can exist, and PostgreSQL refuses NUL in a query
        return None
    return db.exec(select(User).where(User.username == username.strip())).first()


def authenticate(*, db: Session, username: str, password: str) -> User | None:
    user = find_user(db=db, username=username)
    if user is None or not user.is_active:
        _hasher.verify(password, _DUMMY_HASH)
        return None
    return user if _hasher.verify(password, user.password_hash) else None


def _cohort_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120 or not name.isprintable():
        raise AccountError("A cohort name is 1-120 characters, on one line.", field="cohort")
    return name


def get_or_create_cohort(*, db: Session, name: str) -> Cohort:
    name = _cohort_name(name)
    cohort = db.exec(select(Cohort).where(Cohort.name == name)).first()
    if cohort is None:
        cohort = Cohort(name=name)
        db.add(cohort)
        db.flush()
    return cohort


def add_to_cohort(*, db: Session, cohort: Cohort, user: User) -> None:
    """Trainees join a cohort as members; supervisors join it as its supervisors."""
    if user.role == "staff":
        raise AccountError("Staff see every cohort already; add trainees or supervisors.", field="cohort")
    member = db.get(CohortMember, (cohort.id, user.id))
    if member is None:
        db.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=user.role))  # type: ignore[arg-type]
        db.flush()


def add_person(
    *, db: Session, username: str, password: str, role: str, display_name: str = "", cohort: str = ""
) -> User:
    """Create a user, in a cohort if one is named (created if new); checked in full before anything is saved."""
    if cohort.strip():
        _cohort_name(cohort)
        if role == "staff":
            raise AccountError("Staff see every cohort already; leave the cohort empty.", field="cohort")
    user = create_user(db=db, username=username, password=password, role=role, display_name=display_name)
    if cohort.strip():
        add_to_cohort(db=db, cohort=get_or_create_cohort(db=db, name=cohort), user=user)
    return user


def join_cohort(*, db: Session, username: str, cohort: str) -> tuple[User, Cohort]:
    """Add an existing trainee or supervisor to a cohort, creating the cohort if it is new."""
    user = find_user(db=db, username=username)
    if user is None:
        raise AccountError(f"No user called '{username.strip()}'.", field="username")
    if user.role == "staff":
        raise AccountError("Staff see every cohort already; choose a trainee or a supervisor.", field="username")
    _cohort_name(cohort)
    group = get_or_create_cohort(db=db, name=cohort)
    add_to_cohort(db=db, cohort=group, user=user)
    return user, group


def users_query() -> SelectOfScalar[User]:
    """Everyone, by role then name."""
    return select(User).order_by(col(User.role), col(User.username))


def list_users(*, db: Session) -> list[User]:
    return list(db.exec(users_query()).all())


def list_cohorts(*, db: Session) -> list[Cohort]:
    return list(db.exec(select(Cohort).order_by(col(Cohort.name))).all())


def cohorts_by_user(*, db: Session) -> dict[int, list[str]]:
    """Each user's cohort names (trainees: the cohorts they are in; supervisors: the ones they supervise)."""
    query = select(CohortMember.user_id, Cohort.name).join(Cohort).order_by(col(Cohort.name))
    names: dict[int, list[str]] = {}
    for user_id, name in db.exec(query).all():
        names.setdefault(user_id, []).append(name)
    return names
