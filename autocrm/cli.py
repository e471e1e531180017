"""The `autocrm` command line: database, accounts, API keys, demo data and the server."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from autocrm import routes
from autocrm.core.settings import get_settings
from autocrm.services.inputs import MAX_DB_ID

cli = typer.Typer(help="AutoCRM: an open-source helpdesk.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration and create the desk's default statuses and priorities."""
    from autocrm.core.db import write_session
    from autocrm.core.migrations import upgrade_database
    from autocrm.services import desk

    upgrade_database()
    with write_session() as session:
        desk.ensure_defaults(session)
    typer.echo("database is up to date")


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="customer, agent or admin.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.", prompt=True, hide_input=True)],
) -> None:
    """Create an account (use --role admin to bootstrap a desk)."""
    from autocrm.core.db import write_session
    from autocrm.models import Role
    from autocrm.services import users
    from autocrm.services.actor import Actor
    from autocrm.services.errors import DomainError

    if role not in {r.value for r in Role}:
        raise _fail(f"--role must be one of customer, agent, admin (got {role!r})")
    try:
        with write_session() as session:
            user = users.create_user(
                session, actor=Actor.system("cli"), email=email, name=name, role=Role(role), password=password
            )
    except DomainError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"created {user.role.value} #{user.id} {user.email}")


@cli.command("reset-mfa")
def reset_mfa(email: Annotated[str, typer.Option(help="The account's login e-mail.")]) -> None:
    """Turn off an account's two-step verification (a lost phone and no recovery codes left); its sessions end."""
    from sqlmodel import select

    from autocrm.core.db import stored_id, write_session
    from autocrm.models import User
    from autocrm.services import mfa
    from autocrm.services.actor import Actor

    with write_session() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise _fail(f"no account with the e-mail {email!r}")
        mfa.reset_for_user(session, actor=Actor.system("cli"), user_id=stored_id(user.id))
    typer.echo(f"two-step verification is off for {user.email}; they set it up again at their next sign-in")


ExpiresDays = Annotated[
    int | None,
    typer.Option("--expires-days", min=1, max=3650, help="Expire the key after this many days (default: never)."),
]
Owner = Annotated[
    str | None,
    typer.Option(
        "--owner",
        help="E-mail of the admin the key belongs to: it stops working if they are deactivated or demoted. "
        "Default: no account (the key answers to whoever runs the server).",
    ),
]


@cli.command("create-api-key")
def create_api_key(
    name: Annotated[str, typer.Option(help="What the key is for.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated, e.g. tickets:read,tickets:write")],
    role: Annotated[str, typer.Option(help="agent or admin: what the key may do.")] = "agent",
    expires_days: ExpiresDays = None,
    owner: Owner = None,
) -> None:
    """Create an API key. The key is printed once, alone on the last line."""
    from autocrm.core.db import write_session
    from autocrm.models import Role, User
    from autocrm.models.enums import STAFF_ROLES
    from autocrm.services import api_keys
    from autocrm.services.actor import Actor
    from autocrm.services.errors import DomainError

    if role not in STAFF_ROLES:
        raise _fail(f"--role must be agent or admin (got {role!r})")
    scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
    try:
        with write_session() as session:
            actor = Actor.system("cli")
            if owner is not None:
                from sqlmodel import select

                user = session.exec(select(User).where(User.email == owner.strip().lower())).first()
                if user is None:
                    raise _fail(f"--owner: there is no account {owner!r}")
                actor = Actor(role=user.role, label=f"cli:user:{user.id}", user_id=user.id, name=user.name)
            key, raw = api_keys.create_api_key(
                session, actor=actor, name=name, scopes=scope_list, role=Role(role), expires_in_days=expires_days
            )
    except DomainError as exc:
        raise _fail(exc.message) from None
    lasts = f", expiring {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else ", never expiring"
    typer.echo(
        f"created API key #{key.id} {key.name!r} with scopes {','.join(key.scopes)}{lasts}; "
        "store it now, it is not shown again:"
    )
    typer.echo(raw)


keys_cli = typer.Typer(help="API keys: list, create, revoke.", no_args_is_help=True)
cli.add_typer(keys_cli, name="api-keys")
keys_cli.command("create")(create_api_key)


def _when(value: object) -> str:
    from datetime import datetime

    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else "-"


@keys_cli.command("list")
def list_api_keys() -> None:
    """Every key, newest first, with its scopes, creator, last use, expiry and state (times in UTC)."""
    from autocrm.core.db import read_session
    from autocrm.services import api_keys
    from autocrm.services.actor import Actor

    with read_session() as session:
        keys = api_keys.list_api_keys(session, actor=Actor.system("cli"))
    if not keys:
        typer.echo("no API keys yet: create one with `autocrm api-keys create`")
        return
    header = ("ID", "NAME", "PREFIX", "SCOPES", "ROLE", "CREATOR", "CREATED", "LAST USED", "EXPIRES", "STATE")
    rows = [
        (
            str(key.id),
            key.name,
            f"{api_keys.API_KEY_PREFIX}_{key.prefix}",
            ",".join(key.scopes),
            key.role.value,
            key.created_by_name or "command line",
            _when(key.created_at),
            _when(key.last_used_at) if key.last_used_at else "never",
            _when(key.expires_at) if key.expires_at else "never",
            key.state.value,
        )
        for key in keys
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@keys_cli.command("revoke")
def revoke_api_key(
    key_id: Annotated[int, typer.Argument(min=1, max=MAX_DB_ID, help="The key's ID (see `api-keys list`).")],
) -> None:
    """Revoke a key: every request with it is refused from now on, on every worker."""
    from autocrm.core.db import write_session
    from autocrm.services import api_keys
    from autocrm.services.actor import Actor
    from autocrm.services.errors import DomainError

    try:
        with write_session() as session:
            key = api_keys.revoke_api_key(session, actor=Actor.system("cli"), key_id=key_id)
    except DomainError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"API key #{key.id} {key.name!r} ({api_keys.API_KEY_PREFIX}_{key.prefix}) is revoked")


@cli.command("seed")
def seed(
    demo: Annotated[
        bool, typer.Option("--demo", help="A believable demo desk: teams, agents, customers, 400 tickets.")
    ] = False,
    bench: Annotated[
        bool,
        typer.Option(
            "--bench", help="A desk at scale for benchmarks: 100 agents, 4,000 customers, 80 teams, 15,000 tickets."
        ),
    ] = False,
    tickets: Annotated[
        int | None, typer.Option(min=1, max=2_000_000, help="How many tickets (demo: 400, bench: 15,000).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="--bench on PostgreSQL: import batches in this many processes.")
    ] = 1,
) -> None:
    """Fill an empty database with demo data (--demo) or a large benchmark desk (--bench)."""
    from autocrm.core.db import write_session
    from autocrm.services import seed as seeding

    if demo == bench:
        raise _fail("say what to seed: --demo or --bench")
    if bench:
        from autocrm.services import bench_seed

        with write_session() as session:
            if bench_seed.bench_already_seeded(session):
                raise _fail("the database already has users; seed only an empty desk")
        total = tickets or 15_000

        def progress(done: int, wanted: int, seconds: float) -> None:
            if done % 10_000 == 0 or done == wanted:
                typer.echo(f"  {done:>9,} / {wanted:,} tickets  {done / seconds:,.0f} tickets/s", err=True)

        from autocrm.services.errors import DomainError

        try:
            result = bench_seed.seed_bench(
                tickets=total, workers=workers if not get_settings().is_sqlite else 1, progress=progress
            )
        except DomainError as exc:
            raise _fail(f"{exc.message} {exc.details or ''}".strip()) from None
        typer.echo(
            f"seeded {result.users:,} users, {result.tickets:,} tickets, {result.messages:,} messages in {result.seconds:,.1f} s: "
            f"{result.tickets_per_second:,.0f} tickets/s ({result.tickets / result.import_seconds:,.0f} tickets/s inside the import service)"
        )
        typer.echo(
            f"bench logins (password {bench_seed.BENCH_PASSWORD}): {bench_seed.BENCH_ADMIN_EMAIL}, agent000@bench.autocrm.dev"
        )
        return
    if tickets is not None and tickets > 100_000:
        raise _fail("--demo takes at most 100,000 tickets")
    with write_session() as session:
        if seeding.demo_already_seeded(session):
            raise _fail("the database already has users; seed only an empty desk")
        summary = seeding.seed_demo(session, tickets=tickets or 400)
    typer.echo(f"seeded {summary.users} users, {summary.tickets} tickets, {summary.messages} messages")
    typer.echo(
        f"demo logins (password {seeding.DEMO_PASSWORD}): {seeding.DEMO_ADMIN_EMAIL}, {seeding.DEMO_AGENT_EMAIL}, {seeding.DEMO_CUSTOMER_EMAIL}"
    )


kb_cli = typer.Typer(help="Knowledge base: import articles, rebuild the search index.", no_args_is_help=True)
cli.add_typer(kb_cli, name="kb")
IMPORT_BATCH = 50


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )


@kb_cli.command("import")
def kb_import(
    folder: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, dir_okay=True, help="A folder of .md, .json and .csv files.")
    ],
    status: Annotated[
        str, typer.Option(help="published or draft: the status of articles whose file names none.")
    ] = "published",
    index: Annotated[
        bool, typer.Option("--index/--no-index", help="Embed the new passages now (else the job worker does).")
    ] = True,
) -> None:
    """Import articles (Markdown with front matter, JSON, CSV: title, body, category, locale, tags, ...).

    Articles are known by slug and locale: importing again updates what changed and leaves the rest."""
    from autocrm.core.db import write_session
    from autocrm.services.actor import Actor
    from autocrm.services.kb import imports, reindex

    if status not in ("published", "draft"):
        raise _fail(f"--status must be published or draft (got {status!r})")
    sources, skipped = imports.read_folder(folder)
    if not sources:
        raise _fail(f"no .md, .json or .csv articles in {folder}")
    importer = imports.ArticleImporter(actor=Actor.system("cli:kb-import"), default_status=status)  # type: ignore[arg-type]
    ordered = importer.ordered(sources)
    with _progress() as bar:
        task = bar.add_task("importing", total=len(ordered))
        for batch in imports.batches(ordered, IMPORT_BATCH):
            with write_session() as session:
                importer.run(session, batch, progress=lambda _result: bar.advance(task))
    summary = importer.summary
    if index and summary.count("created") + summary.count("updated"):
        with _progress() as bar:
            task = bar.add_task("indexing", total=None)

            def indexed(_phase: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            reindex.embed_all(progress=indexed)
    for refused in summary.refused:
        typer.secho(f"refused {refused.label}: {refused.reason}", fg=typer.colors.YELLOW, err=True)
    typer.echo(
        f"{summary.count('created')} created, {summary.count('updated')} updated, "
        f"{summary.count('unchanged')} unchanged, {len(summary.refused)} refused"
        + (f" ({len(skipped)} other files skipped)" if skipped else "")
    )
    if summary.refused:
        raise typer.Exit(code=1)


@kb_cli.command("reindex")
def kb_reindex() -> None:
    """Cut every article into passages again and embed them all: after an upgrade or a lost index."""
    from autocrm.services.actor import Actor
    from autocrm.services.kb import reindex

    tasks: dict[str, Any] = {}
    labels = {"passages": "articles", "vectors": "passages"}
    with _progress() as bar:

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        summary = reindex.reindex(actor=Actor.system("cli:kb-reindex"), progress=report)
    typer.echo(
        f"reindexed {summary.articles} articles: {summary.passages} passages, {summary.embedded} embedded "
        f"in {summary.seconds:.1f} s"
    )


ai_cli = typer.Typer(help="AI helpers: rebuild what triage learns from.", no_args_is_help=True)
cli.add_typer(ai_cli, name="ai")


@ai_cli.command("reindex")
def ai_reindex() -> None:
    """Store the vector of every resolved ticket that has none: after an import or an upgrade."""
    from time import perf_counter

    from autocrm.services.ai import triage

    started = perf_counter()
    with _progress() as bar:
        task = bar.add_task("resolved tickets", total=None)
        done = triage.index_all(progress=lambda count: bar.update(task, completed=count))
    typer.echo(f"{done} ticket vectors stored or dropped in {perf_counter() - started:.1f} s")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _loud(lines: list[str], color: str = typer.colors.YELLOW) -> None:
    """A framed notice on the console that nobody starting the server can miss."""
    width = max(len(line) for line in lines) + 4
    typer.secho("=" * width, fg=color, bold=True)
    for line in lines:
        typer.secho(f"  {line}", fg=color, bold=True)
    typer.secho("=" * width, fg=color, bold=True)


def _print_logins(logins: dict[str, str], *, published: bool) -> None:
    from autocrm.services.seed import DEMO_PASSWORD

    if published:
        typer.echo(f"demo logins (password {DEMO_PASSWORD}): {', '.join(logins)}")
        return
    typer.echo("demo logins, shown this once (store them now; other demo accounts have no password):")
    for email, password in logins.items():
        typer.echo(f"  {email}  {password}")


@cli.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs due now, then exit.")] = False,
    batch: Annotated[int, typer.Option(min=1, max=500, help="Jobs claimed at a time.")] = 20,
    exit_with_parent: Annotated[
        bool, typer.Option("--exit-with-parent", hidden=True, help="Stop when the process that started it ends.")
    ] = False,
) -> None:
    """Run after-commit listeners and scheduled jobs until stopped (SIGTERM or Ctrl-C). Start any number."""
    import signal
    import threading

    from autocrm.events import runner, wakeup

    if once:
        typer.echo(f"ran {runner.run_pending_jobs()} jobs")
        return
    stop = threading.Event()

    def request_stop(*_: object) -> None:
        stop.set()
        wakeup.wake_here()  # an idle loop stops now, not at the end of its poll

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    if exit_with_parent:
        parent = os.getppid()

        def watch_parent() -> None:
            while not stop.wait(1.0):
                if os.getppid() != parent:
                    request_stop()

        threading.Thread(target=watch_parent, name="autocrm-parent-watch", daemon=True).start()
    typer.echo(f"job worker {runner.worker_name()} started", err=True)
    if get_settings().imap_idle:
        from autocrm.channels.imap_idle import IdleWatcher

        IdleWatcher().start(stop)  # new mail within seconds; only one worker of the desk watches at a time
    runner.work(stop, batch=batch)


def _start_job_consumer() -> None:
    """The embedded default's consumer: a `autocrm worker` child that ends when the server does, so nothing
    else has to be started. With `autocrm worker` processes of its own a deployment may skip it
    (AUTOCRM_SERVE_WORKER=0)."""
    import subprocess

    if not get_settings().serve_worker:
        return
    subprocess.Popen(  # noqa: S603 (our own interpreter and module, fixed arguments)
        [sys.executable, "-m", "autocrm", "worker", "--exit-with-parent"], start_new_session=False
    )


@cli.command("serve")
def serve(
    dev: Annotated[
        bool, typer.Option("--dev", help="Reflex dev mode with hot reload (frontend :3000, backend :8000).")
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            "--seed-demo/--no-seed-demo",
            help="Serve the demo desk: seed it into an empty database (published password on loopback only).",
        ),
    ] = False,
    host: Annotated[
        str,
        typer.Option(
            envvar="AUTOCRM_HOST",
            help="Address to answer on. Off loopback (e.g. 0.0.0.0) no account keeps the published demo password.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="Serve on this port instead of 3000 (prod mode: one port for UI and backend)."
        ),
    ] = None,
) -> None:
    """Migrate, then serve the app at http://localhost:3000: the demo desk with --demo, else a first-run set-up."""
    from autocrm.core.db import read_session, write_session
    from autocrm.core.migrations import PROJECT_ROOT
    from autocrm.services import seed as seeding
    from autocrm.services import setup

    db_upgrade()
    loopback = host.strip("[]").lower() in LOOPBACK_HOSTS
    settings = get_settings()
    url = settings.base_url if port is None else f"http://localhost:{port}"
    if demo:
        with read_session() as session:
            empty = not seeding.demo_already_seeded(session)
        if empty:
            with write_session() as session:
                summary = seeding.seed_demo(session, tickets=400, published_password=loopback)
            typer.echo(f"seeded {summary.users} users, {summary.tickets} tickets, {summary.messages} messages")
            _print_logins(summary.logins, published=loopback)
    if not loopback:
        with write_session() as session:
            retired = seeding.retire_published_passwords(session)
        if retired:
            _loud(["Serving off loopback: the demo accounts no longer have the published password."])
            _print_logins(retired, published=False)
    with read_session() as session:
        published = seeding.carries_published_passwords(session)
    if published:
        _loud(
            [
                "DEMO DESK: made-up data, and every demo account signs in with the published",
                f"password '{seeding.DEMO_PASSWORD}' (e.g. {seeding.DEMO_ADMIN_EMAIL}).",
                "For real use start without --demo on an empty database. This desk answers on loopback only.",
            ]
        )
    elif demo:
        _loud(["DEMO DESK: made-up data. For real use start without --demo on an empty database."])
    with write_session() as session:
        setup_code = setup.open_setup(session)
    if setup_code is not None:
        _loud(
            [
                "No admin yet: set up this desk (create the first admin, name the desk) at",
                routes.setup_link(url, setup_code),
                "The link works until the set-up is done or the server restarts.",
            ],
            color=typer.colors.GREEN,
        )
    os.environ.setdefault("AUTOCRM_DATA_DIR", str(settings.resolved_data_dir))
    os.chdir(PROJECT_ROOT)
    args = ["reflex", "run", "--env", "dev" if dev else "prod", "--loglevel", "warning", "--backend-host", host]
    if port is not None:
        args += ["--frontend-port", str(port)] if dev else ["--frontend-port", str(port), "--backend-port", str(port)]
        if "base_url" not in settings.model_fields_set:
            # Links, CORS and the websocket's origin check follow the base URL: make it the one served.
            os.environ["AUTOCRM_BASE_URL"] = url
    typer.echo(f"serving AutoCRM at {url} on {host} (data in {settings.resolved_data_dir})")
    _start_job_consumer()
    reflex = os.path.join(os.path.dirname(sys.executable), "reflex")
    os.execv(reflex, [reflex, *args[1:]])  # noqa: S606 (our own venv's reflex, fixed arguments: no shell to inject into)


@cli.command("mail-listener")
def mail_listener(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="SMTP port (25 needs root; 0: a free one).")] = 2525,
) -> None:
    """An SMTP server that turns every message it receives into a ticket, a reply or a failed-list entry."""
    import asyncio

    from autocrm.channels.smtp_listener import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    typer.echo(f"mail listener on {host}:{port}")
    try:
        asyncio.run(serve_forever(host, port))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cli()


if __name__ == "__main__":
    main()
