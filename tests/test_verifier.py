"""verifier/: snarkjs JSON parsing and Groth16 verification, accepting and rejecting the right things.

The snarkjs vectors (tests/vectors/circom, from ../shared/vectors/circom: circom 2.2.3 +
snarkjs 0.7.6) must verify; every malformed input must raise VerifierInputError (one line,
naming the field), every well-formed wrong proof must give False.
"""
import copy
import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from py_ecc import optimized_bn128 as ob

from circuits.r1cs import R1CS
from prover.ref import curves as C
from prover.ref import textbook as ref
from prover.ref.fields import Q, R
from verifier import snarkjs_json as sj
from verifier.errors import VerifierInputError
from verifier.groth16 import Proof, VerifyingKey, verify

VEC = Path(__file__).parent / "vectors" / "circom"
VK_TEXT = (VEC / "verification_key.json").read_text()
PROOF_TEXT = (VEC / "proof.json").read_text()
PUBLIC_TEXT = (VEC / "public.json").read_text()
VK_JSON, PROOF_JSON, PUBLIC_JSON = json.loads(VK_TEXT), json.loads(PROOF_TEXT), json.loads(PUBLIC_TEXT)


@pytest.fixture(scope="module")
def vk():
    return sj.vk_from_json(VK_TEXT)


@pytest.fixture(scope="module")
def proof():
    return sj.proof_from_json(PROOF_TEXT)


@pytest.fixture(scope="module")
def public():
    return sj.public_from_json(PUBLIC_TEXT, 2)


def g1_json(p):
    return ["0", "1", "0"] if p is None else [str(p[0]), str(p[1]), "1"]


def g2_json(p):
    (x0, x1), (y0, y1) = p
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def outside_g2():
    """A point on the twist curve that is not in the order-r subgroup."""
    i = 0
    while True:
        p = C.g2_lift_x((i, 1))
        if p is not None and not C.g2_in_subgroup(p):
            return p
        i += 1


def with_field(obj, path, value):
    out = copy.deepcopy(obj)
    target = out
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return out


def rejects(fn, *args, match):
    with pytest.raises(VerifierInputError, match=match) as e:
        fn(*args)
    assert "\n" not in str(e.value)
    return str(e.value)


# --- the snarkjs vectors ------------------------------------------------------------------------

def test_snarkjs_proof_verifies(vk, proof, public):
    assert public[1] == 33
    assert verify(vk, public, proof)


def test_snarkjs_files_verify_through_verify_files():
    assert sj.verify_files(VEC / "verification_key.json", VEC / "public.json", VEC / "proof.json")


def test_json_writers_reproduce_snarkjs_files(vk, proof, public):
    # vk_alphabeta_12 included: our Fq12 tower layout and pairing power match snarkjs's
    assert sj.vk_to_json(vk) == VK_JSON
    assert sj.dumps(sj.vk_to_json(vk)) == VK_TEXT
    assert sj.proof_to_json(proof) == PROOF_JSON
    assert sj.public_to_json(public) == PUBLIC_JSON


def test_fq12_tower_conversion_round_trips():
    f = ob.FQ12(list(range(3, 15)))
    assert sj.tower_to_fq12(sj.fq12_to_tower(f)) == f


def test_write_and_read_files_round_trip(tmp_path, vk, proof, public):
    sj.write_proof(tmp_path / "p.json", proof)
    sj.write_public(tmp_path / "x.json", public)
    assert sj.read_proof(tmp_path / "p.json") == proof
    assert sj.read_public(tmp_path / "x.json", 2) == public


# --- well-formed but wrong: False ---------------------------------------------------------------

def test_changed_public_input_fails(vk, proof, public):
    assert not verify(vk, [public[0], public[1] + 1], proof)


@pytest.mark.parametrize("which", ["a", "b", "c"])
def test_tampered_proof_fails(vk, proof, public, which):
    gen, add = (C.G2_GEN, C.g2_add) if which == "b" else (C.G1_GEN, C.g1_add)
    tampered = dataclasses.replace(proof, **{which: add(getattr(proof, which), gen)})
    assert not verify(vk, public, tampered)


def test_another_verifying_key_fails(proof, public):
    # a key of our reference setup for another circuit with 2 public inputs
    r1cs = R1CS.from_rows(4, 2, [{3: 1}, {3: 1}], [{0: 1}, {3: 1}], [{1: 1}, {2: 1}])
    other = ref.setup(r1cs, ref.ToxicWaste(11, 12, 13, 14, 15)).vk
    assert not verify(VerifyingKey(**dataclasses.asdict(other)), public, proof)


def test_proof_points_at_infinity_parse_and_fail(vk, public):
    doc = with_field(PROOF_JSON, ["pi_a"], ["0", "1", "0"])
    doc = with_field(doc, ["pi_b"], [["0", "0"], ["1", "0"], ["0", "0"]])
    p = sj.proof_from_json(doc)
    assert p.a is None and p.b is None
    assert not verify(vk, public, p)


# --- malformed: VerifierInputError --------------------------------------------------------------

@pytest.mark.parametrize("field", ["pi_a", "pi_c"])
def test_g1_point_off_the_curve_is_rejected(field):
    x, y, _ = PROOF_JSON[field]
    msg = rejects(sj.proof_from_json, with_field(PROOF_JSON, [field], [x, str((int(y) + 1) % Q), "1"]),
                  match="not on the curve")
    assert field in msg


def test_g2_point_off_the_twist_is_rejected():
    doc = with_field(PROOF_JSON, ["pi_b", 1, 0], str((int(PROOF_JSON["pi_b"][1][0]) + 1) % Q))
    rejects(sj.proof_from_json, doc, match="pi_b.*not on the twist")


def test_g2_point_outside_the_subgroup_is_rejected():
    p = outside_g2()
    assert ob.is_on_curve(C.g2_to_py_ecc(p), ob.b2)
    rejects(sj.proof_from_json, with_field(PROOF_JSON, ["pi_b"], g2_json(p)), match="pi_b.*subgroup")
    for field in ("vk_beta_2", "vk_gamma_2", "vk_delta_2"):
        rejects(sj.vk_from_json, with_field(VK_JSON, [field], g2_json(p)), match=f"{field}.*subgroup")
    # and through the dataclass API
    with pytest.raises(VerifierInputError, match="proof.b.*subgroup"):
        verify(sj.vk_from_json(VK_TEXT), [1, 2], Proof(a=C.G1_GEN, b=p, c=C.G1_GEN))


def test_vk_points_off_the_curve_are_rejected():
    rejects(sj.vk_from_json, with_field(VK_JSON, ["vk_alpha_1", 0], "5"), match="vk_alpha_1.*not on the curve")
    rejects(sj.vk_from_json, with_field(VK_JSON, ["IC", 2, 1], "5"), match=r"IC\[2\].*not on the curve")


def test_public_input_not_below_r_is_rejected(vk, proof, public):
    rejects(sj.public_from_json, [str(R), "33"], match="public input 0.*below r")
    rejects(verify, vk, [public[0] + R, public[1]], proof, match="public input 0")
    rejects(verify, vk, [-1, public[1]], proof, match="public input 0")
    assert not verify(vk, [R - 1, public[1]], proof)      # r - 1 is a legal (wrong) input


@pytest.mark.parametrize("values", [[], ["1"], ["1", "2", "3"]])
def test_wrong_number_of_public_inputs_is_rejected(vk, proof, values):
    rejects(sj.public_from_json, values, 2, match="expects 2")
    rejects(verify, vk, [int(v) for v in values], proof, match="expects 2")


@pytest.mark.parametrize("bad", ["0x21", "-1", "1e3", " 33", "33 ", "3_3", "", "٣", 33.0, True, None, [33]])
def test_public_input_must_be_a_decimal_string(bad):
    rejects(sj.public_from_json, [PUBLIC_JSON[0], bad], match="public input 1")


@pytest.mark.parametrize("path, value, match", [
    (["pi_a", 0], str(Q), r"pi_a\[0\].*below q"),
    (["pi_a", 0], str(int(PROOF_JSON["pi_a"][0]) + Q), r"pi_a\[0\].*below q"),
    (["pi_a", 2], "2", "pi_a.*projective z"),
    (["pi_a", 2], "0", "pi_a.*projective z"),
    (["pi_b", 2], ["2", "0"], "pi_b.*projective z"),
    (["pi_b", 0, 1], str(Q), r"pi_b\[0\]\[1\].*below q"),
    (["pi_c"], ["1", "2"], "pi_c.*list of 3"),
    (["pi_b", 0], ["1"], r"pi_b\[0\].*list of 2"),
    (["pi_c", 1], 2.5, r"pi_c\[1\]"),
    (["protocol"], "plonk", "protocol"),
    (["curve"], "bls12381", "curve"),
])
def test_malformed_proof_fields_are_rejected(path, value, match):
    rejects(sj.proof_from_json, with_field(PROOF_JSON, path, value), match=match)


@pytest.mark.parametrize("path, value, match", [
    (["protocol"], "fflonk", "protocol"),
    (["curve"], "bls12381", "curve"),
    (["nPublic"], 3, "IC must list"),
    (["nPublic"], -1, "nPublic"),
    (["nPublic"], True, "nPublic"),
    (["IC"], [], "IC must list"),
    (["vk_alpha_1"], ["0", "1", "0"], "vk_alpha_1.*infinity"),
    (["vk_delta_2"], [["0", "0"], ["1", "0"], ["0", "0"]], "vk_delta_2.*infinity"),
    (["vk_gamma_2", 2], ["1", "1"], "vk_gamma_2.*projective z"),
    (["vk_alphabeta_12", 1, 2], ["1"], r"vk_alphabeta_12\[1\]\[2\]"),
    (["vk_alphabeta_12", 0, 0, 0], str(Q), r"vk_alphabeta_12\[0\]\[0\]\[0\].*below q"),
])
def test_malformed_vk_fields_are_rejected(path, value, match):
    rejects(sj.vk_from_json, with_field(VK_JSON, path, value), match=match)


@pytest.mark.parametrize("key", ["curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2",
                                 "vk_delta_2", "IC"])
def test_vk_missing_field_is_rejected(key):
    doc = copy.deepcopy(VK_JSON)
    del doc[key]
    rejects(sj.vk_from_json, doc, match=key)


def test_vk_files_snarkjs_accepts_are_accepted():
    """snarkjs reads a vk without 'protocol' and normalises the curve's name (upper case,
    letters and digits): so do we (found by an adversarial review)."""
    base = sj.vk_from_json(VK_JSON)
    doc = copy.deepcopy(VK_JSON)
    del doc["protocol"]
    assert sj.vk_from_json(doc) == base
    for name in ("BN254", "bn-128", "Alt_BN128", "bn254"):
        assert sj.vk_from_json(with_field(VK_JSON, ["curve"], name)) == base
    for name in ("bn25", "bls12_381", 254, None):
        rejects(sj.vk_from_json, with_field(VK_JSON, ["curve"], name), match="curve")


@pytest.mark.parametrize("text", [PROOF_TEXT[: len(PROOF_TEXT) // 2], "", "garbage", "[]", "null", "{}",
                                  b"\xff\xfe\x00", "[" * 100000, '{"pi_a": 1e999}'])
def test_truncated_or_garbage_proof_json_is_rejected(text):
    rejects(sj.proof_from_json, text, match="proof: ")


def test_truncated_vk_and_public_json_are_rejected():
    rejects(sj.vk_from_json, VK_TEXT[:-2], match="invalid JSON")
    rejects(sj.public_from_json, PUBLIC_TEXT[:20], match="invalid JSON")
    rejects(sj.public_from_json, '{"0": "1"}', match="expected a JSON list")


def test_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.json"
    rejects(sj.read_vk, missing, match="nope.json: cannot read")
    bad = tmp_path / "proof.json"
    bad.write_text(PROOF_TEXT[:100])
    rejects(sj.read_proof, bad, match="proof.json: invalid JSON")


@settings(max_examples=50, deadline=None)
@given(st.integers(0, len(PROOF_TEXT) - 1), st.sampled_from(list("0123456789[]{},\":x ")))
def test_corrupted_proof_json_never_raises_anything_else(pos, ch):
    text = PROOF_TEXT[:pos] + ch + PROOF_TEXT[pos + 1:]
    try:
        p = sj.proof_from_json(text)
    except VerifierInputError as e:
        assert "\n" not in str(e)
    else:
        assert isinstance(p, Proof)


@pytest.mark.parametrize("proof_kw, match", [
    ({"a": (1, 2, 3)}, "proof.a: expected a pair"),
    ({"a": (1, "2")}, r"proof.a.y"),
    ({"a": (True, 2)}, r"proof.a.x"),
    ({"c": (1, 2 + Q)}, r"proof.c.y"),
    ({"b": ((1, 2), (3,))}, r"proof.b.y: expected a pair"),
])
def test_dataclass_inputs_are_validated(vk, public, proof_kw, match):
    p = dataclasses.replace(sj.proof_from_json(PROOF_TEXT), **proof_kw)
    rejects(verify, vk, public, p, match=match)


def test_verify_rejects_wrong_argument_types(vk, proof, public):
    rejects(verify, VK_JSON, public, proof, match="expected a VerifyingKey")
    rejects(verify, vk, public, PROOF_JSON, match="expected a Proof")
    rejects(verify, vk, "33", proof, match="expected a list")


def test_json_nesting_check_is_linear_on_hostile_input():
    """Many unterminated quotes and backslashes once made the pre-parse scan quadratic."""
    import time
    from verifier.snarkjs_json import vk_from_json
    t = time.perf_counter()
    with pytest.raises(VerifierInputError):
        vk_from_json('"\\' * 200_000)
    assert time.perf_counter() - t < 5
