"""The audit log: who viewed, overrode, exported or deleted what."""

from typing import Any

from sqlmodel import Session, col, select

from app.models import AuditEvent, User


def record(*, db: Session, actor: User | None, action: str, target: str, **detail: Any) -> None:
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else "",
            action=action,
            target=target,
            detail=detail,
        )
    )
    db.commit()


def recent_events(*, db: Session, limit: int = 200) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)).all())
