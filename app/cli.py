"""`python -m app …`: serve, validate, check-replies, grade, train, export-labels, users."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from app.config import get_settings
from app.content.loader import ContentError


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


def _check_replies(args: argparse.Namespace) -> int:
    from app.content.catalog import load_catalog
    from app.grading.offline import load_offline_grader
    from app.practice.authored_replies import dropped_replies, lines_without_replies

    content_dir = get_settings().content_dir
    catalog = load_catalog(content_dir)
    entry = catalog.rubrics.get(args.rubric)
    unknown = [p for p in args.personas if p not in catalog.personas]
    if entry is None or unknown:
        missing = ", ".join([args.rubric] if entry is None else unknown)
        print(f"error: no such rubric or persona: {missing}", file=sys.stderr)
        return 2
    better = load_offline_grader(content_dir=content_dir, rubric=entry.item, version=entry.version).better
    dropped_in_all = 0
    for persona_id in args.personas or sorted(catalog.personas):
        persona = catalog.persona(persona_id)
        dropped = list(dropped_replies(persona, better))
        for reply in dropped:
            print(f"personas/{persona_id}.yaml {reply.field}: {', '.join(reply.problems)}")
            print(f"  line:  {reply.line}\n  reply: {reply.reply}")
        authored = sum(len(line.better_replies) for _, line in persona.spoken_lines())
        print(
            f"{persona_id}: {authored} model replies, {len(dropped)} the coach would drop; "
            f"{len(lines_without_replies(persona))} lines of five words or more have none"
        )
        dropped_in_all += len(dropped)
    return 1 if dropped_in_all else 0


def _grade(args: argparse.Namespace) -> int:
    from app.grading.batch import grade_jsonl
    from app.grading.judge_batch import judge_jsonl

    settings = get_settings()
    grade_lines = judge_jsonl if args.grader == "llm" else grade_jsonl
    with open(args.file, encoding="utf-8", errors="replace") as source:
        return grade_lines(settings=settings, rubric_id=args.rubric, lines=source, out=sys.stdout)


def _train(args: argparse.Namespace) -> int:
    from app.grading.few_shot import FewShotParams, NotEnoughExamples
    from app.grading.few_shot_training import train_few_shot
    from app.grading.training import train_rubric

    content_dir, extra = get_settings().content_dir, [Path(name) for name in args.examples]
    if not (content_dir / "rubrics" / f"{args.rubric}.yaml").is_file():
        print(f"error: no rubric '{args.rubric}' in {content_dir / 'rubrics'}", file=sys.stderr)
        return 1
    missing = [str(path) for path in extra if not path.is_file()]
    if missing:
        print(f"error: no such examples file: {', '.join(missing)}", file=sys.stderr)
        return 1
    try:
        if args.rubric == FewShotParams().base_rubric:  # the shipped rubric: its full trainer
            print(train_rubric(content_dir=content_dir, rubric_id=args.rubric, extra=extra))
        else:
            print(train_few_shot(content_dir=content_dir, rubric_id=args.rubric, extra=extra))
    except (NotEnoughExamples, ContentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
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
            db.commit()
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(f"created {args.role} '{args.name}'" + (f" in cohort '{args.cohort}'" if args.cohort else ""))
    return 0


def _export_labels(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from app.db import get_engine
    from app.errors import NotFound
    from app.migrations import upgrade_database
    from app.practice.labels import all_sessions, label_examples

    upgrade_database(get_settings().database_url)
    with Session(get_engine()) as db:
        try:
            sessions = all_sessions(db=db, cohort_id=args.cohort)
        except NotFound as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        export = label_examples(db=db, rubric_id=args.rubric, sessions=sessions)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(export.jsonl())
    print(f"wrote {len(export.examples)} labelled replies for rubric '{args.rubric}' to {args.out}")
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
    check = commands.add_parser(
        "check-replies", help="check the model replies authored in persona files as the coach does before showing one"
    )
    check.add_argument("personas", nargs="*", metavar="PERSONA", help="persona ids (default: every persona)")
    check.add_argument("--rubric", default="crss-core", help="the rubric whose grader checks them")
    check.set_defaults(run=_check_replies)
    grade = commands.add_parser("grade", help="grade trainee replies from a JSONL file")
    grade.add_argument("file")
    grade.add_argument("--rubric", default=None, help="rubric id (default: PEER_DEFAULT_RUBRIC)")
    grade.add_argument(
        "--grader", choices=["offline", "llm"], default="offline", help="llm: PEER_JUDGE_MODEL, offline fallback"
    )
    grade.set_defaults(run=_grade)
    train = commands.add_parser("train", help="train the offline grader of a rubric from its examples")
    train.add_argument("--rubric", default="crss-core")
    train.add_argument(
        "--examples", nargs="*", default=[], metavar="FILE",
        help="more labelled replies (docs/labelling-guide.md format), e.g. supervisors' exported labels",
    )
    train.set_defaults(run=_train)
    labels = commands.add_parser(
        "export-labels", help="supervisors' blind grades and overrides as training examples (JSONL)"
    )
    labels.add_argument("--rubric", required=True)
    labels.add_argument("--cohort", type=int, default=None, help="only this cohort's sessions")
    labels.add_argument("out", help="the JSONL file to write")
    labels.set_defaults(run=_export_labels)
    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", choices=["trainee", "supervisor", "staff"], required=True)
    add.add_argument("--cohort", default=None, help="put a trainee or supervisor in this cohort (created if new)")
    add.set_defaults(run=_users_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except ValidationError as exc:  # e.g. production with a short or placeholder PEER_SECRET_KEY
        problems = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        print(f"error: the settings are not safe to start with: {problems}", file=sys.stderr)
        return 2
    code: int = args.run(args)
    return code
