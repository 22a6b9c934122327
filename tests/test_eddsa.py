"""Native EdDSA-Poseidon: circomlibjs signatures verify, tampered ones do not, our signer
round-trips, malformed input gives False (never an exception), small-order keys refused."""
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

from circuits import babyjub as bj
from circuits import eddsa
from circuits.eddsa import Signature
from circuits.field import R

VEC = json.loads((Path(__file__).parent / "vectors" / "babyjub_eddsa_poseidon.json").read_text())
SIGS = VEC["signatures"]

priv_keys = st.binary(min_size=32, max_size=32)
messages = st.one_of(st.integers(min_value=0, max_value=R - 1), st.sampled_from([0, 1, R - 1]))


def _parse(v):
    return (bj.point_from_ints(v["A"]), int(v["msg"]),
            Signature(bj.point_from_ints(v["R8"]), int(v["S"])))


@pytest.mark.parametrize("i", range(len(SIGS)), ids=lambda i: f"{i}-{SIGS[i].get('why', 'valid')}")
def test_circomlibjs_vector(i):
    a, msg, sig = _parse(SIGS[i])
    assert eddsa.verify(a, msg, sig) is SIGS[i]["valid"]
    assert eddsa.verify_reference(a, msg, sig) is SIGS[i]["valid"]


def test_vectors_include_the_malleability_case():
    assert any("malleab" in v.get("why", "") for v in SIGS)
    mall = next(v for v in SIGS if "malleab" in v.get("why", ""))
    a, msg, sig = _parse(mall)
    assert sig.S >= bj.L
    # it is S + L of a valid signature: the curve equation alone would accept it
    reduced = Signature(sig.R8, sig.S - bj.L)
    assert eddsa.verify(a, msg, reduced)
    assert bj.mul_base8(sig.S) == bj.mul_base8(reduced.S)


@settings(max_examples=25, deadline=None)
@given(priv_keys, messages)
def test_own_signatures_verify_and_are_deterministic(priv, msg):
    sig = eddsa.sign(priv, msg)
    pub = eddsa.public_key(priv)
    assert 0 <= sig.S < bj.L and bj.is_in_subgroup(pub) and pub != bj.IDENTITY
    assert eddsa.verify(pub, msg, sig)
    assert eddsa.sign(priv, msg) == sig


@settings(max_examples=15, deadline=None)
@given(priv_keys, messages)
def test_own_signatures_verify_with_the_reference(priv, msg):
    assert eddsa.verify_reference(eddsa.public_key(priv), msg, eddsa.sign(priv, msg))


@settings(max_examples=20, deadline=None)
@given(priv_keys, messages, st.integers(min_value=1, max_value=R - 1))
@example(b"\0" * 32, 0, bj.L)                   # S + L == S: the S-tamper must still change S
def test_tampered_signatures_fail(priv, msg, delta):
    sig = eddsa.sign(priv, msg)
    pub = eddsa.public_key(priv)
    assert not eddsa.verify(pub, (msg + delta) % R, sig)
    assert not eddsa.verify(pub, msg, Signature(sig.R8, (sig.S + 1 + delta % (bj.L - 1)) % bj.L))  # S really changes
    assert not eddsa.verify(pub, msg, Signature(sig.R8, sig.S + bj.L))
    assert not eddsa.verify(pub, msg, Signature(bj.add(sig.R8, bj.BASE8), sig.S))
    assert not eddsa.verify(bj.add(pub, bj.BASE8), msg, sig)
    assert not eddsa.verify(pub, msg, Signature(bj.neg(sig.R8), sig.S))


def test_different_keys_and_messages_give_different_nonces():
    k1, k2 = bytes(32), bytes([1] + [0] * 31)
    assert eddsa.secret_scalar(k1) != eddsa.secret_scalar(k2)
    assert eddsa.sign(k1, 5).R8 != eddsa.sign(k1, 6).R8
    assert eddsa.sign(k1, 5).R8 != eddsa.sign(k2, 5).R8


def test_malformed_input_returns_false():
    a, msg, sig = _parse(SIGS[0])
    assert eddsa.verify(a, msg, sig)
    off_curve = (a[0], (a[1] + 1) % R)
    bad_cases = [
        (off_curve, msg, sig),
        ((a[0] + R, a[1]), msg, sig),
        ((a[0], a[1], 0), msg, sig),
        (None, msg, sig),
        ("A", msg, sig),
        (a, msg + R, sig),
        (a, -1, sig),
        (a, str(msg), sig),
        (a, msg, None),
        (a, msg, (sig.R8, sig.S)),
        (a, msg, Signature(off_curve, sig.S)),
        (a, msg, Signature((sig.R8[0] + R, sig.R8[1]), sig.S)),
        (a, msg, Signature(sig.R8, -sig.S)),
        (a, msg, Signature(sig.R8, float(sig.S))),
        (a, msg, Signature(sig.R8, bj.L)),
        (a, msg, Signature(None, sig.S)),
    ]
    for pub, m, s in bad_cases:
        assert eddsa.verify(pub, m, s) is False
        assert eddsa.verify_reference(pub, m, s) is False


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.tuples(st.integers(), st.integers()), st.text()),
       st.one_of(st.integers(), st.none()),
       st.builds(Signature, st.one_of(st.none(), st.tuples(st.integers(), st.integers())),
                 st.one_of(st.integers(), st.none())))
def test_verify_never_raises(pub, msg, sig):
    assert eddsa.verify(pub, msg, sig) in (True, False)


@pytest.mark.parametrize("t", range(8))
def test_small_order_key_is_refused_even_when_the_equation_holds(t):
    torsion = bj.scalar_mul(t, bj.scalar_mul(bj.L, bj.GENERATOR))
    s = 12345
    sig = Signature(bj.mul_base8(s), s)  # S B8 == R8 + 8h A since 8 A = identity
    assert bj.mul_base8(sig.S) == bj.add(sig.R8, bj.scalar_mul(8 * 7, torsion))
    assert not eddsa.verify(torsion, 99, sig)
    assert not eddsa.verify_reference(torsion, 99, sig)


def test_key_with_a_torsion_component_verifies_under_the_rule():
    """8h*A ignores A's small-order part: a signature made for A' + T (hashing A' + T)
    verifies, as with circomlib; the hash still binds it to that exact A."""
    priv = bytes(range(32))
    a = eddsa.secret_scalar(priv)
    t8 = bj.scalar_mul(bj.L, bj.GENERATOR)
    pub = bj.add(eddsa.public_key(priv), t8)
    r = 777
    r8 = bj.mul_base8(r)
    h = eddsa.signature_hash(r8, pub, 42)
    sig = Signature(r8, (r + 8 * h * a) % bj.L)
    assert eddsa.verify(pub, 42, sig) and eddsa.verify_reference(pub, 42, sig)
    assert not eddsa.verify(eddsa.public_key(priv), 42, sig)


def test_sign_validates_its_input():
    for bad in [b"", bytes(31), bytes(33), "k" * 32, None]:
        with pytest.raises(ValueError):
            eddsa.sign(bad, 1)
    for bad in [-1, R, 1.0, "1"]:
        with pytest.raises(ValueError):
            eddsa.sign(bytes(32), bad)


def test_new_private_key_signs():
    k = eddsa.new_private_key()
    assert len(k) == 32 and eddsa.verify(eddsa.public_key(k), 3, eddsa.sign(k, 3))
