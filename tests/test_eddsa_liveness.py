"""Liveness of EdDSA verification: every signature `circuits.eddsa.verify` accepts is
provable by the gadget, for every key a user can choose -- adversarial keys built from the
offset points of the previous (incomplete) design, keys with torsion components, edge
nonces and scalars -- and random keys and messages (Hypothesis); and the gadget refuses
exactly what native verification refuses."""
import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from circuits import babyjub as bj
from circuits import eddsa
from circuits.cs import ConstraintSystem
from circuits.field import R
from circuits.gadgets import babyjub_mul as gm
from circuits.gadgets.eddsa import FIXED_BASE_TORSION, eddsa_verify, eddsa_verify_native

INV8 = pow(8, -1, bj.L)
F_OLD = 184787995330688408007700567667703458196008624312222713599781888710835289808
"""Discrete log (base BASE8) of the previous EdDSA gadget's offset point F: its chain ran
2^j F + c Q with incomplete Montgomery additions, so a key with 8A = +-F failed every
signature and 8A = F / (small rational) failed about half of them."""
F_OLD_VAR = int.from_bytes(hashlib.blake2b(b"zkrollup.babyjub.var_base_offset", digest_size=64).digest(),
                           "little") % bj.L


def _q_scalars():
    """Discrete logs of Q = 8A for adversarial keys."""
    out = []
    for f in (F_OLD, F_OLD_VAR, 1):
        for c in (1, -1, 2, -2, 3, -3, pow(2, -1, bj.L), pow(3, -1, bj.L), -pow(3, -1, bj.L),
                  2 * pow(3, -1, bj.L), pow(-2, -1, bj.L), pow(6, -1, bj.L), pow(2, 252, bj.L),
                  pow(2, 253, bj.L), pow(2, -253, bj.L)):
            out.append(c * f % bj.L)
    return sorted(set(out))


ADVERSARIAL_Q = _q_scalars()


def _sign_raw(q_scalar, msg, r, torsion=0):
    """A signature under A = q_scalar/8 * BASE8 + torsion(torsion), so 8A = q_scalar BASE8,
    with nonce r (R8 = r BASE8): S = r + h q_scalar mod L."""
    a = q_scalar * INV8 % bj.L
    pub = bj.add(bj.mul_base8(a), bj.torsion(torsion))
    r8 = bj.mul_base8(r)
    h = eddsa.signature_hash(r8, pub, msg)
    return [pub[0], pub[1], r8[0], r8[1], (r + h * q_scalar) % bj.L, msg], h


def _circuit_ok(vals):
    cs = ConstraintSystem()
    ins = [cs.witness(n, x) for n, x in zip(("ax", "ay", "r8x", "r8y", "s", "msg"), vals)]
    eddsa_verify(cs, 1, *ins)
    return cs.which_is_unsatisfied()


def _covering_signatures(q, torsion, bits):
    """Signatures under the key of ``q`` whose challenges h take every combination of the
    given bit positions (e.g. h's top bit, where the old chain split its keys in half)."""
    seen, out = set(), []
    for msg in range(64):
        vals, h = _sign_raw(q, msg, 1000 + msg, torsion)
        key = tuple((h >> b) & 1 for b in bits)
        if key not in seen:
            seen.add(key)
            out.append(vals)
        if len(seen) == 1 << len(bits):
            return out
    raise AssertionError("64 messages did not cover the challenge bits")


def test_adversarial_keys_are_all_provable():
    """In the circuit: every adversarial key, with challenges of both top bits, and the
    nonce r = 0 (R8 = identity) for a few."""
    tried = unprovable = 0
    for i, q in enumerate(ADVERSARIAL_Q):
        sigs = _covering_signatures(q, i % 8, [253])
        if i % 9 == 0:
            sigs.append(_sign_raw(q, 7, 0, i % 8)[0])
        for vals in sigs:
            assert eddsa_verify_native(1, *vals)
            tried += 1
            unprovable += _circuit_ok(vals) is not None
    print(f"adversarial keys: {len(ADVERSARIAL_Q)}, signatures tried in-circuit: {tried}, unprovable: {unprovable}")
    assert unprovable == 0 and tried > 2 * len(ADVERSARIAL_Q)


def test_adversarial_keys_replay_over_all_split_bits():
    """Natively (the pipeline replay below), every adversarial key with challenges taking
    all combinations of h's top bit and bit 2 (the torsion bit), and r = 0."""
    for i, q in enumerate(ADVERSARIAL_Q):
        for vals in _covering_signatures(q, i % 8, [253, 2]) + [_sign_raw(q, 7, 0, i % 8)[0]]:
            assert eddsa_verify_native(1, *vals) and _replay(vals)


@pytest.mark.parametrize("t", range(8))
def test_keys_with_every_torsion_component_are_provable(t):
    vals, _ = _sign_raw(123456789, 99, 4242, torsion=t)
    assert eddsa_verify_native(1, *vals) and _circuit_ok(vals) is None


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=1, max_value=bj.L - 1), st.integers(0, 7),
       st.integers(min_value=0, max_value=R - 1), st.integers(min_value=0, max_value=bj.L - 1),
       st.sampled_from(["none", "s", "msg", "r8", "a"]))
def test_native_verdict_equals_circuit_verdict(q, t, msg, r, tamper):
    """Native accept => the gadget's constraints are satisfied; and a tampered signature
    (S, msg, R8 or A changed) is refused by both."""
    vals, _ = _sign_raw(q, msg, r, torsion=t)
    if tamper == "s":
        vals[4] = (vals[4] + 1) % bj.L
    elif tamper == "msg":
        vals[5] = (vals[5] + 1) % R
    elif tamper == "r8":
        vals[2:4] = bj.add((vals[2], vals[3]), bj.torsion(1 + t % 7))
    elif tamper == "a":
        vals[0:2] = bj.add((vals[0], vals[1]), bj.BASE8)
    native = eddsa_verify_native(1, *vals)
    assert native is (tamper == "none")
    assert (_circuit_ok(vals) is None) is native


# ---- native replay of the gadget's Montgomery pipeline, for many keys ------------------------

def _replay(vals):
    """The chord additions of `eddsa_verify` (fixed base, tables, chain, combine), natively
    with the partial formulas, which raise on an exceptional case; returns whether the final
    check holds."""
    ax, ay, rx, ry, s, msg = vals
    q = bj.mul_cofactor((ax, ay))
    h = eddsa.signature_hash((rx, ry), (ax, ay), msg)
    plan = gm._fixed_plan(bj.BASE8, 251, FIXED_BASE_TORSION)
    fb = None
    for (st_, c), (us, vs) in zip(plan.windows, plan.tables):
        d = (s >> st_) & ((1 << c) - 1)
        fb = (us[d], vs[d]) if fb is None else bj.montgomery_add(fb, (us[d], vs[d]))
    mq = bj.to_montgomery(q)
    tables = {1: bj.montgomery_add(mq, bj.to_montgomery(bj.torsion(1))),
              4: bj.to_montgomery(bj.add(q, bj.torsion(4)))}
    vp = gm._var_plan(253)
    acc = tables[vp.start]
    for k, t in enumerate(vp.steps):
        u, v = tables[t]
        tp = (u, v) if (h >> (253 - k)) & 1 else (u, -v % R)
        acc = bj.montgomery_add(bj.montgomery_add(acc, tp), acc)
    diff = bj.montgomery_add(fb, (acc[0], -acc[1] % R))
    d = diff if h & 1 else bj.montgomery_add(diff, mq)
    tor = (FIXED_BASE_TORSION - vp.torsion - 4 * ((h >> 2) & 1)) % 8
    return bj.from_montgomery(d) == bj.add((rx, ry), bj.torsion(tor))


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.integers(min_value=1, max_value=bj.L - 1), st.sampled_from(ADVERSARIAL_Q)),
       st.integers(0, 7), st.integers(min_value=0, max_value=R - 1),
       st.integers(min_value=0, max_value=bj.L - 1))
def test_pipeline_replay_has_no_exceptional_case_and_accepts_valid_signatures(q, t, msg, r):
    vals, _ = _sign_raw(q, msg, r, torsion=t)
    assert _replay(vals)
    vals[4] = (vals[4] + 1) % bj.L
    assert not _replay(vals)
