"""The Numba EdDSA verifier (zkrollup.eddsa_fast) accepts exactly what the reference
circuits.eddsa.verify accepts: known answers, valid, tampered and adversarial inputs
(torsion components, low-order keys, the identity, S near L, off-curve and malformed
points), one at a time and in batches."""
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

from circuits import babyjub as bj
from circuits import eddsa
from circuits.eddsa import Signature
from circuits.field import R
from zkrollup import eddsa_fast

VEC = json.loads((Path(__file__).parent / "vectors" / "babyjub_eddsa_poseidon.json").read_text())["signatures"]

priv_keys = st.binary(min_size=32, max_size=32)
messages = st.one_of(st.integers(0, R - 1), st.sampled_from([0, 1, R - 1]))
scalars = st.integers(1, bj.L - 1)
torsion = st.integers(0, 7)


def same_verdict(pub, msg, sig) -> bool:
    """Both verifiers' verdict, after checking they agree (one and batch API)."""
    want = eddsa.verify(pub, msg, sig)
    assert eddsa_fast.verify(pub, msg, sig) is want
    assert eddsa_fast.verify_many([(pub, msg, sig)]) == [want]
    return want


def sign_with(a: int, r: int, pub, msg: int) -> Signature:
    """A signature by secret scalar a with nonce point r*BASE8, hashing the given key `pub`."""
    r8 = bj.mul_base8(r)
    return Signature(r8, (r + 8 * eddsa.signature_hash(r8, pub, msg) * a) % bj.L)


@pytest.mark.parametrize("i", range(len(VEC)), ids=lambda i: f"{i}-{VEC[i].get('why', 'valid')}")
def test_circomlibjs_known_answers(i):
    v = VEC[i]
    sig = Signature(bj.point_from_ints(v["R8"]), int(v["S"]))
    assert same_verdict(bj.point_from_ints(v["A"]), int(v["msg"]), sig) is v["valid"]


def test_batch_of_known_answers_equals_each_verdict():
    items = [(bj.point_from_ints(v["A"]), int(v["msg"]), Signature(bj.point_from_ints(v["R8"]), int(v["S"])))
             for v in VEC]
    assert eddsa_fast.verify_many(items) == [v["valid"] for v in VEC]
    assert eddsa_fast.verify_many([]) == []


@settings(max_examples=20, deadline=None)
@given(priv_keys, messages, st.integers(1, R - 1))
@example(b"\0" * 32, 0, bj.L)                          # S + L == S: found by CI, must still tamper
def test_valid_and_tampered_signatures_agree_with_the_reference(priv, msg, delta):
    sig = eddsa.sign(priv, msg)
    pub = eddsa.public_key(priv)
    assert same_verdict(pub, msg, sig)
    s_delta = 1 + delta % (bj.L - 1)        # never a multiple of L: S must really change
    cases = [(pub, (msg + delta) % R, sig),
             (pub, msg, Signature(sig.R8, (sig.S + s_delta) % bj.L)),
             (pub, msg, Signature(sig.R8, sig.S + bj.L)),                  # malleability
             (pub, msg, Signature(bj.add(sig.R8, bj.BASE8), sig.S)),
             (pub, msg, Signature(bj.neg(sig.R8), sig.S)),
             (bj.add(pub, bj.BASE8), msg, sig),
             (bj.neg(pub), msg, sig)]
    assert eddsa_fast.verify_many(cases) == [eddsa.verify(*c) for c in cases] == [False] * len(cases)


@settings(max_examples=15, deadline=None)
@given(scalars, scalars, messages, torsion, torsion)
def test_torsion_in_the_key_or_the_nonce_point_agrees(a, r, msg, tk, tr):
    """A key A' + T signed with the hash over A' + T verifies (8hA ignores T); a torsion
    part in R8 breaks the exact equation. Both verifiers say the same, either way."""
    pub = bj.add(bj.mul_base8(a), bj.torsion(tk))
    sig = sign_with(a, r, pub, msg)
    assert same_verdict(pub, msg, sig) is True
    twisted = Signature(bj.add(sig.R8, bj.torsion(tr)), sig.S)
    assert same_verdict(pub, msg, twisted) is (tr == 0)


@pytest.mark.parametrize("t", range(8))
def test_low_order_keys_are_refused_even_when_the_equation_holds(t):
    s = 4242
    sig = Signature(bj.mul_base8(s), s)                 # S*B8 == R8 + 8h*T for any h
    assert same_verdict(bj.torsion(t), 7, sig) is False


@settings(max_examples=10, deadline=None)
@given(scalars, messages)
def test_identity_as_nonce_point_agrees(a, msg):
    """R8 = identity is a point on the curve: with S = 8ha the equation holds and both accept."""
    pub = bj.mul_base8(a)
    h = eddsa.signature_hash(bj.IDENTITY, pub, msg)
    assert same_verdict(pub, msg, Signature(bj.IDENTITY, 8 * h * a % bj.L)) is True
    assert same_verdict(pub, msg, Signature(bj.IDENTITY, (8 * h * a + 1) % bj.L)) is False


def test_scalars_near_the_subgroup_order_and_zero():
    priv = bytes(range(32))
    pub = eddsa.public_key(priv)
    sig = eddsa.sign(priv, 99)
    for s in [0, 1, bj.L - 1, bj.L, bj.L + 1, sig.S, sig.S + bj.L, 2 ** 253, R - 1, R, -1]:
        same_verdict(pub, 99, Signature(sig.R8, s))
    a = eddsa.secret_scalar(priv)
    for r in (bj.L - 1, 1):                            # S = r + 8ha reaching the ends of [0, L)
        assert same_verdict(pub, 5, sign_with(a, r, pub, 5)) is True


@settings(max_examples=25, deadline=None)
@given(st.integers(0, bj.ORDER - 1), st.integers(0, bj.ORDER - 1), messages, st.integers(0, bj.L + 8))
def test_random_points_of_the_whole_group_agree(k1, k2, msg, s):
    pub = bj.scalar_mul(k1, bj.GENERATOR)
    sig = Signature(bj.scalar_mul(k2, bj.GENERATOR), s)
    same_verdict(pub, msg, sig)


def test_malformed_input_agrees_and_never_raises():
    priv = bytes(range(32))
    pub = eddsa.public_key(priv)
    sig = eddsa.sign(priv, 3)
    off = (pub[0], (pub[1] + 1) % R)
    cases = [
        (off, 3, sig), ((pub[0] + R, pub[1]), 3, sig), ((pub[0], pub[1], 0), 3, sig), (None, 3, sig),
        ("A", 3, sig), ([pub[0], pub[1]], 3, sig), ((True, pub[1]), 3, sig), ((float(pub[0]), pub[1]), 3, sig),
        (pub, 3 + R, sig), (pub, -1, sig), (pub, "3", sig), (pub, True, sig), (pub, 3, None),
        (pub, 3, (sig.R8, sig.S)), (pub, 3, Signature(off, sig.S)), (pub, 3, Signature(list(sig.R8), sig.S)),
        (pub, 3, Signature((sig.R8[0] + R, sig.R8[1]), sig.S)), (pub, 3, Signature(sig.R8, float(sig.S))),
        (pub, 3, Signature(sig.R8, True)), (pub, 3, Signature(None, sig.S)), (bj.IDENTITY, 3, sig),
        ((0, R - 1), 3, sig), ((0, 0), 3, sig), ((R - 1, R - 1), 3, sig),
    ]
    want = [eddsa.verify(*c) for c in cases]
    assert want[5] is True and want[15] is True and not any(want[:5]) and not any(want[16:])
    assert [eddsa_fast.verify(*c) for c in cases] == want
    assert eddsa_fast.verify_many(cases) == want
    assert eddsa_fast.verify_many([None, (pub, 3), (pub, 3, sig, 0), (pub, 3, sig)]) == [False, False, False, True]


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.tuples(st.integers(), st.integers()), st.text()),
       st.one_of(st.integers(), st.none()),
       st.builds(Signature, st.one_of(st.none(), st.tuples(st.integers(), st.integers())),
                 st.one_of(st.integers(), st.none())))
def test_arbitrary_input_agrees(pub, msg, sig):
    same_verdict(pub, msg, sig)


@settings(max_examples=5, deadline=None)
@given(st.lists(st.tuples(priv_keys, messages, st.booleans()), min_size=1, max_size=12))
def test_a_mixed_batch_equals_the_verdicts_one_by_one(rows):
    items = []
    for priv, msg, tamper in rows:
        sig = eddsa.sign(priv, msg)
        items.append((eddsa.public_key(priv), (msg + tamper) % R, sig))
    assert eddsa_fast.verify_many(items) == [eddsa.verify(*it) for it in items] == [not t for _, _, t in rows]
