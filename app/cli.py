"""`python -m app …`: serve, validate, grade, train, users."""

import argparse
import sys
from collections.abc import Sequence

from app.config import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.migrations import upgrade_database

    settings = get_settings()
    upgrade_database(settings.database_url)
    if settings.environment == "development" and settings.demo_accounts:
        _print_demo_accounts()
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers)
    return 0


def _print_demo_accounts() -> None:
    from sqlmodel import Session

    from app.auth.demo import ensure_demo_accounts
    from app.db import get_engine

    with Session(get_engine()) as db:
        accounts = ensure_demo_accounts(db=db)
    if accounts:
        print("Demo accounts (development only), sign in at /login:")
        for username, password in accounts:
            print(f"  {username:<11} password: {password}")


def _validate(_args: argparse.Namespace) -> int:
    from app.validation.report import report_content

    return report_content(get_settings().content_dir, out=sys.stdout)


def _grade(args: argparse.Namespace) -> int:
    from app.grading.batch import grade_jsonl
    from app.grading.judge_batch import judge_jsonl

    settings = get_settings()
    grade_lines = judge_jsonl if args.grader == "llm" else grade_jsonl
    with open(args.file, encoding="utf-8", errors="replace") as source:
        return grade_lines(settings=settings, rubric_id=args.rubric, lines=source, out=sys.stdout)


def _train(args: argparse.Namespace) -> int:
    from app.grading.training import train_rubric

    report = train_rubric(content_dir=get_settings().content_dir, rubric_id=args.rubric)
    print(report)
    return 0


def _users_add(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.auth.accounts import AccountError, add_to_cohort, create_user, get_or_create_cohort
    from app.db import get_engine
    from app.migrations import upgrade_database

    password = sys.stdin.readline().rstrip("\n")
    upgrade_database(get_settings().database_url)
    with Session(get_engine()) as db:
        try:
            user = create_user(db=db, username=args.name, password=password, role=args.role)
            if args.cohort:
                add_to_cohort(db=db, cohort=get_or_create_cohort(db=db, name=args.cohort), user=user)
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(f"created {args.role} '{args.name}'" + (f" in cohort '{args.cohort}'" if args.cohort else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Peer Practice")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="create or migrate the database, then serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)
    commands.add_parser("validate", help="check every persona and rubric file").set_defaults(run=_validate)
    grade = commands.add_parser("grade", help="grade trainee replies from a JSONL file")
    grade.add_argument("file")
    grade.add_argument("--rubric", default=None, help="rubric id (default: PEER_DEFAULT_RUBRIC)")
    grade.add_argument(
        "--grader", choices=["offline", "llm"], default="offline", help="llm: PEER_JUDGE_MODEL, offline fallback"
    )
    grade.set_defaults(run=_grade)
    train = commands.add_parser("train", help="train the offline grader of a rubric from its examples")
    train.add_argument("--rubric", default="crss-core")
    train.set_defaults(run=_train)
    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["trainee", "supervisor", "staff"], required=True)
    add.add_argument("--cohort", default=None, help="put a trainee or supervisor in this cohort (created if new)")
    add.set_defaults(run=_users_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code
