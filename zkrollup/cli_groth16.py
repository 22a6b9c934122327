"""`zkrollup groth16 ...`: snarkjs-compatible Groth16 commands.

    zkrollup groth16 setup CIRCUIT.r1cs PK VK.json
    zkrollup groth16 prove PK|CIRCUIT.zkey WITNESS.wtns PROOF.json PUBLIC.json
    zkrollup groth16 verify VK.json PUBLIC.json PROOF.json     (exit 0 valid, 1 invalid, 2 bad input)
    zkrollup groth16 export-vk PK|CIRCUIT.zkey VK.json
"""
from __future__ import annotations

import json
import sys
import time

import click

from verifier.snarkjs_json import write_vk

from .cli import CliError, cli_errors
from . import keyfiles


class _Bar:
    """A click progress bar driven by (stage, fraction) callbacks."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __enter__(self):
        self.bar = click.progressbar(length=1000, label=self.label, file=sys.stderr,
                                     show_eta=False, item_show_func=lambda s: s)
        self.bar.__enter__()
        return self

    def __call__(self, stage: str, frac: float) -> None:
        target = int(1000 * min(max(frac, 0.0), 1.0))
        if target > self.done:
            self.bar.update(target - self.done, stage)
            self.done = target

    def __exit__(self, *exc):
        if exc[0] is None:
            self(" done", 1.0)
        return self.bar.__exit__(*exc)


@click.group()
def groth16() -> None:
    """snarkjs-compatible Groth16: setup, prove, verify, export-vk."""


@groth16.command()
@click.argument("circuit", type=click.Path(dir_okay=False))
@click.argument("pk_path", type=click.Path(dir_okay=False))
@click.argument("vk_path", type=click.Path(dir_okay=False))
@click.option("--seed", default=None,
              help="INSECURE, for tests: derive the toxic waste from this string.")
@cli_errors
def setup(circuit: str, pk_path: str, vk_path: str, seed) -> None:
    """Circuit-specific setup for a circom CIRCUIT.r1cs: writes PK (msgpack) and VK.json."""
    from circuits.circom_io import read_r1cs
    from prover.setup import setup as groth16_setup
    from prover.keys import save_proving_key

    from prover import jit

    r1cs = read_r1cs(circuit)
    t0 = time.perf_counter()
    jit.ensure(("keys", "setup", "prove"), lambda msg: click.echo(msg, err=True))
    with _Bar("setup") as bar:
        pk = groth16_setup(r1cs, seed=seed.encode() if seed is not None else None, progress=bar)
    save_proving_key(pk, pk_path)
    write_vk(vk_path, keyfiles.vk_from_pk(pk))
    click.echo(f"setup: {r1cs.n_constraints} constraints, {r1cs.n_wires} wires, "
               f"{r1cs.n_public} public, domain 2^{pk.domain_size.bit_length() - 1}, "
               f"{time.perf_counter() - t0:.2f} s -> {pk_path}, {vk_path}")


@groth16.command()
@click.argument("key_path", metavar="PK|ZKEY", type=click.Path(dir_okay=False))
@click.argument("witness", type=click.Path(dir_okay=False))
@click.argument("proof_path", type=click.Path(dir_okay=False))
@click.argument("public_path", type=click.Path(dir_okay=False))
@click.option("--r1cs", "r1cs_path", default=None, type=click.Path(dir_okay=False),
              help="The circuit's .r1cs, to check the witness against every constraint when the key "
                   "is a .zkey (default: CIRCUIT.r1cs beside CIRCUIT.zkey, if present).")
@click.option("--self-check", "self_check", type=click.Choice(["always", "never"]), default="always",
              show_default=True,
              help="Verify the fresh proof with the independent verifier (the EVM's pairing precompile, "
                   "~10 ms) before writing it: a key changed on the curve proves wrong from a satisfying "
                   "witness.")
@click.option("--timings", is_flag=True, help="Print where the time went (JSON, on stderr).")
@cli_errors
def prove(key_path: str, witness: str, proof_path: str, public_path: str, r1cs_path, self_check: str,
          timings: bool) -> None:
    """Prove with our proving key or a snarkjs .zkey and a circom .wtns witness.

    The key is validated on its first use and cached by content hash (prover.key_store); the
    witness is checked against every constraint before any group work (our keys carry the
    circuit; a .zkey needs its .r1cs, found beside it or named by --r1cs). The fresh proof is
    verified before it is written (--self-check): validation proves every point on its
    curve, not that the points are the key's, so only the pairing check sees a key whose
    H, C or A points were changed. Proof and public inputs are written together or not at
    all."""
    from circuits.circom_io import read_wtns_limbs
    from prover import jit
    from prover.groth16 import prove as groth16_prove
    from verifier.snarkjs_json import write_proof_and_public

    jit.skip_blas_probe()
    t = {}
    t0 = time.perf_counter()
    if jit.ensure(("keys", "prove"), lambda msg: click.echo(msg, err=True)):
        t["compile_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    pk = keyfiles.load_any_proving_key(key_path, r1cs_path)
    t["key_s"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    wit = read_wtns_limbs(witness)
    t["witness_read_s"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    proof = groth16_prove(pk, wit, check=True)
    t["prove_s"] = time.perf_counter() - t1
    checked = pk.qap_C is not None
    t1 = time.perf_counter()
    if self_check == "always":
        keyfiles.self_check(pk, proof)
        t["self_check_s"] = time.perf_counter() - t1
    write_proof_and_public(proof_path, keyfiles.proof_for_verifier(proof), public_path, proof.public)
    if timings:
        t["key_validated"] = pk.meta.get("validated")
        t["stages"] = {k: round(v, 4) for k, v in proof.timings.items()}
        click.echo(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in t.items()}), err=True)
    click.echo(f"proof written to {proof_path} ({t['prove_s']:.2f} s"
               f"{'' if checked or self_check == 'never' else '; witness checked by verifying the proof'})")


@groth16.command()
@click.argument("vk_path", type=click.Path(dir_okay=False))
@click.argument("public_path", type=click.Path(dir_okay=False))
@click.argument("proof_path", type=click.Path(dir_okay=False))
@cli_errors
def verify(vk_path: str, public_path: str, proof_path: str) -> None:
    """Verify a snarkjs-format proof: exit 0 valid, 1 invalid, 2 bad input."""
    from verifier.snarkjs_json import read_proof, read_public, read_vk
    from verifier.fast_groth16 import check_proof, check_vk, verify as groth16_verify

    vk = read_vk(vk_path, check=check_vk)
    public = read_public(public_path)
    if len(public) != vk.n_public:
        raise CliError(f"{public_path}: {len(public)} public inputs, the verification key {vk_path} "
                       f"expects {vk.n_public}")
    proof = read_proof(proof_path, check=check_proof)
    if groth16_verify(vk, public, proof):
        click.echo("OK: proof is valid")
        return
    click.echo("INVALID: proof does not verify", err=True)
    sys.exit(1)


@groth16.command("export-vk")
@click.argument("key_path", metavar="PK|ZKEY", type=click.Path(dir_okay=False))
@click.argument("vk_path", type=click.Path(dir_okay=False))
@cli_errors
def export_vk(key_path: str, vk_path: str) -> None:
    """Write the verification key (snarkjs JSON) of our proving key or a .zkey."""
    pk = keyfiles.load_any_proving_key(key_path)
    write_vk(vk_path, keyfiles.vk_from_pk(pk))
    click.echo(f"verification key written to {vk_path}")


from .cli_export import export_verifier  # noqa: E402  (zkrollup groth16 export-verifier)

groth16.add_command(export_verifier)
