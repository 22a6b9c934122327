"""circom .r1cs / .wtns reading and writing: known answers, round trips, fast vs reference
paths, and corrupt files that must give one clear CircomFormatError."""
from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuits.binfile import build_binfile, parse_binfile
from circuits.circom_io import (CircomFormatError, _emit_constraints_ref, _parse_constraints_ref,
                                constraints_payload, limbs_below_r, parse_r1cs, parse_wtns,
                                parse_wtns_limbs, r1cs_to_bytes, read_r1cs, read_wtns,
                                read_wtns_limbs, write_r1cs, write_wtns, wtns_to_bytes)
from circuits.field import R, ints_to_limbs, limbs_to_ints
from circuits.r1cs import R1CS
from binfile_helpers import sections_of

VEC = Path(__file__).parent / "vectors" / "circom"
DEMO_R1CS, DEMO_WTNS = VEC / "demo.r1cs", VEC / "demo.wtns"
BLS12_381_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001


# --- helpers --------------------------------------------------------------------------------

def same_r1cs(a: R1CS, b: R1CS) -> bool:
    if (a.n_wires, a.n_public, a.n_constraints) != (b.n_wires, b.n_public, b.n_constraints):
        return False
    for name in "ABC":
        x, y = getattr(a, name), getattr(b, name)
        if not (np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
                and np.array_equal(x.coeffs, y.coeffs)):
            return False
    return True


def rebuild(data: bytes, replace: dict | None = None) -> bytes:
    """Re-assemble a binfile with some section payloads replaced (None drops the section)."""
    replace = replace or {}
    new = [(t, replace.get(t, p)) for t, p in sections_of(data) if replace.get(t, p) is not None]
    return build_binfile(data[:4], struct.unpack_from("<I", data, 4)[0], new)


def one_line_error(exc: pytest.ExceptionInfo, name: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(name), msg
    return msg


@pytest.fixture(scope="module")
def demo():
    return read_r1cs(DEMO_R1CS), read_wtns(DEMO_WTNS)


# --- known answers ---------------------------------------------------------------------------

def test_demo_r1cs_header_counts_match_circom(demo):
    r1cs, _ = demo
    assert (r1cs.n_wires, r1cs.n_public, r1cs.n_constraints) == (964, 2, 961)
    assert (r1cs.meta["n_pub_out"], r1cs.meta["n_pub_in"], r1cs.meta["n_prv_in"]) == (1, 1, 2)
    assert r1cs.meta["n_labels"] == 3078 and r1cs.meta["wire_to_label"].shape == (964,)
    assert r1cs.meta["wire_to_label"][0] == 0


def test_demo_witness_satisfies_demo_r1cs(demo):
    r1cs, wit = demo
    assert len(wit) == 964 and wit[0] == 1
    assert r1cs.first_unsatisfied(wit) is None


def test_demo_witness_publics_equal_snarkjs_public_json(demo):
    r1cs, wit = demo
    public = [int(x) for x in json.loads((VEC / "public.json").read_text())]
    assert r1cs.public_inputs(wit) == public
    assert wit[2] == 33  # the product input


def test_tampered_demo_witness_is_unsatisfied(demo):
    r1cs, wit = demo
    bad = list(wit)
    bad[2] = 34
    assert r1cs.first_unsatisfied(bad) == 0  # "product === a * b" is circom's first constraint


def test_wtns_fast_limbs_equal_int_list(demo):
    _, wit = demo
    limbs = read_wtns_limbs(DEMO_WTNS)
    assert limbs.dtype == np.uint64 and limbs.shape == (964, 4)
    assert limbs_to_ints(limbs) == wit


# --- round trips -----------------------------------------------------------------------------

def test_r1cs_write_read_round_trip(demo, tmp_path):
    r1cs, _ = demo
    write_r1cs(r1cs, tmp_path / "x.r1cs")
    back = read_r1cs(tmp_path / "x.r1cs")
    assert same_r1cs(r1cs, back)
    for k in ("n_pub_out", "n_pub_in", "n_prv_in", "n_labels"):
        assert back.meta[k] == r1cs.meta[k]
    assert np.array_equal(back.meta["wire_to_label"], r1cs.meta["wire_to_label"])
    assert r1cs_to_bytes(back) == (tmp_path / "x.r1cs").read_bytes()


def test_r1cs_sections_written_byte_identical_to_circom(demo):
    r1cs, _ = demo
    theirs = dict(sections_of(DEMO_R1CS.read_bytes()))
    ours = dict(sections_of(r1cs_to_bytes(r1cs)))
    assert ours == theirs  # same payloads; only the section order differs (circom: 2, 1, 3)


def test_wtns_written_byte_identical_to_circom(demo, tmp_path):
    _, wit = demo
    assert wtns_to_bytes(wit) == DEMO_WTNS.read_bytes()
    write_wtns(read_wtns_limbs(DEMO_WTNS), tmp_path / "w.wtns")
    assert (tmp_path / "w.wtns").read_bytes() == DEMO_WTNS.read_bytes()


def test_r1cs_without_meta_is_written_with_all_publics_as_inputs():
    r = R1CS.from_rows(4, 2, [{1: 1}], [{2: 1}], [{3: 1}])
    back = parse_r1cs(r1cs_to_bytes(r))
    assert same_r1cs(r, back)
    assert (back.meta["n_pub_out"], back.meta["n_pub_in"], back.meta["n_prv_in"]) == (0, 2, 0)
    assert back.meta["wire_to_label"].tolist() == [0, 1, 2, 3]


def test_r1cs_reader_accepts_circom_section_order_and_empty_custom_gates(demo):
    r1cs, _ = demo
    data = r1cs_to_bytes(r1cs)
    secs = dict(sections_of(data))
    empty = struct.pack("<I", 0)
    circom_order = build_binfile(b"r1cs", 1, [(2, secs[2]), (1, secs[1]), (3, secs[3]), (4, empty), (5, empty)])
    assert same_r1cs(parse_r1cs(circom_order), r1cs)


def test_r1cs_without_wire_map_section_is_accepted(demo):
    r1cs, _ = demo
    back = parse_r1cs(rebuild(r1cs_to_bytes(r1cs), {3: None}))
    assert same_r1cs(back, r1cs) and back.meta["wire_to_label"] is None


# --- fast paths against their plain twins -------------------------------------------------------

EDGE = [0, 1, 2, R - 1, R - 2, (1 << 64) - 1, 1 << 64, (1 << 128) + 7, R // 2]
coeff = st.one_of(st.sampled_from(EDGE), st.integers(0, R - 1))


@st.composite
def r1cs_strategy(draw, max_wires=12, max_constraints=8):
    n_wires = draw(st.integers(1, max_wires))
    n_public = draw(st.integers(0, n_wires - 1))
    m = draw(st.integers(0, max_constraints))
    lc = st.lists(st.tuples(st.integers(0, n_wires - 1), coeff.filter(bool)), max_size=4)

    def rows():
        return [dict(draw(lc)) for _ in range(m)]
    return R1CS.from_rows(n_wires, n_public, rows(), rows(), rows())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(r1cs_strategy())
def test_numba_constraints_writer_equals_reference(r):
    assert constraints_payload(r).tobytes() == _emit_constraints_ref(r.A, r.B, r.C)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(r1cs_strategy())
def test_numba_constraints_reader_equals_reference_and_round_trips(r):
    data = r1cs_to_bytes(r)
    back = parse_r1cs(data)
    assert same_r1cs(r, back)
    (off, size), = parse_binfile(data, name="x", magic=b"r1cs", versions=(1,)).sections[2]
    ref = _parse_constraints_ref(data, off, off + size, r.n_constraints)
    for (ptr, wires, vals), mat in zip(ref, (back.A, back.B, back.C)):
        assert ptr == mat.indptr.tolist() and wires == mat.indices.tolist()
        assert vals == limbs_to_ints(mat.coeffs)


@settings(max_examples=50, deadline=None)
@given(r1cs_strategy(max_wires=6, max_constraints=4), st.data())
def test_numba_and_reference_parsers_agree_on_corrupted_constraint_sections(r, data):
    payload = bytearray(constraints_payload(r).tobytes())
    if payload:
        for _ in range(data.draw(st.integers(1, 3))):
            i = data.draw(st.integers(0, len(payload) - 1))
            payload[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(payload)))
    payload = bytes(payload[:cut])
    blob = rebuild(r1cs_to_bytes(r), {2: payload})
    (off, size), = parse_binfile(blob, name="x", magic=b"r1cs", versions=(1,)).sections[2]
    try:
        ref = _parse_constraints_ref(blob, off, off + size, r.n_constraints)
    except ValueError:
        ref = None
    try:
        got = parse_r1cs(blob)
    except CircomFormatError:
        got = None
    if got is not None:  # anything our reader accepts, the reference reads the same way
        assert ref is not None
        for (ptr, wires, vals), mat in zip(ref, (got.A, got.B, got.C)):
            assert ptr == mat.indptr.tolist() and wires == mat.indices.tolist()
            assert vals == limbs_to_ints(mat.coeffs)
    elif ref is not None:  # the reference's structure was fine: the fault must be a value or wire
        assert any(v >= R for _, _, vals in ref for v in vals) or \
            any(w >= r.n_wires for _, wires, _ in ref for w in wires)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([0, 1, R - 1, R, R + 1, (1 << 256) - 1, 1 << 255]),
                          st.integers(0, (1 << 256) - 1)), min_size=1, max_size=20))
def test_limbs_below_r_equals_int_comparison(values):
    assert limbs_below_r(ints_to_limbs(values)).tolist() == [v < R for v in values]


@settings(max_examples=30, deadline=None)
@given(st.lists(coeff, min_size=1, max_size=30))
def test_wtns_int_and_limb_writers_and_readers_agree(values):
    data = wtns_to_bytes(values)
    assert wtns_to_bytes(ints_to_limbs(values)) == data
    assert parse_wtns(data) == values
    assert limbs_to_ints(parse_wtns_limbs(data)) == values


# --- corrupt and unsupported files ----------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    """A small circuit and witness (x * y = z, public z) as circom files."""
    r = R1CS.from_rows(4, 1, [{2: 1}], [{3: 1}], [{1: 1}],
                       meta={"n_pub_out": 0, "n_pub_in": 1, "n_prv_in": 2})
    return r, r1cs_to_bytes(r), wtns_to_bytes([1, 15, 3, 5])


def test_small_fixture_is_satisfied(small):
    r, rb, wb = small
    assert parse_r1cs(rb).first_unsatisfied(parse_wtns(wb)) is None


def _expect(data, parser, *words, name="bad.file"):
    with pytest.raises(CircomFormatError) as e:
        parser(data, name)
    msg = one_line_error(e, name)
    for w in words:
        assert w in msg, msg
    return msg


def test_every_truncation_of_r1cs_is_an_error(small):
    _, rb, _ = small
    for cut in range(len(rb)):
        _expect(rb[:cut], parse_r1cs)


def test_every_truncation_of_wtns_is_an_error(small):
    _, _, wb = small
    for cut in range(len(wb)):
        _expect(wb[:cut], parse_wtns_limbs)


def test_truncated_demo_files_are_errors():
    rb, wb = DEMO_R1CS.read_bytes(), DEMO_WTNS.read_bytes()
    for cut in (0, 3, 11, 12, 23, 24, 1000, len(rb) // 2, len(rb) - 1):
        _expect(rb[:cut], parse_r1cs)
    for cut in (0, 12, 40, 76, len(wb) - 32, len(wb) - 1):
        _expect(wb[:cut], parse_wtns_limbs)


def test_wrong_magic_and_version(small):
    _, rb, wb = small
    _expect(b"wtns" + rb[4:], parse_r1cs, "not a .r1cs file")
    _expect(b"r1cs" + wb[4:], parse_wtns_limbs, "not a .wtns file")
    _expect(rb[:4] + struct.pack("<I", 2) + rb[8:], parse_r1cs, "version 2")
    _expect(wb[:4] + struct.pack("<I", 3) + wb[8:], parse_wtns_limbs, "version 3")


def _r1cs_header(n8=32, prime=R, n_wires=4, out=0, pin=1, prv=2, labels=4, m=1):
    return struct.pack("<I", n8) + prime.to_bytes(n8, "little") + struct.pack("<IIIIQI", n_wires, out, pin, prv,
                                                                             labels, m)


def test_other_curve_prime_is_named(small):
    _, rb, wb = small
    msg = _expect(rebuild(rb, {1: _r1cs_header(prime=BLS12_381_R)}), parse_r1cs, "bls12381")
    assert "only bn128" in msg
    _expect(rebuild(rb, {1: _r1cs_header(n8=48, prime=BLS12_381_R)}), parse_r1cs, "bls12381")
    _expect(rebuild(rb, {1: _r1cs_header(prime=R + 2)}), parse_r1cs, "unknown prime")
    hdr = struct.pack("<I", 32) + BLS12_381_R.to_bytes(32, "little") + struct.pack("<I", 4)
    _expect(rebuild(wb, {1: hdr}), parse_wtns_limbs, "witness is over the bls12381 prime")


def test_r1cs_header_faults(small):
    _, rb, _ = small
    _expect(rebuild(rb, {1: _r1cs_header(n_wires=3)}), parse_r1cs)                 # wire 3 out of range
    _expect(rebuild(rb, {1: _r1cs_header(n_wires=3, prv=1, labels=3)}), parse_r1cs, "wire 3")
    _expect(rebuild(rb, {1: _r1cs_header(m=2)}), parse_r1cs, "constraints")
    _expect(rebuild(rb, {1: _r1cs_header(m=0)}), parse_r1cs, "left after")
    _expect(rebuild(rb, {1: _r1cs_header(pin=5)}), parse_r1cs, "exceeds nWires")
    _expect(rebuild(rb, {1: _r1cs_header(labels=2)}), parse_r1cs, "label")
    _expect(rebuild(rb, {1: _r1cs_header(m=1 << 31)}), parse_r1cs, "cannot hold")
    _expect(rebuild(rb, {1: _r1cs_header()[:-1]}), parse_r1cs, "truncated")
    _expect(rebuild(rb, {1: _r1cs_header() + b"\0"}), parse_r1cs, "section size")
    _expect(rebuild(rb, {1: _r1cs_header(n8=33)}), parse_r1cs, "field size")
    _expect(rebuild(rb, {1: None}), parse_r1cs, "missing section 1")
    _expect(rebuild(rb, {2: None}), parse_r1cs, "missing section 2")
    _expect(rebuild(rb, {3: b"\0" * 24}), parse_r1cs, "wire-to-label")


def test_r1cs_container_faults(small):
    _, rb, _ = small
    secs = sections_of(rb)
    _expect(build_binfile(b"r1cs", 1, secs + [secs[0]]), parse_r1cs, "appears 2 times")
    _expect(rb + b"\0", parse_r1cs, "after the last section")
    _expect(rb[:8] + struct.pack("<I", 0) + rb[12:], parse_r1cs, "section count")
    _expect(rb[:8] + struct.pack("<I", 1000) + rb[12:], parse_r1cs, "section count")
    # a section size pointing past the end
    _expect(rb[:16] + struct.pack("<Q", 1 << 40) + rb[24:], parse_r1cs, "truncated")


def test_coefficient_and_value_not_below_prime(small):
    _, rb, wb = small
    r = R1CS.from_rows(4, 1, [{2: 1}], [{3: 1}], [{1: 1}])
    payload = bytearray(constraints_payload(r).tobytes())
    payload[8:40] = R.to_bytes(32, "little")  # A's coefficient := r
    _expect(rebuild(rb, {2: bytes(payload)}), parse_r1cs, "constraint 0", "not below the prime")
    bad = wb[:-32] + R.to_bytes(32, "little")
    _expect(bad, parse_wtns_limbs, "witness value 3", "not below the prime")


def test_wtns_count_and_size_mismatch(small):
    _, _, wb = small
    hdr = dict(sections_of(wb))[1]
    _expect(rebuild(wb, {1: hdr[:-4] + struct.pack("<I", 5)}), parse_wtns_limbs, "expected nWitness 5")
    _expect(rebuild(wb, {1: hdr[:-4] + struct.pack("<I", 0), 2: b""}), parse_wtns_limbs, "empty")
    _expect(rebuild(wb, {2: None}), parse_wtns_limbs, "missing section 2")


def test_custom_gates_are_refused(small):
    _, rb, _ = small
    gates = struct.pack("<I", 1) + b"CMul\0" + struct.pack("<I", 0)
    blob = build_binfile(b"r1cs", 1, sections_of(rb) + [(4, gates), (5, struct.pack("<I", 0))])
    _expect(blob, parse_r1cs, "custom gate")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_byte_flips_give_a_format_error_or_a_valid_r1cs(small, data):
    _, rb, wb = small
    for blob, parser in ((rb, parse_r1cs), (wb, parse_wtns_limbs)):
        b = bytearray(blob)
        for _ in range(data.draw(st.integers(1, 4))):
            b[data.draw(st.integers(0, len(b) - 1))] ^= data.draw(st.integers(1, 255))
        try:
            parser(bytes(b), "fuzz")
        except CircomFormatError as e:
            assert "\n" not in str(e) and str(e).startswith("fuzz")


def test_missing_file_is_a_format_error(tmp_path):
    with pytest.raises(CircomFormatError, match="cannot read"):
        read_r1cs(tmp_path / "nope.r1cs")
    with pytest.raises(CircomFormatError, match="cannot read"):
        read_wtns(tmp_path / "nope.wtns")


def test_writer_rejects_out_of_range_values():
    with pytest.raises(ValueError):
        wtns_to_bytes([1, R])
    with pytest.raises(ValueError):
        wtns_to_bytes([1, -1])
    with pytest.raises(ValueError):
        wtns_to_bytes([])


# --- snarkjs accepts what we write (needs node + snarkjs) -------------------------------------------

@pytest.mark.node
def test_snarkjs_reads_our_r1cs_and_checks_our_wtns(snarkjs, demo, small, tmp_path):
    r1cs, wit = demo
    write_r1cs(r1cs, tmp_path / "demo.r1cs")
    write_wtns(wit, tmp_path / "demo.wtns")
    r, rb, wb = small
    (tmp_path / "small.r1cs").write_bytes(rb)
    (tmp_path / "small.wtns").write_bytes(wb)
    for name, n_constraints in (("demo", 961), ("small", 1)):
        info = subprocess.run(snarkjs + ["r1cs", "info", str(tmp_path / f"{name}.r1cs")],
                              capture_output=True, text=True, timeout=300)
        assert info.returncode == 0, info.stderr
        assert f"# of Constraints: {n_constraints}" in info.stdout, info.stdout
        chk = subprocess.run(snarkjs + ["wtns", "check", str(tmp_path / f"{name}.r1cs"),
                                        str(tmp_path / f"{name}.wtns")],
                             capture_output=True, text=True, timeout=300)
        assert chk.returncode == 0 and "WITNESS IS CORRECT" in chk.stdout, chk.stdout + chk.stderr


@pytest.mark.node
def test_snarkjs_rejects_a_bad_witness_we_write(snarkjs, small, tmp_path):
    _, rb, _ = small
    (tmp_path / "s.r1cs").write_bytes(rb)
    write_wtns([1, 16, 3, 5], tmp_path / "s.wtns")
    chk = subprocess.run(snarkjs + ["wtns", "check", str(tmp_path / "s.r1cs"), str(tmp_path / "s.wtns")],
                         capture_output=True, text=True, timeout=300)
    assert "WITNESS IS CORRECT" not in chk.stdout
