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

from circuits.spec.scenarios import STANDARD_SCENARIOS
from circuits.spec.widths import MAX_SCENARIOS

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


def _missing_key(keys, shape, dir_: str, keys_dir, batch_file: str) -> CliError:
    """The one wording of "no key for this batch" (`prove` and `verify`): a key is found
    through --dir or --keys-dir; a new one is the last resort (it cannot check proofs made
    with another key)."""
    where = f"--keys-dir {keys_dir}" if keys_dir else f"--dir {dir_}"
    return CliError(f"{batch_file}: no proving key for this batch's shape in {keys.dir}: pass the --dir (or --keys-dir) "
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
    "scenarios": (("--scenarios",), STANDARD_SCENARIOS, 1, MAX_SCENARIOS,
                  f"Margin scenarios S (the standard grid and the demo's: {STANDARD_SCENARIOS})"),
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
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="Write the run's report (per batch: operations, trades, constraints, times, gas; the L1) "
                   "as JSON.")
@rollup_errors
def demo(dir_, keys_dir, fresh, batch_size, acc_depth, ord_depth, provers, scheduler, quiet, report_path) -> None:
    """Run the options and futures market end to end: deposits, quotes, trades, a hedge, a price
    move, a liquidation, withdrawals paid at once, expiry and settlement; every batch proved,
    then verified and paid by the rollup's contracts on the embedded EVM (DIR/l1.sqlite).
    The demo's state in DIR is replaced on every run; cached keys are kept (--fresh remakes
    them), so `zkrollup setup` with the same sizes and DIR makes the demo's key beforehand."""
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
    if report_path:
        import json
        try:
            Path(report_path).write_text(json.dumps(summary, indent=1, default=str) + "\n")
        except OSError as e:
            raise CliError(f"cannot write the report {report_path}: {e.strerror}") from None
        click.echo(f"report written to {report_path}")
    if not summary["ok"]:
        raise CliError("the demo finished but a check failed (see above)")


@click.command()
@click.argument("batch_file", type=click.Path())
@dir_option
@keys_option
@click.option("--proof", "proof_path", default=None, type=click.Path(),
              help="Where to write the proof (default BATCH.proof.json).")
@click.option("--public", "public_path", default=None, type=click.Path(),
              help="Where to write the public input (default BATCH.public.json).")
@rollup_errors
def prove(batch_file, dir_, keys_dir, proof_path, public_path) -> None:
    """Prove a batch file (msgpack, written by the operator) with the cached key of its shape."""
    from prover.groth16 import prove as groth16_prove
    from verifier.snarkjs_json import write_proof_and_public
    from .batchfile import BatchFile
    from .keyfiles import proof_for_verifier, self_check

    bf = BatchFile.read(batch_file)
    keys = _keys(dir_, keys_dir)
    pk = keys.get(bf.shape)
    if pk is None:
        raise _missing_key(keys, bf.shape, dir_, keys_dir, batch_file)
    t0 = time.perf_counter()
    wit, problem = _solve_file(bf)
    if problem:
        raise CliError(f"{batch_file}: {problem}")
    solve_s = time.perf_counter() - t0
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
    write_proof_and_public(proof_path, proof_for_verifier(proof), public_path, proof.public)
    click.echo(f"batch {bf.batch_number}: {pk.n_constraints:,} constraints, witness {solve_s:.2f} s, "
               f"proof {prove_s:.2f} s -> {proof_path}, {public_path}")


def _solve_file(bf):
    """(witness, None) when the file's circuit input satisfies the circuit and proves exactly
    the file's records, new root and priority chain; (None, what is wrong) otherwise."""
    from circuits.batch.circuit import solve_batch
    from circuits.cs import UnsatisfiedConstraint
    try:
        wit, out = solve_batch(bf.shape, bf.circuit_input)
    except UnsatisfiedConstraint as e:
        return None, f"the batch's circuit input does not satisfy the circuit ({e})"
    except ValueError as e:             # an input the circuit cannot even read
        return None, f"the batch's circuit input does not fit the circuit ({e})"
    if (list(out.records) != list(bf.calldata.records) or out.new_root != bf.calldata.new_root
            or out.prio_new != bf.prio_new or out.public_input != bf.public_input()):
        return None, "the batch's circuit input proves other records, roots or chain values than the file states"
    return wit, None


_PROOF_FILE_BYTES = 1 << 20


def _read_proof_files(proof_path: str, public_path: str):
    """(proof, public inputs) of snarkjs JSON files, each at most 1 MiB."""
    from verifier.snarkjs_json import proof_from_json, public_from_json
    from .files import read_limited

    def text(path: str, what: str) -> str:
        try:
            return read_limited(path, _PROOF_FILE_BYTES, what).decode("utf-8")
        except UnicodeDecodeError:
            raise CliError(f"{path}: the {what} is not UTF-8 text") from None

    return (proof_from_json(text(proof_path, "proof"), what=proof_path),
            public_from_json(text(public_path, "public input"), what=public_path))


def _check_against_l1(dir_: str, bf, want: int):
    """What the deployment's L1 contract in DIR (if any) says about the batch number, which
    the proof does not bind (L1 takes a batch only at its own root): None when consistent,
    the contradiction otherwise, False when DIR holds no L1 to ask."""
    c = _open_l1(dir_, must_exist=False)
    if c is None:
        return False
    try:
        n = bf.batch_number
        if c.batch_number >= n:
            rec = c.accepted_batches()[n - 1]
            if rec["public_input"] != want or rec["calldata"] != bf.calldata:
                return f"L1 accepted another batch {n}"
        elif c.batch_number == n - 1:
            if c.state_root != bf.header()["old_root"]:
                return f"batch {n} does not start from L1's current root"
        else:
            return f"batch {n} cannot follow L1's batch {c.batch_number}"
    finally:
        c.close()
    return None


@click.command()
@click.argument("batch_file", required=False, type=click.Path())
@dir_option
@keys_option
@click.option("--proof", "proof_path", default=None, type=click.Path(),
              help="The proof (default BATCH.proof.json).")
@click.option("--public", "public_path", default=None, type=click.Path(),
              help="The public input (default BATCH.public.json).")
@rollup_errors
def verify(batch_file, dir_, keys_dir, proof_path, public_path) -> None:
    """Check a batch proof as L1 does: recompute the public input (SHA-256 of the header and
    the records) from the batch file's contents, require the proof's public input to be
    it and the proof to verify under the key of the batch's shape; also that the file's
    circuit input proves exactly its records, and, when DIR holds the L1 contract, that
    the batch number fits L1. Without BATCH_FILE, re-verify every batch the L1 contract in
    DIR accepted (all together: verifier.fast_groth16.verify_batch). Proofs are checked
    through the EVM's pairing precompile (verifier.fast_groth16), not py_ecc. Exit 0 valid,
    1 invalid, 2 bad input."""
    from verifier.fast_groth16 import verify as groth16_verify

    if batch_file is None:
        _verify_accepted(dir_)
        return
    from .batchfile import BatchFile
    bf = BatchFile.read(batch_file)
    base = Path(batch_file)
    proof, public = _read_proof_files(proof_path or str(base.with_suffix(".proof.json")),
                                      public_path or str(base.with_suffix(".public.json")))
    keys = _keys(dir_, keys_dir)
    if keys.get(bf.shape) is None:
        raise _missing_key(keys, bf.shape, dir_, keys_dir, batch_file)
    vk = keys.verifying_key(bf.shape)
    try:
        want = bf.public_input()
    except ValueError as e:
        raise CliError(f"{batch_file}: {e}") from None
    problem, l1 = None, None
    if public != [want]:
        problem = "the proof's public input is not the one the batch file's header and records give"
    elif not groth16_verify(vk, public, proof):
        problem = "the proof does not verify"
    else:
        problem = _solve_file(bf)[1]
        l1 = None if problem else _check_against_l1(dir_, bf, want)
        problem = problem or l1
    if problem:
        click.echo(f"INVALID: {batch_file}: {problem}", err=True)
        sys.exit(1)
    note = "" if l1 is None else (f"; its batch number is not part of the proof and {dir_} holds no L1 contract "
                                  f"to check it against")
    click.echo(f"OK: batch {bf.batch_number} proof is valid (public input {hex(want)[:18]}...){note}")


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


def _open_l1(dir_: str, must_exist: bool = True):
    """The L1 client of the deployment in DIR (the chain file checked to be SQLite first)."""
    from .deployment import L1_CONFIG_FILE, L1_FILE, open_l1
    path = Path(dir_) / L1_FILE
    if not path.exists() or not (Path(dir_) / L1_CONFIG_FILE).exists():
        if not must_exist:
            return None
        raise CliError(f"{dir_} holds no L1 chain (run `zkrollup demo --dir {dir_}` first, or give a BATCH_FILE)")
    _existing_sqlite(path, "L1 chain")
    try:
        return open_l1(dir_)
    except (ValueError, OSError) as e:
        raise CliError(str(e)) from None


def _verify_accepted(dir_: str) -> None:
    """Re-verify every batch L1 accepted, from the chain alone: each public input rebuilt
    from its posted header fields and records, the proofs checked under the keys of the
    verifier contracts, together (fast_groth16.verify_batch: k + 3 pairings per key)."""
    from circuits.spec.public_input import batch_public_input
    from verifier.fast_groth16 import verify_batch
    from verifier.groth16 import Proof
    c = _open_l1(dir_)
    try:
        recs = c.accepted_batches()
        if not recs:
            raise CliError(f"the L1 contract in {dir_} has accepted no batch yet")
        t0 = time.perf_counter()
        items, rebuilt = {}, {}
        for rec in recs:
            cd = rec["calldata"]
            p = rec["proof"]
            proof = Proof(a=tuple(p["a"]), b=tuple(tuple(x) for x in p["b"]), c=tuple(p["c"]))
            pub = batch_public_input(cd.records, cd.fund_deficit, cd.open_interest, old_root=rec["old_root"], new_root=rec["new_root"],
                                     oracle_hash=rec["oracle_hash"], prio_old=rec["prio_old"],
                                     prio_new=rec["prio_new"])
            rebuilt[cd.batch_number] = pub == rec["public_input"]
            items.setdefault(cd.batch_size, []).append((cd.batch_number, pub, proof))
        verdict = {}
        for n, group in items.items():
            vk = c.verifying_key(n)
            oks = verify_batch(vk, [([pub], proof) for _, pub, proof in group])
            verdict.update({b: ok for (b, _, _), ok in zip(group, oks)})
        elapsed = time.perf_counter() - t0
    finally:
        c.close()
    bad = 0
    for rec in recs:
        b = rec["calldata"].batch_number
        ok = rebuilt[b] and verdict[b]
        bad += not ok
        click.echo(f"batch {b}: {'valid' if ok else 'INVALID'} (old root {hex(rec['old_root'])[:12]}..., "
                   f"new root {hex(rec['new_root'])[:12]}...)")
    click.echo(f"{len(recs)} batches checked in {elapsed:.2f} s ({1000 * elapsed / len(recs):.1f} ms a batch, "
               f"verified together through the EVM precompiles)")
    if bad:
        click.echo(f"INVALID: {bad} batch proof(s) do not verify", err=True)
        sys.exit(1)


def _margin_status(oracle, acc) -> str:
    """"ok" (passes initial margin), "below initial" or "liquidatable" (fails maintenance)."""
    from .risk import margin_use
    u = margin_use(acc.cash, acc.sizes, oracle)
    return "ok" if u.passes_im else ("below initial" if u.passes_mm else "liquidatable")


def _margin_lines(oracle, acc, names, usd, market=None) -> list[str]:
    """An account's margin at the table (circuits.spec.margin.MarginUse): E_0, the binding
    scenario with its spot and vol moves, IM and MM as requirement and use; for an account
    failing maintenance, what a liquidation would take now (`circuits.spec.liquidation`)."""
    from .risk import describe_scenario, margin_use
    u = margin_use(acc.cash, acc.sizes, oracle)

    def pct(x):
        return "-" if x is None else f"{x:.1%}"
    out = [f"  equity at mark     {usd(u.equity)} USD (cash + positions at mark - 1 unit per contract)",
           f"  binding scenario   {u.binding} of {oracle.S}: {describe_scenario(oracle, u.binding)}; "
           f"equity there {usd(u.worst)} USD"]
    held = [k for k, q in enumerate(acc.sizes) if q and oracle.vol_bps[k]]
    if held and "vol" in describe_scenario(oracle, u.binding):
        out.append("                     vols: " + ", ".join(
            f"{names[k]} {describe_scenario(oracle, u.binding, k).split('(')[-1].rstrip(')')}" for k in held))
    for what, req, ok, fail in (("initial", u.im_requirement, u.passes_im, "FAILS"),
                                ("maintenance", u.mm_requirement, u.passes_mm, "FAILS (liquidatable)")):
        need = -(-req.numerator // req.denominator)          # rounded up to the cash unit
        out.append(f"  {what + ' margin':<18} {usd(need)} USD, use {pct(u.use(req))}: {'passes' if ok else fail}")
    if market is not None and not u.passes_mm:
        from circuits.spec import liquidation as rule
        q = rule.steps_needed(acc.cash, acc.sizes, oracle.scen, market.liq_bonus_bps, market.liq_penalty_bps)
        t = rule.terms(acc.cash, acc.sizes, oracle.mark, market.liq_bonus_bps, market.liq_penalty_bps, q)
        taken = ", ".join(f"{names[k]} {x:+d}" for k, x in enumerate(t.taken) if x) or "nothing"
        out.append(f"  liquidation now    {q}/{rule.LIQ_STEPS} of every position ({taken}), penalty "
                   f"{usd(t.penalty)} USD" + (f", shortfall {usd(t.shortfall)} USD" if t.shortfall else ""))
    return out


@click.command()
@dir_option
@click.option("--account", "-a", type=int, default=None,
              help="Show one account in detail: its binding scenario, equity at mark, initial and maintenance "
                   "margin use.")
@rollup_errors
def state(dir_, account) -> None:
    """Show the accepted state: accounts (cash, positions, margin status) and L1 balances."""
    from .deployment import OPERATOR_FILE
    from .demo import DEMO_MARKER, L1_ADDRESS, NAMES, SLOT_NAMES, usd
    from .store import StateStore

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
    contract = _open_l1(dir_, must_exist=False)
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
                for line in _margin_lines(st.oracle, acc, names, usd, st.market):
                    click.echo(line)
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
                status = _margin_status(st.oracle, acc)
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
