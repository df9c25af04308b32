"""Command line: the only module that prints or exits.

Subcommands are registered by name and imported only when invoked, so ``blastradius --help``
and ``blastradius scan`` never pay for the imports of ``inspect`` or ``compare``.
Every :class:`~blastradius.errors.BlastRadiusError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from blastradius import __version__
from blastradius.errors import BlastRadiusError

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 3

# name -> "module:attribute" of a click.Command; loaded on first use.
COMMANDS: dict[str, str] = {
    "scan": "blastradius.commands.scan:scan",
    "explain": "blastradius.commands.explain:explain",
    "graph": "blastradius.commands.graph:graph",
    "compare": "blastradius.commands.compare:compare",
    "inspect": "blastradius.capabilities.command:inspect",
    "report": "blastradius.commands.report:report",
}

SHORT_HELP = {
    "scan": "Scan a project: dependency graph, credentials, score, gate.",
    "explain": "Show every path from the project's roots to a package.",
    "graph": "Export the dependency graph (dot, graphml, json).",
    "compare": "Compare two projects' blast radius side by side.",
    "inspect": "Analyse one wheel or sdist statically, before adding it.",
    "report": "Render a saved JSON report as text, markdown, html or sarif.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose stage has not landed yet
            if exc.name and module_name.startswith(exc.name):
                return None
            raise
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blastradius")
def cli() -> None:
    """blastradius: how far does one compromised package reach into your provider keys?

    Exit codes: 0 pass, 1 gate failed, 2 usage or input error.
    """


def fail_input(error: BlastRadiusError) -> None:
    """Print one line and exit 2. Never a traceback, never a secret (errors carry none)."""
    click.echo(f"blastradius: error: {error.one_line()}", err=True)
    sys.exit(EXIT_INPUT_ERROR)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="blastradius", standalone_mode=False)
    except BlastRadiusError as error:
        fail_input(error)
    except click.exceptions.Abort:
        click.echo("blastradius: aborted", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    except click.ClickException as error:
        # usage errors: click's own message, exit 2
        error.show()
        sys.exit(EXIT_INPUT_ERROR)
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except KeyboardInterrupt:
        click.echo("blastradius: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_INPUT_ERROR)
    except (SystemExit, KeyboardInterrupt):
        raise
    except OSError as error:
        # unreadable files etc.: name the file, no traceback
        name = getattr(error, "filename", None)
        where = f"{name}: " if name else ""
        click.echo(f"blastradius: error: {where}{error.strerror or error}", err=True)
        sys.exit(EXIT_INPUT_ERROR)
    except Exception as error:  # a bug of ours: say so in one line; the traceback on request
        if os.environ.get("BLASTRADIUS_DEBUG"):
            raise
        click.echo(
            f"blastradius: internal error: {type(error).__name__} (a bug; rerun with BLASTRADIUS_DEBUG=1 "
            "for the traceback and report it)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL_ERROR)
    sys.exit(EXIT_PASS)
