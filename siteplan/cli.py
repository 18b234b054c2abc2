"""The `siteplan` command: a thin click group. Options in, a library call out.

Subcommands live in their own modules and are imported only when used (`LAZY_COMMANDS`),
so `siteplan --help` stays fast and never loads a solver. Every `SiteplanError` becomes one
clean `error:` line and its exit code (see `siteplan.errors`); `--debug` shows tracebacks.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import sys
import threading

import click

from siteplan import __version__

#: command name -> "module:attribute" (a click.Command)
LAZY_COMMANDS: dict[str, str] = {
    "solve": "siteplan.commands.plan_cmds:solve_cmd",
    "validate": "siteplan.commands.plan_cmds:validate_cmd",
    "check": "siteplan.commands.plan_cmds:check_cmd",
    "presets": "siteplan.commands.plan_cmds:presets_group",
    "generate": "siteplan.commands.plan_cmds:generate_cmd",
    "solvers": "siteplan.commands.solver_cmds:solvers_cmd",
    "classic": "siteplan.commands.classic_cmds:classic_group",
    "bench": "siteplan.commands.bench_cmds:bench_cmd",
    "runs": "siteplan.commands.store_cmds:runs_group",
    "compare": "siteplan.commands.store_cmds:compare_cmd",
    "sweep": "siteplan.commands.store_cmds:sweep_cmd",
    "batch": "siteplan.commands.batch_cmds:batch_cmd",
    "report": "siteplan.commands.report_cmds:report_cmd",
    "explain": "siteplan.commands.report_cmds:explain_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(name for name in LAZY_COMMANDS if self._loadable(name))

    @staticmethod
    def _loadable(name: str) -> bool:
        mod = LAZY_COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(mod) is not None

    def invoke(self, ctx):
        """Ctrl-C leaves as `Interrupted`, which click does not catch (it would print "aborted")."""
        from siteplan.errors import Interrupted

        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def get_command(self, ctx, name):
        if name not in LAZY_COMMANDS or not self._loadable(name):
            return None
        mod_name, attr = LAZY_COMMANDS[name].split(":")
        return getattr(importlib.import_module(mod_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="siteplan")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx, debug):
    """Plan community service facilities and community-worker staffing.

    Exit codes: 0 ok, 1 internal error, 2 usage, 3 input error, 4 infeasible,
    5 no solution within limits, 6 check failed, 7 solver error, 130 interrupted
    (Ctrl-C or SIGTERM).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _show_warning(message, category, filename, lineno, file=None, line=None, *, _default, _shown):
    """`warning: <message>` on stderr for siteplan's own warnings, each once per command (a
    run may load its scenario more than once); Python's own format for anything else."""
    from siteplan.errors import SiteplanWarning

    if not issubclass(category, SiteplanWarning):
        _default(message, category, filename, lineno, file, line)
    elif str(message) not in _shown:
        _shown.add(str(message))
        click.echo(f"warning: {message}", err=True)


def main(argv=None) -> int:
    import functools
    import warnings

    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show_warning, _default=warnings.showwarning, _shown=set())
        return _main(argv)


def _main(argv=None) -> int:
    from siteplan.errors import Interrupted, SiteplanError

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        cli.main(args=argv, prog_name="siteplan", standalone_mode=False)
        return 0
    except SiteplanError as exc:
        if debug:
            raise
        click.echo(f"error: {exc.render()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except Interrupted as exc:
        click.echo(exc.render(), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # a bug: one line, and how to see more
        if debug:
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  this is a bug in siteplan; rerun with --debug and report the traceback",
            err=True,
        )
        return 1


def run() -> None:
    """Console-script entry point."""
    _stop_on_sigterm()
    code = main()
    if code == 130:
        _exit_if_solver_left_running(code)
    sys.exit(code)


def _stop_on_sigterm() -> None:
    """`kill`, `timeout` and job schedulers send SIGTERM: stop as on Ctrl-C (the solver asked to
    stop, pool workers interrupted, finished sweep points and districts kept in the store,
    nothing half-written; exit 130) instead of dying at once and orphaning solver processes and
    pool workers. A second SIGTERM during that clean-up leaves at once."""
    if threading.current_thread() is not threading.main_thread():
        return

    def on_sigterm(signum, frame):
        signal.signal(signal.SIGTERM, lambda *_: os._exit(143))
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)


def _exit_if_solver_left_running(code: int) -> None:
    """After Ctrl-C, a solver that did not stop in time still runs in a helper thread; normal
    interpreter teardown under it can crash (exit -6 instead of 130), so leave at once. Every
    file and the run store are already closed: the interrupt unwound through them."""
    from siteplan.backends.common import solve_left_running

    if solve_left_running():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


if __name__ == "__main__":
    run()
