"""Demo accounts for a first run on a laptop: created only in development, only when there are no users."""

from sqlalchemy import func
from sqlmodel import Session, select

from app.auth.accounts import add_to_cohort, authenticate, create_user, get_or_create_cohort
from app.models import User

DEMO_COHORT = "Demo cohort"
DEMO_ACCOUNTS = [("trainee", "trainee"), ("supervisor", "supervisor"), ("staff", "staff")]


def demo_password(username: str) -> str:
    return f"{username}-demo-practice"


def ensure_demo_accounts(*, db: Session) -> list[tuple[str, str]]:
    """Create the demo users if the database has none; return the (username, password) pairs that
    still sign in with their demo password, so the console can say how to sign in."""
    if db.exec(select(func.count()).select_from(User)).one() == 0:
        cohort = get_or_create_cohort(db=db, name=DEMO_COHORT)
        for username, role in DEMO_ACCOUNTS:
            user = create_user(db=db, username=username, password=demo_password(username), role=role)
            if role != "staff":
                add_to_cohort(db=db, cohort=cohort, user=user)
        db.commit()
    pairs = [(username, demo_password(username)) for username, _ in DEMO_ACCOUNTS]
    return [(u, p) for u, p in pairs if authenticate(db=db, username=u, password=p) is not None]
