"""Fuzz the command line and the file readers with malformed, truncated, bit-flipped,
oversized and edited inputs; print the counts as JSON.

What must hold for every case:
- no traceback (an exception escaping the command) and never exit status 3 (an internal
  error);
- bad input is one line starting with `error:` that names the file, exit status 2; an
  invalid batch or proof is `INVALID`, exit 1;
- no edited batch file is accepted: `verify` may say OK (exit 0) only for a file whose
  decoded content (shape, circuit input, calldata with the records, chain value) equals
  the original's (e.g. the same integer written in another msgpack width);
- the readers used without the CLI (`BatchFile.from_bytes`, `BatchCalldata.from_bytes`,
  `decode_record`, the snarkjs JSON readers, `read_request_file`) raise ValueError and
  nothing else.

Targets: `zkrollup verify BATCH_FILE` (mutated batch file, proof or public input; edited
records, roots, chain value, batch number, circuit input), `zkrollup prove`, `zkrollup
groth16 verify` (mutated snarkjs files), paths that are directories, devices, missing
or larger than the readers' limits, and the readers directly.

Usage: python benchmarks/fuzz_cli.py [--cases 1200] [--seed 1] [--workdir DIR]
Without a prepared DIR it builds a small deployment there (N = 2, account depth 4,
K = 3, S = 3, an INSECURE seeded key; a few minutes), whose accepted batches it fuzzes.
"""
from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

N, ACC_DEPTH, ORD_DEPTH, K, S = 2, 4, 2, 3, 3
SEED = b"zkrollup fuzz (INSECURE)"


# --- the deployment under test -----------------------------------------------------------------

def build_deployment(workdir: Path, keys=None) -> Path:
    """A deployment whose two accepted batches (a trade and a withdrawal; a cancel and a
    deposit refund) are exported as batch files with proofs; returns the batch directory."""
    from zkrollup.deployment import Deployment, planned_deployment_id
    from zkrollup.keycache import KeyCache
    from zkrollup.market import Instrument, market_of
    from zkrollup.operator import Genesis
    from zkrollup.ops import BUY, SELL, Cancel, Order, Withdraw
    from zkrollup.risk import build_oracle_table
    from circuits import eddsa

    t0, spot, did = 1_700_000_000, 60_000_000, planned_deployment_id()
    expiry = t0 + 30 * 86_400
    keys_ = [bytes([i + 1]) * 32 for i in range(8)]
    pub = [eddsa.public_key(k) for k in keys_]
    market = market_of([Instrument.call(spot, expiry), Instrument.put(spot, expiry), Instrument.future(expiry)], K,
                       deployment_id=did)
    genesis = Genesis(market, ACC_DEPTH, ORD_DEPTH, S, pub[0], pub[1], pub[2])
    clock = lambda: t0                                                          # noqa: E731
    dep = Deployment.create(workdir, genesis, N, keys=keys or KeyCache(workdir / "keys"), clock=clock,
                            setup_seed=SEED, export_dir=workdir / "batches")
    dep.oracle.publish(build_oracle_table(market, t0, spot, 0.6, n_scenarios=S), now=t0)
    c, op = dep.contract, dep.operator
    for a in (3, 4):
        c.mint(0xA000 + a, 10 ** 12)
        c.deposit(0xA000 + a, a, *pub[a], 10 ** 11, now=t0)
    op.flush()
    mark = op.state.oracle.mark[0]
    op.submit(Order(3, 0, SELL, 5, mark, 10, 1, t0 + 86_400, market[0].id, did).sign(keys_[3]))
    op.submit(Order(4, 0, BUY, 2, mark, 10, 1, t0 + 86_400, market[0].id, did).sign(keys_[4]))
    op.submit(Withdraw.create(keys_[4], 4, 3_000_000, 0, 0xA004, did))
    op.submit(Cancel.create(keys_[3], 3, 1, did))
    c.mint(0xA005, 10 ** 9)
    c.deposit(0xA005, 3, *pub[5], 10 ** 6, now=t0)            # another key: refunded
    op.flush()
    dep.close()
    return workdir / "batches"


# --- mutations ---------------------------------------------------------------------------------

ODD = [None, True, -1, 0, 1, 2 ** 64, 2 ** 255, -(2 ** 255), 1.5, "x", b"\x01" * 40, [], [0], {}, {"k": 1}]


def byte_mutants(data: bytes, rng: random.Random) -> bytes:
    how = rng.randrange(8)
    n = len(data)
    if how == 0:
        return data[:rng.randrange(n)]                                  # truncated
    if how == 1:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(n)
            b[i] ^= 1 << rng.randrange(8)                               # bit flips
        return bytes(b)
    if how == 2:
        i = rng.randrange(n)
        return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]      # inserted bytes
    if how == 3:
        i = rng.randrange(n)
        return data[:i] + data[i + rng.randint(1, 64):]                  # deleted bytes
    if how == 4:
        return data + rng.randbytes(rng.randint(1, 100))                    # trailing garbage
    if how == 5:
        return rng.randbytes(rng.randint(0, 2 * n))                        # noise
    if how == 6:
        b = bytearray(data)
        i = rng.randrange(n)
        b[i:i + 32] = bytes(min(32, n - i))                             # zeroed range
        return bytes(b)
    return b""


def _nodes(obj, path=()):
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _nodes(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _nodes(v, path + (i,))


def _set(obj, path, value):
    if not path:
        return value
    parent = obj
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return obj


def tree_mutant(obj, rng: random.Random):
    """One random edit of a decoded msgpack/JSON tree (a deep copy)."""
    obj = copy.deepcopy(obj)
    path, node = rng.choice(list(_nodes(obj)))
    how = rng.randrange(5)
    if how == 0 and isinstance(node, int) and not isinstance(node, bool):
        return _set(obj, path, node + rng.choice([1, -1, 2 ** 64, -(2 ** 70), 2 ** 253]))
    if how == 1 and path:
        parent = obj
        for p in path[:-1]:
            parent = parent[p]
        del parent[path[-1]]
        return obj
    if how == 2 and isinstance(node, list):
        return _set(obj, path, node[:-1] if node and rng.random() < 0.5 else node + [rng.choice(ODD)])
    if how == 3 and isinstance(node, dict):
        node[rng.choice(["extra", "format", 0])] = rng.choice(ODD)
        return obj
    return _set(obj, path, rng.choice(ODD))


def edited_batch(bf, rng: random.Random):
    """A semantic edit of a decoded batch file that still decodes: a record field within its
    width, the batch number, the new root, the chain value, or a circuit-input integer."""
    import dataclasses
    from circuits.spec.records import LAYOUT, decode_record, encode_record
    bf = copy.deepcopy(bf)
    how = rng.randrange(6)
    cd = bf.calldata
    if how == 0:
        i = rng.randrange(cd.batch_size)
        r = decode_record(cd.records[i])
        fields = LAYOUT[r.op]
        if not fields:
            how = 1
        else:
            f = rng.choice(fields)
            v = r.fields[f.name] ^ (1 << rng.randrange(f.bits))
            try:
                rec = encode_record(r.op, **{**r.fields, f.name: v})
            except ValueError:
                return None
            recs = list(cd.records)
            recs[i] = rec
            bf.calldata = dataclasses.replace(cd, records=tuple(recs))
            return bf
    if how == 1:
        bf.calldata = dataclasses.replace(cd, batch_number=max(0, cd.batch_number + rng.choice([-1, 1, 5])))
    elif how == 2:
        bf.calldata = dataclasses.replace(cd, new_root=cd.new_root ^ (1 << rng.randrange(200)))
    elif how == 3:
        bf.prio_new ^= 1 << rng.randrange(200)
    elif how == 4:
        return _edit_input_leaf(bf, rng)
    else:
        slot = rng.choice(bf.circuit_input.slots)
        name = rng.choice(["amount", "l1_address", "fill", "price", "order_id", "valid_until", "instrument"])
        setattr(slot, name, getattr(slot, name) + 1)
    return bf


def _edit_input_leaf(bf, rng: random.Random):
    """Add 1 to one integer anywhere in the circuit input (a port's fields, a path, an
    order's fields, the tables, the flushes), keeping the file well-formed (None if the
    edit does not decode)."""
    from zkrollup.batchfile import _plain, decode_input
    tree = _plain(bf.circuit_input)
    paths = [p for p, v in _nodes(tree) if isinstance(v, int) and not isinstance(v, bool)]
    path = rng.choice(paths)
    node = tree
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] += 1
    try:
        bf.circuit_input = decode_input(tree, bf.shape)
    except ValueError:
        return None
    return bf


# --- running cases -----------------------------------------------------------------------------

@dataclass
class Counts:
    cases: int = 0
    exit: dict = field(default_factory=dict)
    tracebacks: int = 0
    exit3: int = 0
    bad_error_line: int = 0
    edited_accepted: int = 0
    equivalent_accepted: int = 0
    reader_cases: int = 0
    reader_crashes: int = 0
    failures: list = field(default_factory=list)

    def note(self, what: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(what)


def run_cli(args) -> tuple[int, str, object]:
    from click.testing import CliRunner
    from zkrollup.cli import main
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res.exit_code, res.output, res.exception


def check_cli(counts: Counts, args, names: str, original=None, mutant_path=None) -> int:
    """Run one CLI case and classify it; `names`: the path the error line must name."""
    code, out, exc = run_cli(args)
    counts.cases += 1
    counts.exit[code] = counts.exit.get(code, 0) + 1
    if exc is not None and not isinstance(exc, SystemExit):
        counts.tracebacks += 1
        counts.note(f"traceback {type(exc).__name__}: {exc} for {args}")
    if code == 3:
        counts.exit3 += 1
        counts.note(f"exit 3: {out.strip()[:200]} for {args}")
    lines = [line for line in out.splitlines() if line.strip()]
    if code == 2 and not (len(lines) == 1 and lines[0].startswith("error:") and names in lines[0]):
        counts.bad_error_line += 1
        counts.note(f"exit 2 output {out.strip()[:200]!r} for {args}")
    if code == 0 and original is not None:
        from zkrollup.batchfile import BatchFile
        same = BatchFile.from_bytes(Path(mutant_path).read_bytes())
        if _content(same) == _content(original):
            counts.equivalent_accepted += 1
        else:
            counts.edited_accepted += 1
            counts.note(f"edited batch file accepted ({_diff(same, original)}): {args}")
    return code


def _content(bf):
    return (bf.shape, bf.circuit_input, bf.calldata, bf.prio_new)


def _diff(a, b) -> str:
    """Where two decoded batch files differ (the first differing leaf)."""
    from dataclasses import asdict
    ta = {"shape": asdict(a.shape), "input": asdict(a.circuit_input), "calldata": a.calldata.to_bytes().hex(),
          "prio_new": a.prio_new}
    tb = {"shape": asdict(b.shape), "input": asdict(b.circuit_input), "calldata": b.calldata.to_bytes().hex(),
          "prio_new": b.prio_new}
    na, nb = dict(_nodes(ta)), dict(_nodes(tb))
    for path in sorted(set(na) | set(nb), key=str):
        if not isinstance(na.get(path), (dict, list)) and na.get(path) != nb.get(path):
            return f"{'.'.join(map(str, path))}: {na.get(path)!r} vs {nb.get(path)!r}"
    return "?"


def _same_json(reader, original: bytes, data: bytes) -> bool:
    """Whether mutated snarkjs JSON reads as the same proof or public input."""
    try:
        return reader(data.decode("utf-8")) == reader(original.decode("utf-8"))
    except ValueError:
        return False


def check_reader(counts: Counts, fn, data) -> None:
    counts.reader_cases += 1
    try:
        fn(data)
    except ValueError:
        pass
    except Exception as e:                                  # noqa: BLE001 (what the fuzz looks for)
        counts.reader_crashes += 1
        counts.note(f"reader {fn.__qualname__} raised {type(e).__name__}: {e}")


# --- the campaign ------------------------------------------------------------------------------

def campaign(batch_dir: Path, keys_dir: Path, dep_dir: Path, n_cases: int, seed: int, scratch: Path) -> Counts:
    from circuits.spec.records import decode_record
    from verifier.calldata import BatchCalldata
    from verifier.snarkjs_json import proof_from_json, public_from_json, write_vk
    from zkrollup import batchfile
    from zkrollup.batchfile import BatchFile
    from zkrollup.keycache import KeyCache
    from zkrollup.operator.intake import read_request_file

    rng = random.Random(seed)
    counts = Counts()
    sources = sorted(batch_dir.glob("batch_*.msgpack"))
    originals = {p: BatchFile.read(p) for p in sources}
    kc = KeyCache(keys_dir)
    vk_path = scratch / "vk.json"
    write_vk(str(vk_path), kc.verifying_key(next(iter(originals.values())).shape))
    common = ["--dir", dep_dir, "--keys-dir", keys_dir]

    def copy_proof(src: Path, dst: Path) -> None:
        for suffix in (".proof.json", ".public.json"):
            shutil.copy(src.with_suffix(suffix), dst.with_suffix(suffix))

    i = 0
    while counts.cases + counts.reader_cases < n_cases:
        i += 1
        src = rng.choice(sources)
        raw = src.read_bytes()
        case = rng.randrange(10)
        dst = scratch / f"m{i}.msgpack"
        if case <= 2:                                          # bytes of the batch file
            data = byte_mutants(raw, rng)
            dst.write_bytes(data)
            copy_proof(src, dst)
            check_cli(counts, ["verify", dst, *common], str(dst), originals[src], dst)
            check_reader(counts, BatchFile.from_bytes, data)
        elif case <= 4:                                        # one node of the decoded tree
            tree = batchfile.unpack(raw)
            data = batchfile.pack(tree_mutant(tree, rng))
            dst.write_bytes(data)
            copy_proof(src, dst)
            check_cli(counts, ["verify", dst, *common], str(dst), originals[src], dst)
            check_reader(counts, BatchFile.from_bytes, data)
        elif case <= 6:                                        # semantic edits that still decode
            bf = edited_batch(originals[src], rng)
            if bf is None:
                continue
            bf.write(dst)
            copy_proof(src, dst)
            check_cli(counts, ["verify", dst, *common], str(dst), originals[src], dst)
        elif case == 7:                                        # the proof or the public input
            which = rng.choice([".proof.json", ".public.json"])
            shutil.copy(src, dst)
            copy_proof(src, dst)
            text = src.with_suffix(which).read_bytes()
            if rng.random() < 0.5:
                data = byte_mutants(text, rng)
            else:
                data = json.dumps(tree_mutant(json.loads(text), rng), default=str).encode()
            dst.with_suffix(which).write_bytes(data)
            reader = proof_from_json if which == ".proof.json" else public_from_json
            same = _same_json(reader, text, data)
            for args in (["verify", dst, *common], ["groth16", "verify", vk_path, dst.with_suffix(".public.json"),
                                                     dst.with_suffix(".proof.json")]):
                if check_cli(counts, args, str(dst.with_suffix(which))) == 0:
                    if same:
                        counts.equivalent_accepted += 1
                    else:
                        counts.edited_accepted += 1
                        counts.note(f"edited {which} accepted: {args}")
            check_reader(counts, reader, data)
        elif case == 8:                                        # paths that are not batch files
            big = scratch / f"big{i}.msgpack"
            with open(big, "wb") as f:
                f.truncate(batchfile.MAX_FILE_BYTES + 1)
            weird = rng.choice([scratch, "/dev/zero", scratch / "missing.msgpack", big])
            check_cli(counts, [rng.choice(["verify", "prove"]), weird, *common], str(weird))
            big.unlink()
        else:                                                  # records, calldata, request files
            cd = originals[src].calldata.to_bytes()
            data = byte_mutants(cd, rng)
            check_reader(counts, BatchCalldata.from_bytes, data)
            check_reader(counts, decode_record, data[:42])
            req = scratch / f"r{i}{rng.choice(['.json', '.msgpack'])}"
            req.write_bytes(byte_mutants(json.dumps([{"type": "order", "order": [1] * 10,
                                                      "signature": [1, 2, 3]}]).encode(), rng))
            check_reader(counts, read_request_file, req)
        for p in scratch.glob(f"m{i}.*"):
            p.unlink()
    return counts


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default=None, help="a deployment made by this script (reused), default: a temp dir")
    a = ap.parse_args(argv)
    work = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="zkrollup-fuzz-"))
    t0 = time.perf_counter()
    if not (work / "batches").is_dir():
        build_deployment(work)
    build_s = time.perf_counter() - t0
    scratch = work / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    t0 = time.perf_counter()
    counts = campaign(work / "batches", work / "keys", work, a.cases, a.seed, scratch)
    out = {"cases": counts.cases + counts.reader_cases, "cli_cases": counts.cases, "reader_cases": counts.reader_cases,
           "exit_codes": {str(k): v for k, v in sorted(counts.exit.items())}, "tracebacks": counts.tracebacks,
           "exit_3": counts.exit3, "bad_error_lines": counts.bad_error_line,
           "edited_batch_files_accepted": counts.edited_accepted,
           "equivalent_encodings_accepted": counts.equivalent_accepted, "reader_crashes": counts.reader_crashes,
           "failures": counts.failures, "seed": a.seed, "build_s": round(build_s, 1),
           "fuzz_s": round(time.perf_counter() - t0, 1)}
    print(json.dumps(out, indent=2))
    if not a.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return out


if __name__ == "__main__":
    main()
