"""The `zkrollup` command line: the rollup (setup, demo, prove, verify, state) and
snarkjs-compatible Groth16 commands (`zkrollup groth16 ...`).

Bad input of any kind ends in one line on stderr starting with "error:" and exit status 2
(for `groth16 verify`: 0 valid, 1 invalid, 2 bad input). Set ZKROLLUP_DEBUG=1 to see the
traceback of an unexpected failure.
"""
from __future__ import annotations

import functools
import sqlite3
import os
import sys

import click

if __name__ == "__main__":
    # `python -m zkrollup.cli`: run the package's own module, not a second copy of this file
    # (whose subcommand modules import `zkrollup.cli` back)
    from zkrollup.cli import main as _main
    _main(prog_name="zkrollup")

from verifier.evm import L1Error
from verifier.evm_store import ChainStoreError

from . import __version__


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def _one_line(e: BaseException) -> str:
    text = str(e).strip().replace("\n", " ")
    return text or type(e).__name__


def cli_errors(fn):
    """Turn expected failures into one clear line and exit 2, never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except CliError as e:
            click.echo(f"error: {_one_line(e)}", err=True)
            sys.exit(2)
        except (ValueError, OSError, KeyError, EOFError, MemoryError, OverflowError,
                sqlite3.Error, ChainStoreError, L1Error) as e:
            if os.environ.get("ZKROLLUP_DEBUG"):
                raise
            click.echo(f"error: {_one_line(e)}", err=True)
            sys.exit(2)
        except Exception as e:  # a bug, not bad input: still one line unless debugging
            if os.environ.get("ZKROLLUP_DEBUG"):
                raise
            click.echo(f"error: internal error ({type(e).__name__}: {_one_line(e)}); "
                       f"rerun with ZKROLLUP_DEBUG=1 for details", err=True)
            sys.exit(3)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="zkrollup", message="%(prog)s %(version)s")
def main() -> None:
    """zkrollup: a ZK validity rollup for an options and futures exchange."""


from .cli_groth16 import groth16  # noqa: E402  (registers the subgroup)

main.add_command(groth16)


from .cli_rollup import register as _register_rollup  # noqa: E402  (setup, demo, prove, verify, state)

_register_rollup(main)
