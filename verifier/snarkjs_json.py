"""snarkjs JSON files for Groth16 over BN254: verification_key.json, proof.json, public.json.

Layout (as snarkjs 0.7 writes it; every number a decimal string):
* a G1 point is projective [x, y, z]: z = "1" for an affine point, ["0", "1", "0"] for infinity;
* a G2 point is [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] with x = x.c0 + x.c1*u (u^2 = -1),
  the coefficient order of py_ecc's FQ2([c0, c1]) (snarkjs's Solidity calldata swaps them;
  the JSON does not); z = ["1", "0"], or [["0","0"], ["1","0"], ["0","0"]] for infinity;
* verification_key.json: protocol "groth16", curve "bn128", nPublic, vk_alpha_1 (G1),
  vk_beta_2, vk_gamma_2, vk_delta_2 (G2), vk_alphabeta_12 (e(alpha, beta) in Fq12, see
  below), IC (nPublic + 1 G1 points);
* proof.json: pi_a (G1), pi_b (G2), pi_c (G1), protocol, curve;
* public.json: a list of decimal strings, the public signals in wire order.

Reading enforces: valid JSON of that shape; every coordinate a decimal string (or JSON
integer) below q; z exactly 1, or the canonical infinity encoding where infinity is legal
(IC entries and proof points); points on their curves and G2 points in the subgroup (via
verifier.curve); protocol "groth16"; curve "bn128" (also "bn254"/"alt_bn128",
snarkjs's aliases); len(IC) = nPublic + 1; public inputs below r and, when the count is
known, exactly nPublic of them. proof.json's protocol and curve may be absent. Any problem
raises VerifierInputError with a one-line message naming the field (and the file, for the
read_* functions; `check`, default VerifyingKey.checked / Proof.checked with py_ecc, may
be verifier.fast_groth16.check_vk / check_proof, same checks through the EVM's
precompiles). vk_alphabeta_12 is checked for shape and range but never trusted: the
verifier computes e(alpha, beta) itself.

Fq12 in vk_alphabeta_12 is snarkjs's tower Fq2[v]/(v^3 - (9+u)) [w]/(w^2 - v), written
[[c00, c01, c02], [c10, c11, c12]] for sum c_ij v^j w^i with each c_ij an Fq2 pair. py_ecc's
flat Fq[w]/(w^12 - 18 w^6 + 82) maps to it through v = w^2, u = w^6 - 9. snarkjs's pairing
(ffjavascript's final exponentiation) is py_ecc's raised to the fixed power
m = 2x(6x^2 + 3x + 1), x the BN parameter; `vk_to_json` writes that value, so our
verification_key.json equals the one snarkjs exports for the same key (a test checks it).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from typing import Any, Optional, Sequence, Union

from py_ecc import optimized_bn128 as ob

from circuits.binfile import read_file
from circuits.field import R

from .curve import Q, G1Point, G2Point, check_public_inputs
from .errors import VerifierInputError
from .groth16 import Proof, VerifyingKey, verify

JsonInput = Union[str, bytes, dict, list]
CURVE_NAMES = ("BN128", "BN254", "ALTBN128")      # in `_curve_name` form
_DECIMAL = re.compile(r"[0-9]{1,90}")
_BN_X = 4965661367192848881
SNARKJS_GT_POWER = 2 * _BN_X * (6 * _BN_X * _BN_X + 3 * _BN_X + 1)
"""snarkjs's e(P, Q) = py_ecc's e(P, Q) ** SNARKJS_GT_POWER (both in the order-r group of Fq12)."""


# --- reading ------------------------------------------------------------------------------------

def _load(data: JsonInput) -> Any:
    if isinstance(data, (dict, list)):
        return data
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise VerifierInputError("not UTF-8 text") from None
    if not isinstance(data, str):
        raise VerifierInputError(f"expected JSON text or a parsed object, got {type(data).__name__}")
    check_json_nesting(data)
    try:
        return json.loads(data)
    except json.JSONDecodeError as e:
        raise VerifierInputError(f"invalid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except (ValueError, RecursionError) as e:
        raise VerifierInputError(f"invalid JSON ({type(e).__name__})") from None


_NESTING_TOKENS = re.compile(r'[\\"\[\]{}]')
MAX_NESTING = 16


def check_json_nesting(text: str) -> None:
    """Refuse deeply nested JSON before parsing it: py_ecc raises the recursion limit to
    100000 on import, so the json module would overflow the C stack and crash the process
    instead of raising RecursionError. snarkjs files nest at most 4 deep."""
    depth = 0
    in_string = False
    escaped_at = -1          # index of the character a backslash escapes
    for m in _NESTING_TOKENS.finditer(text):   # one linear pass (no backtracking)
        i = m.start()
        c = text[i]
        if in_string:
            if i == escaped_at:
                continue
            if c == "\\":
                escaped_at = i + 1
            elif c == '"':
                in_string = False
            continue
        if c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise VerifierInputError(f"invalid JSON (nested deeper than {MAX_NESTING})")
        elif c in "]}":
            depth -= 1


def _field(obj: dict, key: str) -> Any:
    if key not in obj:
        raise VerifierInputError(f"missing field {key!r}")
    return obj[key]


def _int(v, name: str, bound: int = Q, bound_name: str = "q") -> int:
    """A decimal string (snarkjs) or a JSON integer, in [0, bound)."""
    if isinstance(v, str) and _DECIMAL.fullmatch(v):
        n = int(v)
    elif isinstance(v, int) and not isinstance(v, bool):
        n = v
    else:
        raise VerifierInputError(f"{name}: not a decimal integer string: {_short(v)}")
    if not 0 <= n < bound:
        raise VerifierInputError(f"{name}: value is not below {bound_name}")
    return n


def _list(v, n: int, name: str) -> list:
    if not isinstance(v, list) or len(v) != n:
        raise VerifierInputError(f"{name}: expected a list of {n}, got {_short(v)}")
    return v


def _g1(v, name: str, allow_infinity: bool) -> G1Point:
    x, y, z = (_int(c, f"{name}[{i}]") for i, c in enumerate(_list(v, 3, name)))
    if z == 1:
        return (x, y)
    if (x, y, z) == (0, 1, 0):
        if not allow_infinity:
            raise VerifierInputError(f"{name}: the point at infinity is not allowed here")
        return None
    raise VerifierInputError(f"{name}: projective z must be 1 (or the infinity encoding [0, 1, 0])")


def _fq2(v, name: str) -> tuple[int, int]:
    c0, c1 = (_int(c, f"{name}[{i}]") for i, c in enumerate(_list(v, 2, name)))
    return (c0, c1)


def _g2(v, name: str, allow_infinity: bool) -> G2Point:
    x, y, z = (_fq2(c, f"{name}[{i}]") for i, c in enumerate(_list(v, 3, name)))
    if z == (1, 0):
        return (x, y)
    if (x, y, z) == ((0, 0), (1, 0), (0, 0)):
        if not allow_infinity:
            raise VerifierInputError(f"{name}: the point at infinity is not allowed here")
        return None
    raise VerifierInputError(f"{name}: projective z must be [1, 0] (or the infinity encoding)")


def _curve_name(v) -> Optional[str]:
    """snarkjs's normal form of a curve name (upper case, letters and digits only: "BN-254",
    "bn254" and "alt_bn128" name BN254), None for a non-string."""
    return "".join(re.findall("[A-Za-z0-9]+", v.upper())) if isinstance(v, str) else None


def _check_protocol(obj: dict, required: tuple) -> None:
    """'protocol' must be groth16 and 'curve' BN254 (in any of snarkjs's spellings) where
    present; the keys in `required` must be present."""
    for key, ok, want in (("protocol", lambda v: v == "groth16", "groth16"),
                          ("curve", lambda v: _curve_name(v) in CURVE_NAMES, "bn128")):
        if key not in obj:
            if key in required:
                raise VerifierInputError(f"missing field {key!r}")
            continue
        if not ok(obj[key]):
            raise VerifierInputError(f"{key} is {_short(obj[key])}, only {want!r} is supported")


def _named(what: str, parse, *args):
    """Run a parser; put `what` (the file or object name) in front of any error message."""
    try:
        return parse(*args)
    except VerifierInputError as e:
        raise VerifierInputError(f"{what}: {e}") from None


def vk_from_json(data: JsonInput, what: str = "verification key", check=None) -> VerifyingKey:
    """Parse and fully validate a snarkjs verification_key.json (text, bytes or parsed dict)."""
    return _named(what, _vk_from_json, data, check)


def _vk_from_json(data: JsonInput, check=None) -> VerifyingKey:
    obj = _load(data)
    if not isinstance(obj, dict):
        raise VerifierInputError("expected a JSON object")
    _check_protocol(obj, required=("curve",))      # snarkjs needs the curve, not the protocol
    n_public = _field(obj, "nPublic")
    if not isinstance(n_public, int) or isinstance(n_public, bool) or n_public < 0:
        raise VerifierInputError(f"nPublic must be a non-negative integer, got {_short(n_public)}")
    ic_raw = _field(obj, "IC")
    if not isinstance(ic_raw, list) or len(ic_raw) != n_public + 1:
        raise VerifierInputError(f"IC must list nPublic + 1 = {n_public + 1} points, "
                                 f"got {len(ic_raw) if isinstance(ic_raw, list) else _short(ic_raw)}")
    if "vk_alphabeta_12" in obj:
        _fq12(obj["vk_alphabeta_12"], "vk_alphabeta_12")
    vk = VerifyingKey(
        alpha1=_g1(_field(obj, "vk_alpha_1"), "vk_alpha_1", False),
        beta2=_g2(_field(obj, "vk_beta_2"), "vk_beta_2", False),
        gamma2=_g2(_field(obj, "vk_gamma_2"), "vk_gamma_2", False),
        delta2=_g2(_field(obj, "vk_delta_2"), "vk_delta_2", False),
        ic=[_g1(p, f"IC[{i}]", True) for i, p in enumerate(ic_raw)])
    (check or VerifyingKey.checked)(vk, {"alpha1": "vk_alpha_1", "beta2": "vk_beta_2", "gamma2": "vk_gamma_2",
                "delta2": "vk_delta_2", "ic": "IC"})
    return vk


def proof_from_json(data: JsonInput, what: str = "proof", check=None) -> Proof:
    """Parse and fully validate a snarkjs proof.json."""
    return _named(what, _proof_from_json, data, check)


def _proof_from_json(data: JsonInput, check=None) -> Proof:
    obj = _load(data)
    if not isinstance(obj, dict):
        raise VerifierInputError("expected a JSON object")
    _check_protocol(obj, required=())
    proof = Proof(a=_g1(_field(obj, "pi_a"), "pi_a", True),
                  b=_g2(_field(obj, "pi_b"), "pi_b", True),
                  c=_g1(_field(obj, "pi_c"), "pi_c", True))
    (check or Proof.checked)(proof, {"a": "pi_a", "b": "pi_b", "c": "pi_c"})
    return proof


def public_from_json(data: JsonInput, n_public: Optional[int] = None,
                     what: str = "public inputs") -> list[int]:
    """Parse a snarkjs public.json: a list of decimal strings, each below r (count checked if given)."""
    return _named(what, _public_from_json, data, n_public)


def _public_from_json(data: JsonInput, n_public: Optional[int]) -> list[int]:
    obj = _load(data)
    if not isinstance(obj, list):
        raise VerifierInputError("expected a JSON list of decimal strings")
    xs = [_int(v, f"public input {i}", R, "r") for i, v in enumerate(obj)]
    if n_public is not None:
        check_public_inputs(xs, n_public)
    return xs


MAX_JSON_BYTES = 16 << 20
"""A snarkjs verification key, proof or public-input file is a few kB; this is far above."""


def _read(path: Union[str, os.PathLike], what: str) -> str:
    raw = read_file(path, MAX_JSON_BYTES, VerifierInputError, what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise VerifierInputError(f"{os.fspath(path)}: {what} is not UTF-8 text") from None


def read_vk(path, check=None) -> VerifyingKey:
    return vk_from_json(_read(path, "verification key"), what=os.fspath(path), check=check)


def read_proof(path, check=None) -> Proof:
    return proof_from_json(_read(path, "proof"), what=os.fspath(path), check=check)


def read_public(path, n_public: Optional[int] = None) -> list[int]:
    return public_from_json(_read(path, "public inputs"), n_public, what=os.fspath(path))


def verify_files(vk_path, public_path, proof_path) -> bool:
    """Read the three snarkjs files and verify: True/False, VerifierInputError if malformed."""
    vk = read_vk(vk_path)
    xs = read_public(public_path, vk.n_public)
    return verify(vk, xs, read_proof(proof_path))


# --- writing ------------------------------------------------------------------------------------

def _g1_json(p: G1Point) -> list[str]:
    return ["0", "1", "0"] if p is None else [str(p[0]), str(p[1]), "1"]


def _g2_json(p: G2Point) -> list[list[str]]:
    if p is None:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    (x0, x1), (y0, y1) = p
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def fq12_to_tower(f) -> list:
    """py_ecc FQ12 (flat basis w^0..w^11) -> snarkjs's [[c00, c01, c02], [c10, c11, c12]] of
    (a, b) Fq2 pairs: c_ij = a + b u multiplies v^j w^i = w^(2j+i), and u = w^6 - 9, so
    with k = 2j + i: b = f[k + 6], a = f[k] + 9 f[k + 6]."""
    c = [int(x) % Q for x in f.coeffs]
    return [[((c[2 * j + i] + 9 * c[2 * j + i + 6]) % Q, c[2 * j + i + 6]) for j in range(3)]
            for i in range(2)]


def tower_to_fq12(t) -> "ob.FQ12":
    """Inverse of fq12_to_tower."""
    flat = [0] * 12
    for i in range(2):
        for j in range(3):
            a, b = t[i][j]
            k = 2 * j + i
            flat[k] = (a - 9 * b) % Q
            flat[k + 6] = b % Q
    return ob.FQ12(flat)


def _fq12(v, name: str) -> list:
    return [[_fq2(c, f"{name}[{i}][{j}]") for j, c in enumerate(_list(c6, 3, f"{name}[{i}]"))]
            for i, c6 in enumerate(_list(v, 2, name))]


def vk_to_json(vk: VerifyingKey) -> dict:
    """snarkjs verification_key.json content (validates vk; computes vk_alphabeta_12, one pairing)."""
    k = vk.checked()
    ab = ob.final_exponentiate(k["ml_alpha_beta"]) ** SNARKJS_GT_POWER
    return {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.n_public,
        "vk_alpha_1": _g1_json(vk.alpha1),
        "vk_beta_2": _g2_json(vk.beta2),
        "vk_gamma_2": _g2_json(vk.gamma2),
        "vk_delta_2": _g2_json(vk.delta2),
        "vk_alphabeta_12": [[[str(a), str(b)] for a, b in c6] for c6 in fq12_to_tower(ab)],
        "IC": [_g1_json(p) for p in vk.ic],
    }


def proof_to_json(proof: Proof) -> dict:
    """snarkjs proof.json content (the proof is validated first)."""
    proof.checked()
    return {"pi_a": _g1_json(proof.a), "pi_b": _g2_json(proof.b), "pi_c": _g1_json(proof.c),
            "protocol": "groth16", "curve": "bn128"}


def public_to_json(values: Sequence[int]) -> list[str]:
    """snarkjs public.json content (each value checked to be in [0, r))."""
    return [str(v) for v in check_public_inputs(list(values), len(values))]


def dumps(obj) -> str:
    """JSON text laid out as snarkjs writes it (one-space indentation)."""
    return json.dumps(obj, indent=1)


def _temp_beside(path) -> str:
    """A new file of a unique name in `path`'s directory (created exclusively: never an
    existing file or a link someone planted), for writing `path` whole and moving it in."""
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(os.fspath(path))}.", suffix=".tmp",
                               dir=os.path.dirname(os.fspath(path)) or ".")
    os.close(fd)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)    # mkstemp's 0600 would make the written file private
    return tmp


def _write(path, obj) -> None:
    write_files([(path, dumps(obj))])


def write_files(items) -> None:
    """Write each (path, text) whole: all of them or none (each is written to a temporary
    file beside its place first, then all are moved in). Two items naming one file are
    refused (ValueError)."""
    items = list(items)
    real = [os.path.realpath(os.fspath(p)) for p, _ in items]
    if len(set(real)) != len(real):
        raise ValueError(f"{items[0][0]} and {items[-1][0]} name the same file")
    tmps = []
    try:
        for path, text in items:
            tmps.append(_temp_beside(path))
            with open(tmps[-1], "w") as f:
                f.write(text)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        raise
    for tmp, (path, _) in zip(tmps, items):
        os.replace(tmp, path)


def write_vk(path, vk: VerifyingKey) -> None:
    _write(path, vk_to_json(vk))


def write_proof(path, proof: Proof) -> None:
    _write(path, proof_to_json(proof))


def write_public(path, values: Sequence[int]) -> None:
    _write(path, public_to_json(values))


def write_proof_and_public(proof_path, proof: Proof, public_path, values: Sequence[int]) -> None:
    """Both files or neither (`write_files`): a proof must never stand beside another proof's
    public inputs."""
    write_files([(proof_path, dumps(proof_to_json(proof))), (public_path, dumps(public_to_json(values)))])


def _short(v) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."
