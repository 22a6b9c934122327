"""`zkrollup setup | demo | prove | verify | state`: the rollup's commands.

    zkrollup setup --batch-size N --acc-depth D --ord-depth O [--dir DIR]   proving key (cached)
    zkrollup demo [--dir DIR] [--fresh] [--batch-size N] [--provers P | --scheduler A] ...
                                                                            the market end to end
    zkrollup prove BATCH_FILE [--dir DIR]                                   Groth16 proof of a batch file
    zkrollup verify [BATCH_FILE] [--dir DIR]                                check a batch proof / L1's batches
    zkrollup state [--dir DIR] [--account I]                                accounts, margin, L1 balances

DIR (default ./zkrollup-demo) holds the deployment made by the demo (contract, operator,
batch files) and the proving keys (DIR/keys, or --keys-dir). Bad input of any kind ends in
one line starting with "error:" and exit status 2, with nothing written.
"""
from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from .cli import CliError, cli_errors
from .cli_progress import progress_for_output

DEFAULT_DIR = "zkrollup-demo"


def rollup_errors(fn):
    """`cli_errors`, plus the rollup's own refusals (RollupError, OperatorError) as bad input."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .errors import RollupError
        from .operator import OperatorError
        try:
            return fn(*args, **kwargs)
        except (RollupError, OperatorError) as e:
            raise CliError(f"{type(e).__name__}: {e}") from None
    return cli_errors(wrapper)


def _keys(dir_: str, keys_dir):
    from .keycache import KeyCache
    return KeyCache(Path(keys_dir) if keys_dir else Path(dir_) / "keys")


def _missing_key(keys, shape, dir_: str, keys_dir) -> CliError:
    """The one wording of "no key for this batch" (`prove` and `verify`): a key is found
    through --dir or --keys-dir; a new one is the last resort (it cannot check proofs made
    with another key)."""
    where = f"--keys-dir {keys_dir}" if keys_dir else f"--dir {dir_}"
    return CliError(f"no proving key for this batch's shape in {keys.dir}: pass the --dir (or --keys-dir) "
                    f"that made the batch's key; only to make a new key, which cannot check proofs made "
                    f"with another: `zkrollup setup --batch-size {shape.n_slots} --acc-depth {shape.acc_depth} "
                    f"--ord-depth {shape.ord_depth} --instruments {shape.n_instruments} "
                    f"--scenarios {shape.S} {where}`")


# One allowed range and one default per size option, shared by every command that takes it
# (`setup` and `demo` make and use the same key with their defaults).
SIZES = {  # name: (flags, default, lo, hi, what)
    "batch_size": (("--batch-size", "-n"), 4, 1, 64, "Operation slots per batch N"),
    "acc_depth": (("--acc-depth",), 16, 3, 32, "Account tree depth D (2^D accounts)"),
    "ord_depth": (("--ord-depth",), 4, 2, 32, "Order-fill subtree depth O (2^O order slots per account)"),
    "instruments": (("--instruments", "-k"), 4, 1, 16, "Instrument slots K (the demo's market: 4)"),
    "scenarios": (("--scenarios",), 16, 1, 64, "Margin scenarios S (the demo's: 16)"),
}


def size_option(name: str):
    flags, default, lo, hi, what = SIZES[name]
    return click.option(*flags, name, type=int, default=default, show_default=True, help=f"{what}, {lo}..{hi}.")


def check_sizes(**values: int) -> None:
    """CliError (one line, exit 2) for a size outside its range."""
    for name, v in values.items():
        flags, _, lo, hi, _ = SIZES[name]
        if not lo <= v <= hi:
            raise CliError(f"{flags[0]} must be in {lo}..{hi}, got {v}")


dir_option = click.option("--dir", "dir_", default=DEFAULT_DIR, show_default=True,
                          type=click.Path(file_okay=False), help="Deployment directory.")
keys_option = click.option("--keys-dir", default=None, type=click.Path(file_okay=False),
                           help="Proving-key cache (default DIR/keys).")


@click.command()
@size_option("batch_size")
@size_option("acc_depth")
@size_option("ord_depth")
@size_option("instruments")
@size_option("scenarios")
@dir_option
@keys_option
@click.option("--seed", default=None, help="INSECURE, for tests: derive the toxic waste from this string.")
@rollup_errors
def setup(batch_size, acc_depth, ord_depth, instruments, scenarios, dir_, keys_dir, seed) -> None:
    """Make (or find) the proving key of the batch circuit for N slots and these depths
    (in DIR/keys, where `zkrollup demo`, `prove` and `verify` with the same DIR find it)."""
    from .units import batch_shape
    check_sizes(batch_size=batch_size, acc_depth=acc_depth, ord_depth=ord_depth, instruments=instruments,
                scenarios=scenarios)
    shape = batch_shape(batch_size, acc_depth, ord_depth, instruments, scenarios)
    keys = _keys(dir_, keys_dir)
    if keys.has(shape):
        pk = keys.get(shape)
        click.echo(f"proving key already cached: {keys.path(shape)} ({pk.n_constraints:,} constraints)")
        return
    t0 = time.perf_counter()
    progress = progress_for_output()
    click.echo(f"compiling the batch circuit (N = {batch_size}, depth {acc_depth}, order depth {ord_depth}, "
               f"K = {instruments}, S = {scenarios})")
    try:
        keys.ensure(shape, progress=progress, seed=seed.encode() if seed else None,
                    on_compiled=lambda n: click.echo(f"  {n:,} constraints; Groth16 setup"))
    finally:
        progress.close()
    click.echo(f"proving key written to {keys.path(shape)} in {time.perf_counter() - t0:.1f} s")


@click.command()
@dir_option
@keys_option
@click.option("--fresh", is_flag=True, help="Also remake the proving key (a cold start).")
@size_option("batch_size")
@size_option("acc_depth")
@size_option("ord_depth")
@click.option("--provers", type=int, default=None,
              help="Prover worker processes of an embedded Dask cluster (0: prove in this process) "
                   "[default: one per two cores, at least 1].")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Prove on an existing Dask cluster instead (`dask scheduler`; `dask worker ADDRESS "
                   "--nthreads 1` where zkrollup is installed).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or stage lines.")
@rollup_errors
def demo(dir_, keys_dir, fresh, batch_size, acc_depth, ord_depth, provers, scheduler, quiet) -> None:
    """Run the options and futures market end to end: deposits, quotes, trades, a hedge, a price
    move, a liquidation, withdrawals paid at once, expiry and settlement; every batch proved
    and verified by the L1 contract model. The demo's state in DIR is replaced on every run;
    cached keys are kept (--fresh remakes them), so `zkrollup setup` with the same sizes and
    DIR makes the demo's key beforehand."""
    from .demo import Demo, DemoConfig
    from .operator.pool import make_pool
    check_sizes(batch_size=batch_size, acc_depth=acc_depth, ord_depth=ord_depth)
    if provers is not None and scheduler is not None:
        raise CliError("give --provers (an embedded cluster) or --scheduler (an existing one), not both")
    if provers is not None and provers < 0:
        raise CliError(f"--provers must be 0 (prove in this process) or more, got {provers}")
    progress = progress_for_output(enabled=not quiet)
    d = Demo(dir_, DemoConfig(batch_size, acc_depth, ord_depth), echo=click.echo, progress=progress,
             fresh_keys=fresh, keys_dir=keys_dir,
             make_pool=lambda: make_pool(provers, scheduler, echo=click.echo, connect_timeout_s=10))
    try:
        summary = d.run()
    finally:
        progress.close()
        d.close()
    if not summary["ok"]:
        raise CliError("the demo finished but a check failed (see above)")


@click.command()
@click.argument("batch_file", type=click.Path(dir_okay=False))
@dir_option
@keys_option
@click.option("--proof", "proof_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the proof (default BATCH.proof.json).")
@click.option("--public", "public_path", default=None, type=click.Path(dir_okay=False),
              help="Where to write the public input (default BATCH.public.json).")
@rollup_errors
def prove(batch_file, dir_, keys_dir, proof_path, public_path) -> None:
    """Prove a batch file (msgpack, written by the operator) with the cached key of its shape."""
    from circuits.batch.circuit import solve_batch
    from circuits.cs import UnsatisfiedConstraint
    from prover.groth16 import prove as groth16_prove
    from verifier.snarkjs_json import write_proof, write_public
    from .batchfile import BatchFile
    from .keyfiles import proof_for_verifier, self_check

    bf = BatchFile.read(batch_file)
    keys = _keys(dir_, keys_dir)
    pk = keys.get(bf.shape)
    if pk is None:
        raise _missing_key(keys, bf.shape, dir_, keys_dir)
    t0 = time.perf_counter()
    try:
        wit, out = solve_batch(bf.shape, bf.circuit_input)
    except UnsatisfiedConstraint as e:
        raise CliError(f"the batch does not satisfy the circuit: {e}") from None
    solve_s = time.perf_counter() - t0
    if out.commitment != bf.fields.commitment():
        raise CliError("the batch's commitment fields differ from what the circuit computes")
    progress = progress_for_output()
    t0 = time.perf_counter()
    try:
        proof = groth16_prove(pk, wit, progress=progress)
    finally:
        progress.close()
    prove_s = time.perf_counter() - t0
    self_check(pk, proof)
    base = Path(batch_file)
    proof_path = proof_path or str(base.with_suffix(".proof.json"))
    public_path = public_path or str(base.with_suffix(".public.json"))
    write_proof(proof_path, proof_for_verifier(proof))
    write_public(public_path, proof.public)
    click.echo(f"batch {bf.circuit_input.batch_number}: {pk.n_constraints:,} constraints, witness {solve_s:.2f} s, "
               f"proof {prove_s:.2f} s -> {proof_path}, {public_path}")


@click.command()
@click.argument("batch_file", required=False, type=click.Path(dir_okay=False))
@dir_option
@keys_option
@click.option("--proof", "proof_path", default=None, type=click.Path(dir_okay=False),
              help="The proof (default BATCH.proof.json).")
@click.option("--public", "public_path", default=None, type=click.Path(dir_okay=False),
              help="The public input (default BATCH.public.json).")
@rollup_errors
def verify(batch_file, dir_, keys_dir, proof_path, public_path) -> None:
    """Check a batch proof: its public input must be the batch's commitment and the proof must
    verify under the key of the batch's shape. Without BATCH_FILE, re-verify every batch the
    L1 contract in DIR accepted. Exit 0 valid, 1 invalid, 2 bad input."""
    from verifier.groth16 import verify as groth16_verify
    from verifier.snarkjs_json import read_proof, read_public

    if batch_file is None:
        _verify_accepted(dir_)
        return
    from .batchfile import BatchFile
    bf = BatchFile.read(batch_file)
    base = Path(batch_file)
    proof = read_proof(proof_path or str(base.with_suffix(".proof.json")))
    public = read_public(public_path or str(base.with_suffix(".public.json")))
    keys = _keys(dir_, keys_dir)
    if keys.get(bf.shape) is None:
        raise _missing_key(keys, bf.shape, dir_, keys_dir)
    vk = keys.verifying_key(bf.shape)
    want = bf.fields.commitment()
    if public != [want]:
        click.echo("INVALID: the public input is not the batch's commitment", err=True)
        sys.exit(1)
    if not groth16_verify(vk, public, proof):
        click.echo("INVALID: proof does not verify", err=True)
        sys.exit(1)
    click.echo(f"OK: batch {bf.circuit_input.batch_number} proof is valid (commitment {hex(want)[:18]}...)")


def _existing_sqlite(path: Path, what: str) -> None:
    """Refuse, without touching it, a path that is not an SQLite database file: these views
    must never create or change a store."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except IsADirectoryError:
        raise CliError(f"{path} is a directory, not the {what}") from None
    except OSError as e:
        raise CliError(f"cannot read the {what} {path}: {e.strerror}") from None
    if head != b"SQLite format 3\x00":
        raise CliError(f"{path} is not an SQLite database (the {what} is missing or damaged)")


def _verify_accepted(dir_: str) -> None:
    from verifier.contract import RollupContract
    from verifier.groth16 import Proof, verify as groth16_verify
    from .deployment import CONTRACT_FILE
    path = Path(dir_) / CONTRACT_FILE
    if not path.exists():
        raise CliError(f"{dir_} holds no L1 contract (run `zkrollup demo --dir {dir_}` first, or give a BATCH_FILE)")
    _existing_sqlite(path, "L1 contract state")
    c = RollupContract(str(path))
    bad = 0
    try:
        recs = c.accepted_batches()
        if not recs:
            raise CliError(f"the contract in {dir_} has accepted no batch yet")
        for rec in recs:
            cd = rec["calldata"]
            vk = c.verifying_key(cd.batch_size)
            p = rec["proof"]
            proof = Proof(a=tuple(p["a"]), b=tuple(tuple(x) for x in p["b"]), c=tuple(p["c"]))
            t0 = time.perf_counter()
            ok = groth16_verify(vk, [rec["commitment"]], proof)
            click.echo(f"batch {cd.batch_number}: {'valid' if ok else 'INVALID'} "
                       f"({time.perf_counter() - t0:.2f} s, old root {hex(rec['old_root'])[:12]}..., "
                       f"new root {hex(rec['new_root'])[:12]}...)")
            bad += not ok
    finally:
        c.close()
    if bad:
        click.echo(f"INVALID: {bad} batch proof(s) do not verify", err=True)
        sys.exit(1)


@click.command()
@dir_option
@click.option("--account", "-a", type=int, default=None, help="Show one account in detail.")
@rollup_errors
def state(dir_, account) -> None:
    """Show the accepted state: accounts (cash, positions, margin status) and L1 balances."""
    from .deployment import CONTRACT_FILE, OPERATOR_FILE
    from .demo import DEMO_MARKER, L1_ADDRESS, NAMES, SLOT_NAMES, usd
    from .risk import min_equity
    from .store import StateStore
    from verifier.contract import RollupContract

    opath = Path(dir_) / OPERATOR_FILE
    if not opath.exists():
        raise CliError(f"{dir_} holds no rollup state (run `zkrollup demo --dir {dir_}` first)")
    _existing_sqlite(opath, "operator state")
    store = StateStore(opath)
    try:
        if not store.exists():
            raise CliError(f"{opath} holds no committed state")
        st = store.load()
    finally:
        store.close()
    cpath = Path(dir_) / CONTRACT_FILE
    if cpath.exists():
        _existing_sqlite(cpath, "L1 contract state")
    contract = RollupContract(str(cpath)) if cpath.exists() else None
    demo = (Path(dir_) / DEMO_MARKER).exists()            # names and addresses of the demo's users
    acct_names = NAMES if demo else {0: "fees", 1: "insurance", 2: "clearing"}
    addresses = L1_ADDRESS if demo else {}
    try:
        names = [(SLOT_NAMES[k] if demo and st.K == len(SLOT_NAMES) else st.market[k].describe())
                 for k in range(st.K)]
        if account is not None:
            acc = st.get_account(account)
            if acc is None:
                raise CliError(f"account {account} does not exist (accounts: {sorted(st.accounts)})")
            click.echo(f"account {account} ({acct_names.get(account, 'user')}) at batch {st.batch_number}")
            click.echo(f"  key      ({hex(acc.pk[0])[:14]}..., {hex(acc.pk[1])[:14]}...)")
            click.echo(f"  nonce    {acc.nonce}")
            click.echo(f"  cash     {usd(acc.cash)} USD")
            for k, q in enumerate(acc.sizes):
                if q:
                    click.echo(f"  {names[k]:<12} {q:+d}")
            if st.oracle is not None:
                init = min_equity(acc.cash, acc.sizes, st.oracle.scen_init)
                maint = min_equity(acc.cash, acc.sizes, st.oracle.scen_maint)
                click.echo(f"  initial margin      min equity {usd(init[0])} USD (scenario {init[1]}): "
                           f"{'passes' if init[0] >= 0 else 'FAILS'}")
                click.echo(f"  maintenance margin  min equity {usd(maint[0])} USD (scenario {maint[1]}): "
                           f"{'passes' if maint[0] >= 0 else 'FAILS (liquidatable)'}")
            click.echo(f"  orders   {len(acc.orders)} order-fill slots used")
            return
        click.echo(f"state after batch {st.batch_number}: root {hex(st.root)[:18]}..., "
                   f"{len(st.accounts)} accounts, collateral {usd(st.collateral)} USD")
        if st.oracle is not None:
            spot = f"{usd(st.oracle.spot * 100)} USD/BTC" if demo else f"{st.oracle.spot:,} per lot"
            click.echo(f"oracle: spot {spot} at t={st.oracle.timestamp}")
        click.echo(f"{'acct':>4}  {'name':<9} {'nonce':>5} {'cash USD':>15}  {'positions':<30} {'margin':<12}")
        for idx, acc in st.accounts_items():
            pos = ", ".join(f"{names[k]} {q:+d}" for k, q in enumerate(acc.sizes) if q) or "-"
            status = "-"
            if st.oracle is not None:
                init = min_equity(acc.cash, acc.sizes, st.oracle.scen_init)[0]
                maint = min_equity(acc.cash, acc.sizes, st.oracle.scen_maint)[0]
                status = "ok" if init >= 0 else ("below initial" if maint >= 0 else "liquidatable")
            click.echo(f"{idx:>4}  {acct_names.get(idx, 'user'):<9} {acc.nonce:>5} {usd(acc.cash):>15}  {pos:<30} {status:<12}")
        if contract is not None:
            match = "matches" if contract.state_root == st.root else "DIFFERS from"
            click.echo(f"L1: batch {contract.batch_number}, root {match} the operator's; contract holds "
                       f"{usd(contract.collateral)} USD" + (" (EXODUS MODE)" if contract.exodus else ""))
            bal = {a: contract.l1_balance(a) for a in addresses.values()}
            if any(bal.values()):
                click.echo("L1 balances: " + ", ".join(f"{NAMES[i]} {usd(bal[a])}" for i, a in addresses.items()))
    finally:
        if contract is not None:
            contract.close()


def register(main: click.Group) -> None:
    for cmd in (setup, demo, prove, verify, state):
        main.add_command(cmd)
