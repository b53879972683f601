"""The `docsense` command line.

Errors a user can fix are one line on stderr and exit code 2 (a line per problem for
configuration); anything unexpected is one line and exit code 1, its traceback in the
log (a structured field with LOG_FORMAT=json, on a terminal only at LOG_LEVEL=DEBUG).

Start-up time is part of the interface (`--help` answers at once): this module imports
only what parsing arguments needs, and each command imports its machinery when it runs.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import mimetypes
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from platform import python_version
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from domain.severity import SEVERITIES
from eventstore.jobs import JOB_STATES

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings
    from domain.operations import JobRow

T = TypeVar("T")
EXIT_UNAVAILABLE = 75
"""EX_TEMPFAIL: the configuration is fine but the database cannot be reached; a
supervisor may retry (exit 2, a configuration to fix, is not worth retrying)."""
# Names a local file's document the same way on every run, so a re-run is a re-review.
CLI_NAMESPACE = uuid.UUID("4f2b8a55-0c1e-4a8e-9a3e-6a1f6d2f7c10")

app = typer.Typer(
    help="DocSense: reviews trading-algorithm documentation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
projections_app = typer.Typer(help="Read-model maintenance.", no_args_is_help=True)
jobs_app = typer.Typer(
    help="Queued jobs and dead letters: with no command, list them.",
    invoke_without_command=True,
)
app.add_typer(db_app, name="db")
app.add_typer(projections_app, name="projections")
config_app = typer.Typer(help="Configuration from the environment.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(jobs_app, name="jobs")

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


class UserError(Exception):
    """Something the user can fix; printed as one line, exit code 2."""


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


MinSeverity = StrEnum("MinSeverity", {s: s for s in SEVERITIES})


MinSeverityOption = Annotated[
    MinSeverity | None,
    typer.Option(
        "--min-severity",
        help="Show only findings of this severity or worse (the counts still cover all).",
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit", min=0, help="Show at most N findings, the most severe first; the rest counted."
    ),
]


class Provider(StrEnum):
    auto = "auto"
    rules = "rules"
    anthropic = "anthropic"
    openai = "openai"
    gemini = "gemini"


def _run(work: Callable[[Settings], Awaitable[T]]) -> T:
    from bot.logs import configure_logging
    from bot.settings import SettingsError, load_settings

    settings: Settings | None = None
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values())
        return asyncio.run(work(settings))
    except SettingsError as error:
        for line in error.lines():
            _error_line(line)
        raise typer.Exit(EXIT_UNAVAILABLE if error.temporary else 2) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as error:
        if isinstance(error, _user_errors()):
            _error_line(str(error))
            raise typer.Exit(2) from None
        # A log shipper gets the stack as a structured field; a terminal gets one line
        # (and the traceback at LOG_LEVEL=DEBUG).
        structured = settings is not None and settings.log_format == "json"
        log = _log()
        (log.error if structured else log.debug)("cli.internal_error", exc_info=True)
        _error_line(f"internal error: {type(error).__name__}: {_masked(settings, error)}")
        raise typer.Exit(1) from None


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors a user can fix, imported only once one has happened."""
    from domain.document import DocumentError
    from domain.queries import DocumentNotFound

    return (UserError, DocumentError, DocumentNotFound)


def _log() -> Any:
    import structlog

    return structlog.get_logger(__name__)


def _masked(settings: Settings | None, error: Exception) -> str:
    """An exception's message may quote a token or a DSN: never print those."""
    from bot.logs import SecretMasker

    return SecretMasker(settings.secret_values() if settings else ()).mask(str(error))


def _error_line(message: str) -> None:
    """One line, never wrapped, whatever the terminal width: scripts parse it. With
    LOG_FORMAT=json stderr is a log stream, so the line is a JSON object like the rest
    (read from the environment: the settings may be what failed)."""
    text = " ".join(message.split())
    if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
        import structlog

        from bot.logs import configure_logging

        if not structlog.is_configured():
            configure_logging("INFO", "json")
        _log().error("cli.error", message=text)
        return
    sys.stderr.write(f"docsense: {text}\n")
    sys.stderr.flush()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a document") from None
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror})") from None


@app.command()
def review(
    files: Annotated[list[Path], typer.Argument(help="Documents to review.")],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Report format.")
    ] = OutputFormat.text,
    provider: Annotated[
        Provider | None,
        typer.Option(help="AI provider to add to the rules engine (default: AI_PROVIDER)."),
    ] = None,
    min_severity: MinSeverityOption = None,
    limit: LimitOption = None,
) -> None:
    """Review documents, record the review in the event store and print it.

    --min-severity and --limit trim only what is printed: the whole review is recorded,
    and `/docsense export` or `docsense status DOC` still show every finding."""

    def work(settings: Settings) -> Awaitable[int]:
        if provider is not None:
            settings = settings.with_provider(provider.value)
        return _review(settings, files, output, min_severity, limit)

    refused = _run(work)
    if refused:
        raise typer.Exit(2)


async def _review(
    settings: Settings,
    files: list[Path],
    output: OutputFormat,
    min_severity: MinSeverity | None,
    limit: int | None,
) -> int:
    from bot.runtime import open_runtime
    from domain.report import review_payload, trimmed
    from domain.service import ReviewDocument, SubmitDocument

    contents = [(path, _read(path)) for path in files]  # unreadable paths stop before any write
    refused = 0
    async with open_runtime(settings, local=True) as runtime:
        for path, data in contents:
            document_id = uuid.uuid5(CLI_NAMESPACE, f"cli:{path.resolve()}")
            media_type = mimetypes.guess_type(path.name)[0]
            submit = SubmitDocument.local(document_id, path.name, media_type, data, actor="cli")
            with stderr.status(f"Reviewing {path.name}…", spinner="dots"):
                await runtime.documents.submit(submit)
                result = await runtime.documents.review(
                    ReviewDocument(document_id=document_id, data=data, actor="cli")
                )
            if result.rejection is not None:
                refused += 1
                _error_line(f"{path}: {result.rejection.message}")
                continue
            payload = review_payload(result)
            if min_severity is not None or limit is not None:  # else no `omitted` key
                payload = trimmed(payload, min_severity=min_severity, limit=limit)
            _print_review(payload, output)
        await runtime.catch_up()
    return refused


def _print_review(payload: dict, output: OutputFormat) -> None:
    from bot.terminal import print_review
    from domain.report import render_markdown

    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    elif output is OutputFormat.markdown:
        sys.stdout.write(render_markdown(payload))
    else:
        print_review(stdout, payload)


@app.command()
def status(
    document: Annotated[
        str | None, typer.Argument(help="Document id, id prefix or file name.")
    ] = None,
    min_severity: MinSeverityOption = None,
    limit: LimitOption = None,
) -> None:
    """Store, queue and document status; with DOC, that document's findings
    (--min-severity and --limit as for `review`)."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime

        if document is None and (min_severity is not None or limit is not None):
            raise UserError("--min-severity and --limit need a DOC")
        async with open_runtime(settings, local=True) as runtime:
            await runtime.catch_up()
            if document is None:
                await _overall_status(runtime)
            else:
                await _document_status(runtime, document, min_severity, limit)

    _run(work)


async def _overall_status(runtime: Runtime) -> None:
    from bot.terminal import print_documents
    from domain.queries import (
        EPOCH,
        ai_usage,
        channel_stats,
        list_documents,
        projection_lag,
        store_counts,
    )

    counts = await store_counts(runtime.store)
    jobs = await runtime.jobs.counts()
    lag = await projection_lag(runtime.store)
    stdout.print(
        f"Event store: {counts['events']} events in {counts['streams']} streams "
        f"(last position {counts['last_position']})"
    )
    stdout.print("Jobs: " + ", ".join(f"{n} {state}" for state, n in jobs.items()))
    stdout.print("Projections: " + ", ".join(f"{name} lag {n}" for name, n in lag.items()))
    stats = await channel_stats(runtime.pool)
    stdout.print(
        f"Decisions: {stats.accepted} accepted, {stats.rejected} rejected of {stats.findings} "
        f"findings; {stats.questions} questions answered; AI cost ${stats.cost_usd:.4f}"
    )
    usage = await ai_usage(runtime.pool, channels=None, since=EPOCH)
    if usage.reviews or usage.answers:
        stdout.print(
            f"AI cache: {usage.cache_hit_rate:.0%} of prompt tokens read from cache "
            f"({usage.cache_read_tokens:,} read, {usage.cache_write_tokens:,} written); "
            f"saved ${usage.cache_saved_usd:.4f} against no caching"
        )
    print_documents(stdout, await list_documents(runtime.pool))


async def _document_status(
    runtime: Runtime, reference: str, min_severity: MinSeverity | None, limit: int | None
) -> None:
    from bot.terminal import print_documents
    from domain.queries import find_document, findings_of
    from domain.report import select

    row = await find_document(runtime.pool, reference)
    print_documents(stdout, [row])
    if row.reject_message:
        stdout.print(f"Rejected: {row.reject_message}", markup=False)
    findings, omitted = select(
        await findings_of(runtime.pool, row.id), min_severity=min_severity, limit=limit
    )
    for finding in findings:
        where = f" — {finding['section']}" if finding["section"] else ""
        stdout.print(
            f"[{finding['status']}] {finding['severity']}: {finding['title']}{where}", markup=False
        )
    if omitted:
        stdout.print(f"{omitted} more findings omitted.", markup=False)


@app.command()
def ask(
    document: Annotated[str, typer.Argument(help="Document id, id prefix or file name.")],
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    provider: Annotated[
        Provider | None,
        typer.Option(help="AI provider to answer with (default: AI_PROVIDER)."),
    ] = None,
) -> None:
    """Ask a question about a reviewed document; the answer quotes the document."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime
        from bot.terminal import print_answer
        from domain.queries import find_document
        from domain.service import AskQuestion

        if provider is not None:
            settings = settings.with_provider(provider.value)
        async with open_runtime(settings, local=True) as runtime:
            await runtime.catch_up()
            row = await find_document(runtime.pool, document)
            question_id = uuid.uuid4()
            await runtime.documents.ask(
                AskQuestion(row.id, question_id, question, "cli", None, "cli"), answer_job=False
            )
            answer = await runtime.documents.answer(row.id, question_id)
            await runtime.catch_up()
        print_answer(stdout, answer)

    _run(work)


@app.command("history")
def history_command(
    document: Annotated[str, typer.Argument(help="Document id, id prefix or file name.")],
) -> None:
    """The document's event timeline."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime
        from bot.terminal import print_history
        from domain.queries import find_document, history

        async with open_runtime(settings, local=True) as runtime:
            await runtime.catch_up()
            row = await find_document(runtime.pool, document)
            print_history(stdout, await history(runtime.store, row.id))

    _run(work)


@app.command()
def serve() -> None:
    """Run the Slack app, job workers, projections and the metrics/health sidecar."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime
        from bot.serve import serve_until_stopped

        settings.require_slack()
        async with open_runtime(settings) as runtime:
            await serve_until_stopped(runtime, settings)

    _run(work)


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending database migrations (also done at every start-up)."""

    async def work(settings: Settings) -> None:
        from bot.runtime import database_dsn, migrate_database

        applied = await migrate_database(settings, await database_dsn(settings))
        names = ", ".join(f"{m.component}/{m.version:04d}_{m.name}" for m in applied)
        stdout.print(f"Applied {len(applied)} migration(s){': ' + names if names else ''}.")

    _run(work)


@projections_app.command("rebuild")
def projections_rebuild() -> None:
    """Drop the read models and replay the whole event log into them."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime

        async with open_runtime(settings, local=True) as runtime:
            for projector in runtime.projectors:
                replayed = await projector.rebuild()
                stdout.print(f"{projector.projection.name}: replayed {replayed} events")

    _run(work)


JobState = StrEnum("JobState", {s: s for s in JOB_STATES})


class JobsFormat(StrEnum):
    text = "text"
    json = "json"


@jobs_app.callback()
def jobs(
    context: typer.Context,
    state: Annotated[
        JobState | None,
        typer.Option("--state", help="Only jobs in this state (default: all but succeeded)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N jobs.")] = 50,
    output: Annotated[
        JobsFormat, typer.Option("--format", "-f", help="Output format (json: one job a line).")
    ] = JobsFormat.text,
) -> None:
    """List jobs, newest first: by default every job that has not succeeded."""
    if context.invoked_subcommand is not None:
        return

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime
        from bot.terminal import print_jobs
        from domain.operations import UNFINISHED, JobOperations

        async with open_runtime(settings, local=True) as runtime:
            await runtime.catch_up()  # so the newest documents have their file names
            rows = await JobOperations(runtime.store, runtime.jobs).list_jobs(
                states=UNFINISHED if state is None else (state.value,), limit=limit
            )
        if output is JobsFormat.json:
            for row in rows:
                sys.stdout.write(json.dumps(_job_json(row), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            print_jobs(stdout, rows, now=datetime.now(UTC))

    _run(work)


def _job_json(row: JobRow) -> dict[str, object]:
    job = row.job
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "document_id": None if row.document_id is None else str(row.document_id),
        "filename": row.filename,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "last_error": job.last_error,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }


@jobs_app.command("retry")
def jobs_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Ids of dead jobs.", show_default=False)
    ] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Retry every dead job.")] = False,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Who retries, for the record (default: your OS user)."),
    ] = None,
) -> None:
    """Put dead jobs back in the queue with a full set of attempts.

    All or none: if one id is not a dead job, nothing changes. Each retry is recorded as
    a JobRetried event naming the actor."""

    async def work(settings: Settings) -> None:
        from bot.runtime import open_runtime
        from domain.operations import JobNotRetryable, JobOperations

        if bool(ids) == all_dead:
            raise UserError("Give the ids of dead jobs to retry, or --all-dead (not both).")
        who = _actor(actor)
        async with open_runtime(settings, local=True) as runtime:
            operations = JobOperations(runtime.store, runtime.jobs)
            try:
                retried = await operations.retry(None if all_dead else ids, actor=who)
            except JobNotRetryable as error:
                raise UserError(str(error)) from None
        if not retried:
            stdout.print("No dead jobs to retry.")
        for job in retried:
            stdout.print(
                f"Retried job {job.id} ({job.kind}) as {who}; it had spent {job.attempts} of "
                f"{job.max_attempts} attempts.",
                markup=False,
                soft_wrap=True,  # one line a job, for scripts
            )

    _run(work)


def _actor(given: str | None) -> str:
    """Who runs the command, for the record: --actor, else the OS user."""
    if given is not None:
        if not given.strip():
            raise UserError("--actor needs a name.")
        return given.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment nor the password file
        raise UserError("Cannot tell who you are; pass --actor NAME.") from None


@config_app.command("check")
def config_check(
    for_serve: Annotated[
        bool, typer.Option("--serve", help="Also require what `docsense serve` needs (Slack).")
    ] = False,
) -> None:
    """Validate the environment, print the effective configuration (secrets masked) and
    check the database; exit 2 when `docsense` would not start."""
    from bot.config_check import effective_settings, run_checks

    async def work(settings: Settings) -> bool:
        for row in effective_settings(settings):
            source = "environment" if row.from_environment else "default"
            stdout.print(f"{row.name:<22} {row.value}  [{source}]", markup=False, soft_wrap=True)
        checks = await run_checks(settings, serve=for_serve)
        for check in checks:
            status = "ok" if check.ok else "FAIL"
            stdout.print(f"{status:<4} {check.name}: {check.detail}", markup=False, soft_wrap=True)
        return all(check.ok for check in checks)

    if not _run(work):
        raise typer.Exit(2)


def _version(show: bool) -> None:
    if show:
        stdout.print(f"docsense {package_version('docsense')} (Python {python_version()})")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """DocSense: reviews trading-algorithm documentation."""


def main() -> None:
    app()
