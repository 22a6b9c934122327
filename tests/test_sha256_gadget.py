"""SHA-256 in the circuit (circuits.gadgets.sha256, sha256_words) and the posted-data
helpers (data_hash): equal to hashlib, NIST vectors, tampered witnesses, edges."""
import hashlib
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import LC, ConstraintSystem, compile_circuit, solve_circuit
from circuits.field import R
from circuits.gadgets import sha256 as sha256_mod
from circuits.gadgets import sha256_words as words_mod
from circuits.gadgets.data_hash import (FIELD_WIDTH, data_digest, data_digest_native,
                                        digest_to_field, digest_to_field_native, pack_record,
                                        pack_record_native, record_size)
from circuits.gadgets.sha256 import (IV, bits_be_to_bytes, bytes_to_bits_be, compress_native,
                                     message_cost, n_blocks, pad_bits, sha256_bits,
                                     sha256_compress, sha256_native)
from circuits.gadgets.sha256_words import Sum, maj_bit, reduce32, xor_bit

# FIPS 180-4 / NIST CSHS example vectors (known answers, independent of hashlib)
NIST = [
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
]
TABLE = Path(__file__).resolve().parent / "constraint_counts.json"
FIPS_IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]


def _hash_circuit(data: bytes):
    cs = ConstraintSystem()
    bits = [cs.witness(f"m{i}", b) for i, b in enumerate(bytes_to_bits_be(data))]
    out = sha256_bits(cs, bits)
    return cs, bits_be_to_bytes([cs.value(b) for b in out])


def _var(cs, name):
    """The variable called `name` as an LC (no publics here: wire order = allocation order)."""
    i = cs.wire_names().index(name)
    return LC({i: 1}, cs.witness_values()[i])


def _flip(cs, name):
    v = _var(cs, name)
    cs.set_value(v, 1 - cs.value(v))


# ---- native twins --------------------------------------------------------------------------

def test_constants_are_fips_iv():
    assert IV == FIPS_IV


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_compress_native_over_padded_blocks_is_hashlib(data):
    padded = bits_be_to_bytes(bytes_to_bits_be(data) + pad_bits(8 * len(data)))
    assert len(padded) == 64 * n_blocks(len(data))
    state = list(IV)
    for k in range(0, len(padded), 64):
        state = compress_native(state, padded[k:k + 64])
    assert b"".join(x.to_bytes(4, "big") for x in state) == hashlib.sha256(data).digest()


def test_bits_bytes_round_trip_and_bit_order():
    assert bytes_to_bits_be(b"\x80\x01") == [1] + [0] * 14 + [1]
    assert bits_be_to_bytes(bytes_to_bits_be(b"xyz")) == b"xyz"
    with pytest.raises(ValueError):
        bits_be_to_bytes([1, 0, 1])


# ---- the gadget against hashlib ------------------------------------------------------------

@pytest.mark.parametrize("msg,hexdigest", NIST, ids=["abc", "empty", "448bit"])
def test_nist_vectors(msg, hexdigest):
    cs, digest = _hash_circuit(msg)
    assert cs.which_is_unsatisfied() is None
    assert digest.hex() == hexdigest == sha256_native(msg).hex()


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 200).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_matches_hashlib_on_random_messages(data):
    cs, digest = _hash_circuit(data)
    assert cs.which_is_unsatisfied() is None
    assert digest == hashlib.sha256(data).digest()


@pytest.mark.parametrize("data", [b"\xff" * 119, b"\x00" * 64, b"\xff" * 56],
                         ids=["ones_119", "zeros_64", "ones_56"])
def test_extreme_messages_satisfy(data):
    """All-ones words drive every sum to the top of its interval: the carry bits sized at
    compile time must still hold the honest value."""
    cs, digest = _hash_circuit(data)
    assert cs.which_is_unsatisfied() is None and digest == hashlib.sha256(data).digest()


def _compress_circuit(cs, state, block):
    s = [cs.witness(f"s{i}", b) for i, b in enumerate(
        bytes_to_bits_be(b"".join(x.to_bytes(4, "big") for x in state)))]
    m = [cs.witness(f"b{i}", b) for i, b in enumerate(bytes_to_bits_be(block))]
    return sha256_compress(cs, s, m)


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=8, max_size=8), st.binary(min_size=64, max_size=64))
def test_compress_matches_native_twin_on_variable_state(state, block):
    cs = ConstraintSystem()
    out = _compress_circuit(cs, state, block)
    assert cs.which_is_unsatisfied() is None
    got = bits_be_to_bytes([cs.value(b) for b in out])
    assert got == b"".join(x.to_bytes(4, "big") for x in compress_native(state, block))


@pytest.mark.parametrize("state,block", [([2**32 - 1] * 8, b"\xff" * 64), ([0] * 8, b"\x00" * 64)],
                         ids=["ones", "zeros"])
def test_compress_extreme_state_satisfies(state, block):
    cs = ConstraintSystem()
    out = _compress_circuit(cs, state, block)
    assert cs.which_is_unsatisfied() is None
    assert bits_be_to_bytes([cs.value(b) for b in out]) == b"".join(
        x.to_bytes(4, "big") for x in compress_native(state, block))


def test_compress_cost_and_shape():
    """The compiled R1CS (shape mode) accepts the solved witness; its size is the table's
    (written by benchmarks/update_constraint_counts.py), which the docstrings quote."""
    def circ(cs, state, block):
        _compress_circuit(cs, state, block)
    r1cs = compile_circuit(circ, [0] * 8, b"\x00" * 64)
    cost = json.loads(TABLE.read_text())["sha256.compress"]
    assert r1cs.n_constraints == cost
    assert f"Cost: {cost:,} constraints" in sha256_mod.sha256_compress.__doc__
    assert f"variable state and block: {cost:,} constraints" in sha256_mod.__doc__
    r1cs2, wit = solve_circuit(circ, list(range(8)), bytes(range(64)))
    assert r1cs2.n_constraints == r1cs.n_constraints and r1cs.is_satisfied(wit)


@pytest.mark.parametrize("n_bytes", [0, 3, 55, 56, 64, 120])
def test_message_cost_equals_building_the_message(n_bytes):
    cs = ConstraintSystem(solve=False)
    sha256_bits(cs, [cs.witness(f"m{i}") for i in range(8 * n_bytes)])
    assert cs.num_constraints == message_cost(8 * n_bytes)
    cs = ConstraintSystem(solve=False)
    sha256_bits(cs, [cs.witness(f"m{i}") for i in range(8 * n_bytes)], check_bits=False)
    assert cs.num_constraints == message_cost(8 * n_bytes, check_bits=False)


def test_constant_message_costs_nothing_and_matches():
    cs = ConstraintSystem()
    out = sha256_bits(cs, bytes_to_bits_be(b"abc"))
    assert cs.num_constraints == 0
    assert bits_be_to_bytes([b.constant_value() for b in out]) == hashlib.sha256(b"abc").digest()


# ---- tampered witnesses --------------------------------------------------------------------

@pytest.fixture(scope="module")
def solved():
    cs, _ = _hash_circuit(b"tamper me" * 3)
    assert cs.which_is_unsatisfied() is None
    return cs


@pytest.mark.parametrize("var,constraint", [
    ("sha256.block0.round5.e.b[33]", "sha256.block0.round5.e.msb"),            # a carry bit
    ("sha256.block0.round5.a.b[3]", "sha256.block0.round5.a.msb"),             # a word bit
    ("sha256.block0.schedule.w20.sum.b[7]", "sha256.block0.schedule.w20.sum.msb"),
    ("sha256.block0.round9.S1[4].ab", "sha256.block0.round9.S1[4].ab"),        # a sigma product
    ("sha256.block0.round9.S0[30].q", "sha256.block0.round9.S0[30].q"),        # the bit-30 trick
    ("sha256.block0.round9.maj[31].q", "sha256.block0.round9.maj[31].q"),      # the bit-31 trick
    ("sha256.block0.round9.ch[0]", "sha256.block0.round9.ch[0]"),
])
def test_tampered_internal_value_fails_at_named_constraint(solved, var, constraint):
    v = _var(solved, var)
    old = solved.value(v)
    try:
        solved.set_value(v, 1 - old if old in (0, 1) else old + 1)
        assert solved.which_is_unsatisfied() == constraint
    finally:
        solved.set_value(v, old)
    assert solved.which_is_unsatisfied() is None


def test_cheating_decomposition_hint_is_caught(monkeypatch):
    """A prover whose bits are of value + 1 (booleans all) breaks the first sum."""
    real = words_mod._bits_of
    monkeypatch.setattr(words_mod, "_bits_of", lambda v, n: real(v + 1, n))
    cs, _ = _hash_circuit(b"x" * 20)
    assert cs.which_is_unsatisfied() == "sha256.block0.schedule.w16.sum.msb"


def test_cheating_pairs_hint_is_caught(monkeypatch):
    monkeypatch.setattr(words_mod, "_pairs", lambda v: (v * v - v) // 2 + 1)
    cs, _ = _hash_circuit(b"x" * 20)
    # the schedule's sigmas use no q (their bits 30, 31 have two inputs); round 0 is constant
    assert cs.which_is_unsatisfied() == "sha256.block0.round1.S1[30].q"


# ---- input bits ----------------------------------------------------------------------------

def test_non_boolean_message_bit_is_rejected():
    cs = ConstraintSystem()
    bits = [cs.witness(f"m{i}", b) for i, b in enumerate(bytes_to_bits_be(b"ab"))]
    cs.set_value(bits[5], 2)
    sha256_bits(cs, bits)
    assert cs.which_is_unsatisfied() == "sha256.bool5"


def test_constant_non_bit_is_a_value_error():
    with pytest.raises(ValueError):
        sha256_bits(ConstraintSystem(), [1, 0, 2])


def test_compress_rejects_wrong_sizes():
    cs = ConstraintSystem(solve=False)
    with pytest.raises(ValueError):
        sha256_compress(cs, [0] * 255, [0] * 512)
    with pytest.raises(ValueError):
        sha256_compress(cs, [0] * 256, [0] * 511)


# ---- the lazy-reduction primitives, exhaustively -------------------------------------------

def _true_xor(v):
    return sum(v) % 2


def _true_maj(v):
    return int(sum(v) >= 2)


@pytest.mark.parametrize("n_in", [2, 3])
@pytest.mark.parametrize("need", [1, 2, 32])
def test_xor_bit_is_right_modulo_2_need_within_its_bounds(n_in, need):
    """Every input pattern, each input a variable or the constant 0/1."""
    for kinds in itertools.product(["v", 0, 1], repeat=n_in):
        for vals in itertools.product([0, 1], repeat=n_in):
            cs = ConstraintSystem(strict=True)
            ins = [cs.witness(f"x{i}", v) if k == "v" else LC.constant(k)
                   for i, (k, v) in enumerate(zip(kinds, vals))]
            actual = [v if k == "v" else k for k, v in zip(kinds, vals)]
            lc, lo, hi = xor_bit(cs, ins, need, "x")
            x = cs.value(lc)
            x = x - R if x > R // 2 else x
            assert lo <= x <= hi and (x - _true_xor(actual)) % (1 << min(need, 8)) == 0


@pytest.mark.parametrize("need", [1, 2, 32])
def test_maj_bit_is_right_modulo_2_need_within_its_bounds(need):
    for kinds in itertools.product(["v", 0, 1], repeat=3):
        for vals in itertools.product([0, 1], repeat=3):
            cs = ConstraintSystem(strict=True)
            ins = [cs.witness(f"x{i}", v) if k == "v" else LC.constant(k)
                   for i, (k, v) in enumerate(zip(kinds, vals))]
            actual = [v if k == "v" else k for k, v in zip(kinds, vals)]
            lc, lo, hi = maj_bit(cs, *ins, need, "m")
            x = cs.value(lc)
            assert lo <= x <= hi and (x - _true_maj(actual)) % (1 << min(need, 8)) == 0


@pytest.mark.parametrize("lo,hi", [(0, 2**32 - 1), (-3 * 2**30, 7 * 2**32 - 5), (5, 2**34)])
def test_reduce32_honest_at_the_interval_ends(lo, hi):
    for v in (lo, hi, (lo + hi) // 2):
        cs = ConstraintSystem()
        x = cs.witness("x", v % R)
        out = reduce32(cs, Sum(x, lo, hi))
        assert cs.which_is_unsatisfied() is None
        assert sum(cs.value(b) << i for i, b in enumerate(out)) == v % 2**32


def test_reduce32_rejects_a_value_beyond_its_bits():
    """s outside what n bits (n from the interval) can hold has no boolean decomposition."""
    lo, hi = 0, 5 * 2**32          # n = 35 bits: values up to 2^35 - 1
    for v in (2**35, R - 1):
        cs = ConstraintSystem()
        reduce32(cs, Sum(cs.witness("x", v), lo, hi))
        assert cs.which_is_unsatisfied() == "sum.msb"


# ---- record packing and the digest as a field element -------------------------------------

field_spec = st.integers(1, FIELD_WIDTH).flatmap(
    lambda w: st.tuples(st.integers(0, (R - 1) if w == FIELD_WIDTH else (1 << w) - 1), st.just(w)))


@settings(max_examples=30, deadline=None)
@given(st.lists(field_spec, min_size=1, max_size=6))
def test_pack_record_native_and_circuit_agree(fields):
    native = pack_record_native(fields)
    assert len(native) == record_size([w for _, w in fields])
    cs = ConstraintSystem()
    bits = pack_record(cs, [(cs.witness(f"v{i}", v), w) for i, (v, w) in enumerate(fields)])
    assert cs.which_is_unsatisfied() is None
    assert bits_be_to_bytes([cs.value(b) for b in bits]) == native


def test_pack_record_layout_is_big_endian_byte_aligned():
    assert pack_record_native([(0x123, 12), (1, 1), (0xABCDEF, 24)]) == bytes.fromhex("012301abcdef")


def test_pack_record_rejects_values_wider_than_declared():
    with pytest.raises(ValueError):
        pack_record_native([(1, 8), (256, 8)])
    with pytest.raises(ValueError):
        pack_record_native([(R, FIELD_WIDTH)])
    with pytest.raises(ValueError):
        pack_record_native([(1, 0)])
    cs = ConstraintSystem()
    pack_record(cs, [(cs.witness("a", 1), 8), (cs.witness("b", 256), 8)])
    assert cs.which_is_unsatisfied() == "record.f1.sum"


def test_pack_record_reuses_the_callers_bits():
    """Bits already range-checked by the caller cost nothing more and give the same bytes."""
    cs = ConstraintSystem()
    from circuits.gadgets.bits import bits_le
    b = bits_le(cs, cs.witness("x", 0xBEEF), 16)
    n = cs.num_constraints
    out = pack_record(cs, [(b, 16)])
    assert cs.num_constraints == n
    assert bits_be_to_bytes([cs.value(x) for x in out]) == pack_record_native([(0xBEEF, 16)])
    with pytest.raises(ValueError):
        pack_record(cs, [(b, 17)])


@settings(max_examples=3, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, R - 1)), min_size=1, max_size=2))
def test_data_digest_of_records_native_and_circuit_agree(rows):
    records = [[(a, 64), (f, FIELD_WIDTH)] for a, f in rows]
    data = b"".join(pack_record_native(r) for r in records)
    cs = ConstraintSystem()
    bits = []
    for k, r in enumerate(records):
        bits += pack_record(cs, [(cs.witness(f"r{k}f{i}", v), w) for i, (v, w) in enumerate(r)],
                            name=f"rec{k}")
    d = data_digest(cs, bits, check_bits=False)
    assert cs.which_is_unsatisfied() is None
    expected = int.from_bytes(hashlib.sha256(data).digest(), "big") >> 3
    assert cs.value(d) == data_digest_native(data) == expected


def test_digest_to_field_is_the_top_253_bits():
    for digest in (b"\xff" * 32, hashlib.sha256(b"abc").digest(), b"\x00" * 31 + b"\x07"):
        v = digest_to_field_native(digest)
        assert v == int.from_bytes(digest, "big") >> 3 and v < 2**253 < R
        cs = ConstraintSystem()
        lc = digest_to_field([LC.constant(b) for b in bytes_to_bits_be(digest)])
        assert cs.value(lc) == v
    with pytest.raises(ValueError):
        digest_to_field_native(b"\x00" * 31)
