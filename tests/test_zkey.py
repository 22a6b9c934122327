"""snarkjs .zkey reading: the demo key against snarkjs's own verification key and circom's
R1CS, the Numba checks against plain twins, and tampered files -> one ZKeyFormatError line."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ob

from circuits.binfile import build_binfile
from circuits.circom_io import read_r1cs
from prover.convert import g1_point, g1_to_ints, g2_point, to_mont
from prover.mont import FQ, FR
from prover.ref.curves import g1_to_py_ecc as _g1pe, g2_to_py_ecc as _g2pe
from prover.zkey import ZKey, ZKeyFormatError, fr_mont_reduce, parse_zkey, read_zkey, zkey_bytes
from binfile_helpers import sections_of

VEC = Path(__file__).parent / "vectors" / "circom"
DEMO_ZKEY = VEC / "demo.zkey"
Q, R = FQ.p, FR.p
BLS12_381_Q = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
# Offsets inside the Groth16 header section (2) of a bn128 key.
OFF_Q, OFF_N8R, OFF_R, OFF_NVARS, OFF_NPUB, OFF_DOMAIN = 4, 36, 40, 72, 76, 80
OFF_ALPHA1, OFF_BETA2, OFF_DELTA2 = 84, 212, 532


@pytest.fixture(scope="module")
def raw() -> bytes:
    return DEMO_ZKEY.read_bytes()


@pytest.fixture(scope="module")
def zk() -> ZKey:
    return read_zkey(DEMO_ZKEY)


def rebuild(data: bytes, replace: dict) -> bytes:
    """Replace section payloads (None drops a section), keeping the file's order."""
    new = [(t, replace.get(t, p)) for t, p in sections_of(data) if replace.get(t, p) is not None]
    return build_binfile(data[:4], struct.unpack_from("<I", data, 4)[0], new)


def patch(data: bytes, section: int, offset: int, new: bytes) -> bytes:
    p = bytearray(dict(sections_of(data))[section])
    p[offset:offset + len(new)] = new
    return rebuild(data, {section: bytes(p)})


def expect(data: bytes, *words: str) -> str:
    with pytest.raises(ZKeyFormatError) as e:
        parse_zkey(data, "bad.zkey")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("bad.zkey"), msg
    for w in words:
        assert w in msg, msg
    return msg


# --- the demo key ------------------------------------------------------------------------------

def test_demo_zkey_shapes(zk):
    assert (zk.n_vars, zk.n_public, zk.domain_size, zk.power) == (964, 2, 1024, 10)
    assert zk.A.shape == (964, 8) and zk.B1.shape == (964, 8) and zk.B2.shape == (964, 16)
    assert zk.C.shape == (964 - 3, 8) and zk.H.shape == (1024, 8) and zk.IC.shape == (3, 8)
    assert all(a.dtype == np.uint64 for a in (zk.A, zk.B2, zk.H, zk.alpha1, zk.beta2))
    assert zk.n_constraints == 961 and zk.n_contributions == 1 and len(zk.cs_hash) == 64


def g1_to_py_ecc(row):
    return _g1pe(g1_point(row))


def g2_to_py_ecc(row):
    return _g2pe(g2_point(row))


def test_our_zkey_writer_round_trips_the_demo_key(zk):
    pk = zk.to_proving_key()
    back = parse_zkey(zkey_bytes(pk), "ours.zkey")
    for name in ("alpha1", "beta1", "beta2", "gamma2", "delta1", "delta2", "IC", "A", "B1", "B2", "C", "H"):
        assert np.array_equal(getattr(back, name), getattr(zk, name)), name
    assert (back.n_vars, back.n_public, back.domain_size, back.n_constraints) == \
        (zk.n_vars, zk.n_public, zk.domain_size, zk.n_constraints)
    for which in ("A", "B"):
        m1, m2 = back.matrix(which), zk.matrix(which)
        for i in range(zk.domain_size):
            assert sorted(m1.row(i)) == sorted(m2.row(i)), (which, i)
    assert back.cs_hash is None and back.n_contributions == 0


def test_demo_points_are_on_the_curve_per_py_ecc(zk):
    g1 = [zk.alpha1, zk.beta1, zk.delta1, *zk.IC, *zk.A[:4], *zk.B1[:4], *zk.C[:4], *zk.H[:4], zk.H[-1]]
    for row in g1:
        p = g1_to_py_ecc(row)
        assert ob.is_inf(p) or ob.is_on_curve(p, ob.b)
    for row in [zk.beta2, zk.gamma2, zk.delta2, *zk.B2[:4], zk.B2[-1]]:
        p = g2_to_py_ecc(row)
        assert ob.is_inf(p) or ob.is_on_curve(p, ob.b2)
    assert ob.eq(g2_to_py_ecc(zk.gamma2), ob.G2)  # snarkjs's gamma is the generator
    # snarkjs writes infinity as (0, 0); the demo has such points (wires absent from A)
    assert None in g1_to_ints(zk.A)


def test_coefficients_equal_circom_r1cs_plus_public_rows(zk):
    r1cs = read_r1cs(VEC / "demo.r1cs")
    nc = zk.n_constraints
    for which, mat in (("A", r1cs.A), ("B", r1cs.B)):
        ours = zk.matrix(which, nc + zk.n_public + 1)
        for i in range(nc):
            assert sorted(ours.row(i)) == sorted(mat.row(i)), (which, i)
    a = zk.matrix("A")
    for s in range(zk.n_public + 1):
        assert a.row(nc + s) == [(s, 1)]
    assert all(not a.row(i) for i in range(nc + zk.n_public + 1, zk.domain_size))


def test_coefficient_montgomery_form_is_value_times_2_256(zk):
    vals = [int.from_bytes(r.astype("<u8").tobytes(), "little") for r in zk.a_vals[:50]]
    mont = [int.from_bytes(r.astype("<u8").tobytes(), "little") for r in zk.a_vals_mont[:50]]
    assert mont == [v * FR.R % R for v in vals]


def test_to_proving_key_has_snarkjs_layout(zk):
    pk = zk.to_proving_key()
    pk.check_shapes()
    assert pk.n_constraints == 961 and pk.qap_C is None
    assert pk.qap_A.n_rows == 961 + 3 and pk.qap_B.n_rows == 961


# --- Numba kernels against their plain twins ---------------------------------------------------

def _mont_rows(coords: list[int], width: int) -> np.ndarray:
    return to_mont(coords, FQ).reshape(-1, width)


point_kind = st.sampled_from(["ok", "ok", "inf", "bump_x", "bump_y", "zero_x"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([0, 1, 2, R - 1, R - 2, (1 << 64) - 1, 1 << 64]),
                          st.integers(0, R - 1)), min_size=1, max_size=20))
def test_fr_mont_reduce_equals_int_reference(values):
    limbs = np.frombuffer(b"".join(v.to_bytes(32, "little") for v in values), dtype="<u8").reshape(-1, 4)
    out = fr_mont_reduce(limbs.astype(np.uint64))
    got = [int.from_bytes(r.astype("<u8").tobytes(), "little") for r in out]
    assert got == [v * FR.Rinv % R for v in values]


# --- tampered, truncated and unsupported keys -----------------------------------------------------

def test_truncated_zkey_is_an_error(raw):
    for cut in (0, 4, 11, 12, 30, 100, 700, 1000, len(raw) // 2, len(raw) - 100, len(raw) - 1):
        expect(raw[:cut])


def test_wrong_magic_version_and_trailing_bytes(raw):
    expect(b"zkex" + raw[4:], "not a .zkey file")
    expect(raw[:4] + struct.pack("<I", 2) + raw[8:], "version 2")
    expect(raw + b"\0", "after the last section")


def test_other_protocols_are_named(raw):
    expect(rebuild(raw, {1: struct.pack("<I", 2)}), "plonk", "only groth16")
    expect(rebuild(raw, {1: struct.pack("<I", 10)}), "fflonk")
    expect(rebuild(raw, {1: struct.pack("<I", 7)}), "unknown protocol id 7")
    expect(rebuild(raw, {1: struct.pack("<II", 1, 0)}), "section size")


def test_zkey_for_another_curve_is_refused(raw):
    q_other = (Q + 2).to_bytes(32, "little")
    expect(patch(raw, 2, OFF_Q, q_other), "unknown curve", "only bn128")
    hdr = dict(sections_of(raw))[2]
    bls = struct.pack("<I", 48) + BLS12_381_Q.to_bytes(48, "little") + hdr[OFF_N8R:]
    expect(rebuild(raw, {2: bls}), "curve bls12381")
    expect(patch(raw, 2, OFF_R, (R + 2).to_bytes(32, "little")), "scalar field")
    expect(patch(raw, 2, OFF_N8R, struct.pack("<I", 48)), "n8r")


def test_header_counts_must_match_sections(raw):
    expect(patch(raw, 2, OFF_NVARS, struct.pack("<I", 965)), "expected 965 points")
    expect(patch(raw, 2, OFF_NVARS, struct.pack("<I", 2000)), "expected 2000 points")
    expect(patch(raw, 2, OFF_NPUB, struct.pack("<I", 3)), "IC")
    expect(patch(raw, 2, OFF_NPUB, struct.pack("<I", 5000)), "exceeds nVars")
    expect(patch(raw, 2, OFF_DOMAIN, struct.pack("<I", 1000)), "power of two")
    expect(patch(raw, 2, OFF_DOMAIN, struct.pack("<I", 2048)), "H points")
    expect(patch(raw, 2, OFF_DOMAIN, struct.pack("<I", 512)), "constraint index")


def test_bad_header_points(raw):
    bad = bytearray(dict(sections_of(raw))[2])
    bad[OFF_ALPHA1] ^= 1
    expect(rebuild(raw, {2: bytes(bad)}), "alpha1")
    expect(patch(raw, 2, OFF_ALPHA1, b"\0" * 64), "alpha1 is the point at infinity")
    expect(patch(raw, 2, OFF_BETA2 + 120, b"\xff" * 8), "beta2", "not below q")


def _fq2_sqrt(a):
    """Square root in Fq2 (q = 3 mod 4), or None."""
    a1 = a ** ((Q - 3) // 4)
    alpha = a1 * a1 * a
    x0 = a1 * a
    if alpha == ob.FQ2([Q - 1, 0]):
        x = ob.FQ2([0, 1]) * x0
    else:
        x = (ob.FQ2.one() + alpha) ** ((Q - 1) // 2) * x0
    return x if x * x == a else None


def test_g2_point_outside_the_subgroup_is_refused(raw):
    for t in range(1, 50):
        x = ob.FQ2([t, 1])
        y = _fq2_sqrt(x * x * x + ob.b2)
        if y is not None:
            break
    assert not ob.is_inf(ob.multiply((x, y, ob.FQ2.one()), R))  # on the twist, not in G2
    row = to_mont([int(c) for c in (*x.coeffs, *y.coeffs)], FQ).astype("<u8").tobytes()
    expect(patch(raw, 2, OFF_DELTA2, row), "delta2", "subgroup")


def test_bad_bulk_points(raw, zk):
    secs = dict(sections_of(raw))
    for sec, what, width in ((5, "A points", 64), (7, "B2 points", 128), (9, "H points", 64),
                             (3, "IC", 64), (8, "C points", 64)):
        p = bytearray(secs[sec])
        i = 7 if sec != 3 else 1
        p[i * width + 3] ^= 0x10
        expect(rebuild(raw, {sec: bytes(p)}), what, f"point {i}")
        expect(rebuild(raw, {sec: secs[sec][:-8]}), what)


def _coef_section(raw: bytes) -> bytearray:
    return bytearray(dict(sections_of(raw))[4])


def test_bad_coefficients(raw):
    c = _coef_section(raw)
    rec = 4 + 5 * 44  # coefficient 5
    for field_off, value, word in ((0, 2, "matrix id"), (4, 5000, "constraint index"), (8, 964, "signal index")):
        p = bytearray(c)
        p[rec + field_off:rec + field_off + 4] = struct.pack("<I", value)
        expect(rebuild(raw, {4: bytes(p)}), "coefficient 5", word)
    p = bytearray(c)
    p[rec + 12:rec + 44] = R.to_bytes(32, "little")
    expect(rebuild(raw, {4: bytes(p)}), "coefficient 5", "not below r")
    p = bytearray(c)
    p[0:4] = struct.pack("<I", struct.unpack_from("<I", c, 0)[0] + 1)
    expect(rebuild(raw, {4: bytes(p)}), "coefficients")
    expect(rebuild(raw, {4: bytes(c[:2])}), "truncated")


def test_sections_missing_repeated_or_malformed(raw):
    expect(rebuild(raw, {9: None}), "missing section 9")
    expect(rebuild(raw, {4: None}), "missing section 4")
    secs = sections_of(raw)
    expect(build_binfile(b"zkey", 1, secs + [secs[2]]), "appears 2 times")
    expect(rebuild(raw, {10: dict(secs)[10][:-1]}), "contributions")
    assert parse_zkey(rebuild(raw, {10: None})).cs_hash is None  # optional for proving


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_random_byte_flips_give_a_format_error_or_a_key(raw, data):
    b = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.one_of(st.integers(0, 1200), st.integers(0, len(b) - 1)))
        b[i] ^= data.draw(st.integers(1, 255))
    try:
        parse_zkey(bytes(b), "fuzz.zkey")
    except ZKeyFormatError as e:
        assert "\n" not in str(e) and str(e).startswith("fuzz.zkey")


def test_missing_file_is_a_format_error(tmp_path):
    with pytest.raises(ZKeyFormatError, match="cannot read"):
        read_zkey(tmp_path / "none.zkey")
