"""`zkrollup groth16 export-verifier VK.json OUT.vy|OUT.sol`: a verifier contract for any key."""
from __future__ import annotations

import os

import click

from .cli import CliError, cli_errors


@click.command("export-verifier")
@click.argument("vk_path", type=click.Path(dir_okay=False))
@click.argument("out_path", type=click.Path(dir_okay=False))
@cli_errors
def export_verifier(vk_path: str, out_path: str) -> None:
    """Write a Groth16 verifier contract for VK.json: Vyper (OUT.vy) or Solidity (OUT.sol),
    with snarkjs's verifyProof(a, b, c, pub) interface."""
    from verifier.export_verifier import write_verifier
    from verifier.snarkjs_json import read_vk

    if os.path.splitext(out_path)[1].lower() not in (".vy", ".sol"):
        raise CliError(f"{out_path}: the output must end in .vy (Vyper) or .sol (Solidity)")
    vk = read_vk(vk_path)
    lang = write_verifier(vk, out_path)
    click.echo(f"{lang} verifier for {vk.n_public} public input(s) written to {out_path}")
