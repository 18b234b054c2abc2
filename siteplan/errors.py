"""One exception tree. Each error knows its exit code and renders as one clean line.

The CLI catches `SiteplanError` and prints `error: <message>` (plus a `fix:` line when known)
and exits with `exit_code`; nothing else reaches the user as a traceback.

Exit codes (documented in the README):
    0  success: a plan was found and passed the independent check
    1  internal error (a bug: please report it with --debug output)
    2  usage error (bad command-line options)
    3  input error: scenario, table or file problem
    4  infeasible: no plan can meet the rules (proved before or by the solver)
    5  no solution found within the limits (time, nodes)
    6  check failed: a plan violates a rule it was meant to meet
    7  solver error or backend unavailable
  130  interrupted (Ctrl-C / SIGINT): the solve stopped within seconds; what was saved is said
"""

from __future__ import annotations


class SiteplanWarning(UserWarning):
    """Something an input may say but probably should not. Raised with `warnings.warn`; the
    CLI prints it as one `warning: <message>` line on stderr (never stdout) and carries on."""


class SiteplanError(Exception):
    """Base class: a message for the user, optional fix, and the exit code."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.where = where

    def render(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return head + (f"\n  fix: {self.fix}" if self.fix else "")

    def __str__(self) -> str:  # pragma: no cover - exercised through render
        return self.render()


class UsageError(SiteplanError):
    """A command line that cannot be carried out as given (an output that would destroy an
    input or another tool's files, an option value out of range)."""

    exit_code = 2


class InputError(SiteplanError):
    """A scenario, table or file problem the user can fix."""

    exit_code = 3


class InfeasibleError(SiteplanError):
    """No plan can satisfy the rules; `reasons` lists the proofs found."""

    exit_code = 4

    def __init__(self, message: str, *, reasons: list[str] | None = None, fix: str | None = None,
                 where: str | None = None):
        super().__init__(message, fix=fix, where=where)
        self.reasons = reasons or []


class NoSolutionError(SiteplanError):
    """The solver stopped at a limit without any feasible plan."""

    exit_code = 5


class CheckFailedError(SiteplanError):
    """The independent checker found a violated rule in a plan."""

    exit_code = 6


class SolverError(SiteplanError):
    """A backend is missing, crashed or returned something unusable."""

    exit_code = 7


class UnknownOptionError(SolverError):
    """A solver option (`extra`, a profile's `extra:`) the backend's solver does not know.

    The same error on every backend, inline or in a worker process (the worker sends it back
    and the parent raises it again): `backend 'NAME' has no option 'KEY'`."""

    def __init__(self, backend: str, option: str, fix: str | None = None):
        super().__init__(f"backend {backend!r} has no option {option!r}", fix=fix)
        self.backend = backend
        self.option = option
        self.args = (backend, option, fix)  # so that it pickles (a worker sends it back)


class Interrupted(BaseException):
    """Ctrl-C, with what it left behind (`note`, e.g. "nothing saved"); exit code 130.

    A BaseException like the KeyboardInterrupt it stands for, so no `except Exception` on the
    way up (a backend's, a sweep point's) can turn it into a solver error.
    """

    exit_code = 130

    def __init__(self, note: str = ""):
        super().__init__(note)
        self.note = note

    def render(self) -> str:
        return "interrupted" + (f"; {self.note}" if self.note else "")
