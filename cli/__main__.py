"""The entry point of `policycalc` (pyproject's script) and of `python -m policycalc`."""

import gc

from . import _COMMAND, _stop, _stop_early_signals

_stop_early_signals()  # (done already when the package was loaded as the command)
if _COMMAND:
    # The command's modules (typer, click, ours) make tens of thousands of objects, none of
    # them garbage: the collector's passes over them while they load cost about 4 ms of an
    # 80 ms start-up. It is off while they load, and `run` freezes them (they are never
    # scanned again) and turns it back on before any command runs.
    gc.disable()

from .entry import main  # noqa: E402


def run() -> None:
    """Run one command. Its process ends when it returns: the interpreter's shutdown then runs
    full collections over every object still alive (typer's modules, ours, the loaded
    ruleset), which cost more than the estimate itself. Freezing them first keeps those
    collections to what the freeze left out; everything is still released by reference
    counting as the modules are torn down, and files were closed by their commands."""
    if _COMMAND and not gc.isenabled():
        gc.freeze()
        gc.enable()
    try:
        main()
    except KeyboardInterrupt:  # a SIGINT between the early handler and main's own
        _stop(2, None)
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
