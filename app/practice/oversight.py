"""Who may look at a trainee's progress or a cohort's work: the trainee, their cohorts' supervisors and
staff. Anyone else is told nothing exists (404), so ids cannot be probed."""

from sqlmodel import Session, col, select

from app.auth.access import supervised_trainee_ids
from app.errors import NotFound
from app.models import Cohort, CohortMember, PracticeSession, User

NO_TRAINEE = "No such trainee."
NO_COHORT = "No such cohort."


def viewable_trainee(*, db: Session, viewer: User, trainee_id: int) -> User:
    """The trainee whose progress `viewer` asked for, or NotFound."""
    trainee = db.get(User, trainee_id)
    if trainee is None or trainee.role != "trainee":
        raise NotFound(NO_TRAINEE)
    if viewer.id == trainee.id or viewer.role == "staff":
        return trainee
    if viewer.role == "supervisor" and trainee.id in supervised_trainee_ids(db=db, supervisor=viewer):
        return trainee
    raise NotFound(NO_TRAINEE)


def supervised_cohorts(*, db: Session, viewer: User) -> list[Cohort]:
    """The cohorts whose dashboards `viewer` may open: all for staff, their own for supervisors."""
    query = select(Cohort).order_by(col(Cohort.name))
    if viewer.role == "supervisor":
        mine = select(CohortMember.cohort_id).where(
            CohortMember.user_id == viewer.id, CohortMember.role == "supervisor"
        )
        query = query.where(col(Cohort.id).in_(mine))
    elif viewer.role != "staff":
        return []
    return list(db.exec(query).all())


def viewable_cohort(*, db: Session, viewer: User, cohort_id: int) -> Cohort:
    """A cohort `viewer` supervises (any, for staff), or NotFound."""
    cohort = db.get(Cohort, cohort_id)
    if cohort is None or cohort.id not in {c.id for c in supervised_cohorts(db=db, viewer=viewer)}:
        raise NotFound(NO_COHORT)
    return cohort


def cohort_trainees(*, db: Session, cohort: Cohort) -> list[User]:
    members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.role == "trainee")
    return list(db.exec(select(User).where(col(User.id).in_(members)).order_by(col(User.username))).all())


def cohort_sessions(*, db: Session, cohort: Cohort) -> list[PracticeSession]:
    """The cohort's trainees' sessions, oldest first."""
    ids = [t.id for t in cohort_trainees(db=db, cohort=cohort)]
    query = select(PracticeSession).where(col(PracticeSession.trainee_id).in_(ids))
    return list(db.exec(query.order_by(col(PracticeSession.created_at), col(PracticeSession.id))).all())
