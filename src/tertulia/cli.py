"""The `tertulia` command: serve, migrate, reindex, files migrate, create-user,
create-workspace."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import typer
import uvicorn
from pydantic import EmailStr, TypeAdapter, ValidationError

from tertulia.adapters.sql import migrate as migrations
from tertulia.adapters.sql.database import open_database
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.bootstrap import ConfigError, check_schema, open_blobs, open_tertulia, signing_secret
from tertulia.config import Settings
from tertulia.domain.errors import DomainError, Invalid
from tertulia.usecases.accounts import Registration
from tertulia.usecases.filemove import CopyMismatch, FileMove
from tertulia.web.heartbeat import HeartbeatProtocol

app = typer.Typer(help="Tertulia, an open team-chat server.", no_args_is_help=True)
files_app = typer.Typer(help="Stored files.", no_args_is_help=True)
app.add_typer(files_app, name="files")
T = TypeVar("T")


def _run(work: Awaitable[T]) -> T:
    """Run a coroutine; turn refusals into a message and exit status 1."""
    try:
        return asyncio.run(work)  # type: ignore[arg-type]  # every caller passes a coroutine
    except Invalid as exc:
        fields = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        typer.secho(f"error: {fields}", err=True, fg="red")
    except (DomainError, ConfigError, CopyMismatch) as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (TERTULIA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TERTULIA_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (TERTULIA_WORKERS).")] = None,
) -> None:
    """Serve the API (and /docs, /demo) until interrupted."""
    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers)):
        if value is not None:
            os.environ[f"TERTULIA_{name}"] = str(value)
    settings = Settings()
    try:
        signing_secret(settings)  # fail here, clearly, rather than in every worker
    except ConfigError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        raise typer.Exit(1) from None
    base = settings.base_url
    typer.echo(f"Tertulia is starting on {base}")
    typer.echo(f"  API docs:  {base}/docs")
    typer.echo(f"  Demo:      {base}/demo")
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
    settings = Settings()

    async def work() -> str:
        database = open_database(settings.db_url)
        try:
            await migrations.upgrade(database)
            return await migrations.current(database) or "?"
        finally:
            await database.close()

    revision = _run(work())
    typer.echo(f"Database at revision {revision}: {settings.db_url.split('@')[-1]}")


@app.command()
def reindex(
    restart: Annotated[
        bool, typer.Option(help="Start over instead of resuming an interrupted rebuild.")
    ] = False,
) -> None:
    """Rebuild the search index from the messages (after an upgrade, or to repair it). Runs
    while the server serves; interrupted, it resumes where it stopped the next time."""

    async def work() -> str:
        async with open_tertulia(Settings()) as core:
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
    settings = Settings()

    async def work() -> str:
        database = open_database(settings.db_url)
        try:
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


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Login handle.")],
    email: Annotated[str, typer.Option(help="Email address.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password.")
    ],
    display_name: Annotated[str | None, typer.Option(help="Shown name.")] = None,
) -> None:
    """Create an account (the password is asked for if not given)."""
    try:
        address = str(TypeAdapter(EmailStr).validate_python(email))
    except ValidationError:
        typer.secho("error: email: this is not a valid email address.", err=True, fg="red")
        raise typer.Exit(1) from None

    async def work() -> str:
        async with open_tertulia(Settings()) as core:
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

    async def work() -> str:
        async with open_tertulia(Settings()) as core:
            user = await core.accounts.by_username(owner)
            workspace, _ = await core.workspaces.create(user.id, name, slug)
            return f"Created workspace {workspace.name} /{workspace.slug} ({workspace.id})"

    typer.echo(_run(work()))


def main() -> None:
    app(prog_name="tertulia")


if __name__ == "__main__":
    main()
