"""The `tertulia` command: serve, migrate, reindex, files migrate, create-user,
create-workspace. A failure is one line on stderr and exit status 1 (the traceback with
`tertulia --debug …`)."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import shutil
import socket
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, NoReturn, TypeVar

import click
import typer
from pydantic import EmailStr, TypeAdapter, ValidationError

from tertulia.config import Settings, SettingsInvalid, load_settings, without_password

# The server's modules load in a second or more (SQLAlchemy, Alembic, Pillow, the S3 client):
# each command imports what it needs, so `--help` and a bad setting answer at once.

app = typer.Typer(
    help="Tertulia, an open team-chat server.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # one line per failure (see `fail`), not a screenful
)
files_app = typer.Typer(help="Stored files.", no_args_is_help=True)
app.add_typer(files_app, name="files")
jobs_app = typer.Typer(help="The queue of background work.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
T = TypeVar("T")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)\S+@")


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of a failure, not one line.")
    ] = False,
) -> None:
    """Tertulia, an open team-chat server."""


def _debugging() -> bool:
    context = click.get_current_context(silent=True)
    if context is None:
        return "--debug" in sys.argv[1:]
    return bool(context.find_root().params.get("debug"))


def fail(exc: BaseException) -> NoReturn:
    """One line (one per bad setting) on stderr, exit status 1; with --debug, the traceback."""
    if _debugging():
        raise exc
    for line in _said(exc).splitlines() or [type(exc).__name__]:
        # whatever a library put in its message, a URL's password is not repeated
        shown = _URL_PASSWORD.sub(r"\1***@", line)
        typer.secho(f"error: {shown}", err=True, fg="red")
    raise typer.Exit(1)


def _said(exc: BaseException) -> str:
    if isinstance(exc, SettingsInvalid):  # before loading the server's modules, as it may
        return str(exc)
    from tertulia.domain.errors import DomainError, Invalid
    from tertulia.setup import ConfigError
    from tertulia.usecases.filemove import CopyMismatch

    if isinstance(exc, Invalid):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
    if isinstance(exc, ConfigError | DomainError | CopyMismatch):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (tertulia --debug … shows where)"


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsInvalid as exc:
        fail(exc)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; a failure becomes one line and exit status 1."""
    try:
        return asyncio.run(work)
    except Exception as exc:
        fail(exc)


def _check_port(host: str, port: int) -> None:
    """Bind the address as the server will, and let it go: a busy port is said here, before
    anything starts. Raises ConfigError."""
    from tertulia.setup import ConfigError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(
            f"--host {host} (TERTULIA_HOST) is not an address of this machine."
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"Port {port} on {host} is already in use: serve on another with "
                    f"--port (or TERTULIA_PORT), e.g. --port {port + 1}."
                ) from None
            if exc.errno == errno.EACCES:
                raise ConfigError(
                    f"Not allowed to listen on port {port}: choose one above 1023 with --port."
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ConfigError(
                    f"--host {host} (TERTULIA_HOST) is not an address of this machine."
                ) from None
            raise


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (TERTULIA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TERTULIA_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (TERTULIA_WORKERS).")] = None,
) -> None:
    """Serve the API and the web client (and /docs, /metrics) until interrupted. Checks the
    settings, the port and the database first."""
    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers)):
        if value is not None:
            os.environ[f"TERTULIA_{name}"] = str(value)
    settings = _settings()
    import uvicorn

    from tertulia.setup import check_database, check_settings
    from tertulia.web.heartbeat import HeartbeatProtocol
    from tertulia.web.wire import ProblemHttpProtocol

    try:
        check_settings(settings)  # fail here, clearly, rather than in every worker
        _check_port(settings.host, settings.port)
        asyncio.run(check_database(settings))
    except Exception as exc:
        fail(exc)
    if settings.workers > 1:
        # every worker counts into files of its own here; /metrics adds them up
        metrics_dir = settings.data_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
    base = settings.base_url
    typer.echo(f"Tertulia is starting on {base}")
    typer.echo(f"  Web client: {base}/")
    typer.echo(f"  API docs:   {base}/docs")
    uvicorn.run(
        "tertulia.bootstrap:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # httptools, reading addresses past its 64 KiB and answering what it cannot read as
        # problem+json (see web/wire.py)
        http=ProblemHttpProtocol,
        # wsproto: a third of the memory per idle connection of the websockets library; with
        # heartbeats that let go of a peer that stopped reading (see web/heartbeat.py)
        ws=HeartbeatProtocol,
        ws_max_size=settings.ws_max_frame_bytes * 4,  # the app refuses past 1x, clearly
        ws_per_message_deflate=settings.ws_compression,
        ws_ping_interval=settings.ws_ping_seconds,  # heartbeats: a dead peer is let go
        ws_ping_timeout=settings.ws_ping_seconds,
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    settings = _settings()
    from tertulia.adapters.sql import migrate as migrations
    from tertulia.adapters.sql.database import open_database
    from tertulia.setup import database_errors

    async def work() -> str:
        async with database_errors(settings):
            database = open_database(settings.db_url)
            try:
                await migrations.upgrade(database)
                return await migrations.current(database) or "?"
            finally:
                await database.close()

    revision = _run(work())
    typer.echo(f"Database at revision {revision}: {without_password(settings.db_url)}")


@app.command()
def reindex(
    restart: Annotated[
        bool, typer.Option(help="Start over instead of resuming an interrupted rebuild.")
    ] = False,
) -> None:
    """Rebuild the search index from the messages (after an upgrade, or to repair it).

    Runs while the server serves; interrupted, it resumes where it stopped the next time."""
    settings = _settings()
    from tertulia.bootstrap import open_tertulia
    from tertulia.setup import database_errors

    async def work() -> str:
        async with database_errors(settings), open_tertulia(settings) as core:
            state = await core.reindex.start(restart)
            if state.done:
                typer.echo(f"Resuming after {state.done:,} messages.")
            with typer.progressbar(length=state.total, label="Indexing", show_pos=True) as bar:
                bar.update(state.done)
                indexed = state.done
                while step := await core.reindex.step():
                    bar.update(step)
                    indexed += step
            return f"Search index rebuilt: {indexed:,} messages."

    typer.echo(_run(work()))


@files_app.command("migrate")
def files_migrate(
    to: Annotated[
        str,
        typer.Option(
            help="Where the files go: file://PATH or s3://BUCKET/PREFIX?endpoint=URL "
            "(credentials as for TERTULIA_BLOBS_URL)."
        ),
    ],
) -> None:
    """Copy every stored file from the current store (TERTULIA_BLOBS_URL) to another; then
    point TERTULIA_BLOBS_URL at it and restart. Each copy is checked by its content hash;
    interrupted, run it again: what is already there is skipped."""
    settings = _settings()
    from tertulia.adapters.sql.database import open_database
    from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
    from tertulia.setup import check_schema, database_errors, open_blobs
    from tertulia.usecases.filemove import FileMove

    async def work() -> str:
        database = open_database(settings.db_url)
        try:
            async with database_errors(settings):
                await check_schema(database)
            database.start()
            target_settings = settings.model_copy(update={"blobs_url": to})
            async with open_blobs(settings) as source, open_blobs(target_settings) as target:
                move = FileMove(SqlUnitOfWorkFactory(database), source, target)
                total = await move.count()
                copied = skipped = 0
                with typer.progressbar(length=total, label="Copying", show_pos=True) as bar:
                    async for moved in move.run():
                        copied += moved.copied
                        skipped += not moved.copied
                        bar.update(1)
            return (
                f"{copied:,} blobs copied, {skipped:,} already there. Now set "
                f"TERTULIA_BLOBS_URL={to} and restart."
            )
        finally:
            await database.close()

    typer.echo(_run(work()))


@jobs_app.command("list")
def jobs_list() -> None:
    """How many jobs of each kind wait, and the dead ones (those that failed as often as
    their kind allows), with why each last failed."""
    settings = _settings()
    from tertulia.bootstrap import open_tertulia
    from tertulia.setup import database_errors

    async def work() -> None:
        async with database_errors(settings), open_tertulia(settings) as core:
            for kind in core.jobs.kinds:
                typer.echo(f"{kind}: {await core.jobs.pending(kind):,} waiting")
            dead = await core.jobs.dead()
            typer.echo(f"dead: {len(dead):,}")
            for job in dead:
                when = job.created_at.isoformat(timespec="seconds") if job.created_at else "?"
                typer.echo(
                    f"  {job.id}  {job.kind} {job.subject}  enqueued {when}, "
                    f"{job.attempts} attempts: {job.error}"
                )

    _run(work())


@jobs_app.command("retry")
def jobs_retry(
    job_id: Annotated[
        int | None, typer.Argument(help="The dead job to try again (see `jobs list`).")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead job.")] = False,
) -> None:
    """Try a dead job again (or every dead one, with --all), as if it were new."""
    if (job_id is None) == (not every):
        typer.secho("error: give a job id or --all (not both).", err=True, fg="red")
        raise typer.Exit(2)
    settings = _settings()
    from tertulia.bootstrap import open_tertulia
    from tertulia.setup import database_errors

    async def work() -> int:
        async with database_errors(settings), open_tertulia(settings) as core:
            return await core.jobs.retry(job_id)

    typer.echo(f"{_run(work()):,} jobs queued again.")


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Login handle.")],
    email: Annotated[str, typer.Option(help="Email address.")],
    password: Annotated[
        str | None,
        typer.Option(
            help="Password; if not given, it is asked for (twice, not shown).",
            show_default=False,
        ),
    ] = None,
    display_name: Annotated[str | None, typer.Option(help="Shown name.")] = None,
) -> None:
    """Create an account (the password is asked for if not given)."""
    try:
        address = str(TypeAdapter(EmailStr).validate_python(email))
    except ValidationError:
        typer.secho("error: email: this is not a valid email address.", err=True, fg="red")
        raise typer.Exit(1) from None
    settings = _settings()
    from tertulia.bootstrap import open_tertulia
    from tertulia.setup import database_errors
    from tertulia.usecases.accounts import Registration

    if password is None:
        password = str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))

    async def work() -> str:
        async with database_errors(settings), open_tertulia(settings) as core:
            user = await core.accounts.register(
                Registration(username, address, password, display_name)
            )
            return f"Created user {user.username} ({user.id})"

    typer.echo(_run(work()))


@app.command("create-workspace")
def create_workspace(
    name: Annotated[str, typer.Option(help="Display name.")],
    owner: Annotated[str, typer.Option(help="Username of the owner.")],
    slug: Annotated[str | None, typer.Option(help="URL handle; derived from the name.")] = None,
) -> None:
    """Create a workspace owned by an existing user."""

    settings = _settings()
    from tertulia.bootstrap import open_tertulia
    from tertulia.setup import database_errors

    async def work() -> str:
        async with database_errors(settings), open_tertulia(settings) as core:
            user = await core.accounts.by_username(owner)
            workspace, _ = await core.workspaces.create(user.id, name, slug)
            return f"Created workspace {workspace.name} /{workspace.slug} ({workspace.id})"

    typer.echo(_run(work()))


def main() -> None:
    try:
        app(prog_name="tertulia")
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as exc:  # one raised outside a command's own handling
        try:
            fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
