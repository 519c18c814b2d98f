"""The command's entry point: one command's app built alone (start-up), every error one
line with its exit code, signals and a closed stdout handled, never a traceback."""

from __future__ import annotations

import os
import sys

import typer

from .app import APP_SETTINGS, app, main_callback
from .errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    Error,
)
from .options import (
    exit_code_of,
    quiet_broken_pipe,
)


def _only(name: str) -> typer.Typer:
    """The app with just one command. Typer builds every command's options when it starts;
    a script that calls `estimate` once per applicant need not pay for the other eight, nor
    for the shell-completion options (completion itself goes through the full app)."""
    for info in app.registered_commands:
        command = info.name or (info.callback.__name__ if info.callback else "")
        if command.replace("_", "-") == name and info.callback is not None:
            single = typer.Typer(**{**APP_SETTINGS, "add_completion": False})
            single.callback()(main_callback)
            single.registered_commands.append(info)
            return single
    return app


def flush_stdout() -> int | None:
    """Flush now: a small output to a closed pipe or a full disk fails here, not in the
    interpreter's exit. Returns the exit code of a failure (one `Error:` line said why)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_broken_pipe()
    except Error as exc:
        return _stdout_failed(exc)
    return None


def _stdout_failed(exc: Error) -> int:
    from .output import stop_stdout

    stop_stdout()
    typer.echo(f"Error: {exc}", err=True)
    return exit_code_of(exc)


def main() -> None:
    """Entry point: never a traceback, always a documented exit code."""
    from .output import (
        Interrupted,
        discard_pending,
        guard_standard_streams,
        install_signal_handlers,
    )

    install_signal_handlers()
    try:
        guard_standard_streams()
        _main()
    except (Interrupted, KeyboardInterrupt) as exc:
        # SIGINT, SIGTERM, SIGHUP: Typer turns a KeyboardInterrupt into a silent exit 130,
        # so the handlers raise `Interrupted`, which it lets through.
        discard_pending()
        stop = exc if isinstance(exc, Interrupted) else Interrupted(2)
        try:
            sys.stderr.write(f"Error: {stop}\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # a hang-up can take the terminal with it
            pass
        os._exit(stop.exit_code)  # not sys.exit: flushing stdout into a closed pipe would fail


def _main() -> None:
    args = sys.argv[1:]
    target = _only(args[0]) if args and not args[0].startswith("-") else app
    try:
        code = target(standalone_mode=False)
    except SystemExit as stop:
        failed = flush_stdout()
        if failed is not None and not stop.code:
            sys.exit(failed)
        raise
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(EXIT_OK)
    except Error as exc:  # stdout failed while help or a message was written
        sys.exit(_stdout_failed(exc))
    except Exception as exc:
        message = getattr(exc, "format_message", None)
        exit_code = getattr(exc, "exit_code", None)
        if message is None or not isinstance(exit_code, int):
            # A bug: say so in one line rather than a traceback, with an exit code of its own.
            typer.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); please report it",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        # The option parser's own errors (unknown option, bad choice): one line, exit 2.
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(message())
        else:
            command = f"policycalc {args[0]}" if target is not app else "policycalc"
            text = " ".join(message().split())
            typer.echo(f"Error: {text} (see {command} -h)", err=True)
        sys.exit(exit_code)
    failed = flush_stdout()
    if failed is not None:
        sys.exit(failed)
    sys.exit(code if isinstance(code, int) else 0)
