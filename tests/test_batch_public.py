"""The public input in the circuit against circuits.spec: record bits of every operation
equal `encode_record`, a variable outside its operations is refused by name, the header
is the canonical encoding (the alias x + r is refused), and the digest equals
`public_input` of the same bytes."""
import random

import pytest
from hypothesis import given, settings, strategies as st

from circuits.batch.public import data_hash_cost, bit_pattern, header_bits, public_input_gadget
from circuits.batch.records import RECORD_BITS, RECORD_VARS, RecordVar, placements, record_bits, record_value
from circuits.cs import LC, ConstraintSystem
from circuits.field import R
from circuits.gadgets.bits import bits_le
from circuits.spec import ops
from circuits.spec.liquidation import LIQ_STEP_BITS
from circuits.gadgets.data_hash import pack_record
from circuits.spec.public_input import HEADER_FIELDS, batch_data, header_bytes, public_input
from circuits.spec.solvency import CASH_FLOW_BITS, CASH_FLOW_OFFSET, DEFICIT_BITS, OI_BITS, trailer_bytes
from circuits.spec.records import FIXED_VALUES, LAYOUT, RECORD_BYTES, encode_record

BITS = {"a_account": 32, "b_account": 24, "amount": 64, "refunded": 1, "l1_paid": 160, "paid": 64, "slot": 3,
        "side_a": 1, "fill": 40, "price": 48, "rate_a": 32, "rate_b": 32, "oid_a": 48, "oid_b": 48,
        "liq_steps": LIQ_STEP_BITS}
GATED = {"refunded", "l1_paid", "paid", "liq_steps"}


def _record_circuit(op: int, values: dict[str, int]):
    cs = ConstraintSystem()
    sel = [cs.witness(f"sel{o}", int(o == op)) for o in range(ops.N_OPS)]
    variables = {}
    for key, n in BITS.items():
        v = cs.witness(key, values.get(key, 0))
        variables[key] = RecordVar(v, bits_le(cs, v, n, name=f"{key}_bits"), gated=key in GATED)
    return cs, record_bits(cs, sel, variables)


def _values(op: int, rnd: random.Random) -> tuple[dict, dict]:
    """Random field values of op's record, and the same keyed by slot variable."""
    fields, variables = {}, {}
    for f in LAYOUT[op]:
        key = RECORD_VARS[(op, f.name)]
        v = FIXED_VALUES.get((op, f.name), rnd.randrange(1 << BITS[key]))
        fields[f.name] = variables[key] = v
    return fields, variables


@pytest.mark.parametrize("op", range(ops.N_OPS), ids=ops.OP_NAMES)
def test_record_bits_equal_encode_record_for_every_operation(op):
    rnd = random.Random(op)
    for _ in range(3):
        fields, variables = _values(op, rnd)
        cs, bits = _record_circuit(op, variables)
        assert len(bits) == RECORD_BITS and cs.which_is_unsatisfied() is None
        assert record_value(cs, bits) == encode_record(op, **fields)


@pytest.mark.parametrize("op,key", [(ops.OP_NOOP, "a_account"), (ops.OP_WITHDRAW, "b_account"),
                                    (ops.OP_TRADE, "amount"), (ops.OP_CANCEL, "oid_b"), (ops.OP_DEPOSIT, "slot"),
                                    (ops.OP_SETTLE, "side_a"), (ops.OP_LIQUIDATE, "oid_a")])
def test_a_variable_outside_its_operations_fails_by_name(op, key):
    _, variables = _values(op, random.Random(1))
    variables[key] = 1
    cs, _ = _record_circuit(op, variables)
    assert cs.which_is_unsatisfied() == f"record.{key}_unused"


def test_placements_share_offsets_and_never_overlap_within_an_operation():
    pl = placements()
    assert pl["a_account"].ops == frozenset(range(1, ops.N_OPS))
    assert pl["oid_a"].ops == {ops.OP_TRADE, ops.OP_CANCEL} and pl["b_account"].offset == 5
    for op, fields in LAYOUT.items():
        keys = [RECORD_VARS[(op, f.name)] for f in fields]
        assert len(keys) == len(set(keys))


# --- header and digest ---------------------------------------------------------------------------

def _header_circuit(values):
    cs = ConstraintSystem()
    bits = header_bits(cs, {n: cs.witness(n, values[n]) for n in HEADER_FIELDS})
    return cs, bits


def test_header_bits_are_the_canonical_bytes():
    vals = dict(zip(HEADER_FIELDS, [0, 1, R - 1, 2 ** 253, 12345]))
    cs, bits = _header_circuit(vals)
    assert cs.which_is_unsatisfied() is None
    assert bytes(sum(cs.value(bits[i + k]) << (7 - k) for k in range(8)) for i in range(0, len(bits), 8)) == \
        header_bytes(**vals)


def test_the_alias_x_plus_r_of_a_header_field_is_refused(monkeypatch):
    """A prover decomposing old_root + r (< 2^254, the same element modulo r) to post other
    bytes than L1's: only the order check against r - 1 catches it."""
    import circuits.gadgets.bits as bits_mod
    real = bits_mod._low_bits
    monkeypatch.setattr(bits_mod, "_low_bits", lambda v, n: real(v + R if v == 5 else v, n))
    cs, bits = _header_circuit(dict(zip(HEADER_FIELDS, [5, 1, 2, 3, 4])))
    assert cs.which_is_unsatisfied().startswith("header.f0.lt_r")
    assert sum(cs.value(b) << (255 - i) for i, b in enumerate(bits[:256])) == 5 + R


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(0, R - 1), min_size=5, max_size=5), st.integers(0, 2),
       st.integers(0, 2 ** DEFICIT_BITS - 1), st.integers(-2 ** 127, 2 ** 127 - 1),
       st.lists(st.integers(0, 2 ** OI_BITS - 1), min_size=1, max_size=3))
def test_the_digest_equals_public_input_of_the_same_bytes(header, n, deficit, flow, oi):
    vals = dict(zip(HEADER_FIELDS, header))
    records = [encode_record(ops.OP_CANCEL, account=i, order_id=i + 1) for i in range(n)]
    cs = ConstraintSystem()
    hb = header_bits(cs, {k: cs.witness(k, v) for k, v in vals.items()})
    rb = [[LC.constant((r[j // 8] >> (7 - j % 8)) & 1) for j in range(8 * RECORD_BYTES)] for r in records]
    tb = pack_record(cs, [(cs.witness("deficit", deficit), DEFICIT_BITS),
                          (cs.witness("flow", flow) + CASH_FLOW_OFFSET, CASH_FLOW_BITS)]
                     + [(cs.witness(f"oi{k}", x), OI_BITS) for k, x in enumerate(oi + oi)], name="trailer")
    d = public_input_gadget(cs, hb, rb, tb)
    assert cs.which_is_unsatisfied() is None
    assert cs.value(d) == public_input(batch_data(header_bytes(**vals), records, trailer_bytes(deficit, flow, oi)))


def test_data_hash_cost_counts_the_built_gadget():
    cs = ConstraintSystem(solve=False)
    hb = header_bits(ConstraintSystem(solve=False), {k: cs.witness(k) for k in HEADER_FIELDS})
    rec = [cs.witness(f"r{i}") for i in range(8 * RECORD_BYTES)]
    tail = [cs.witness(f"t{i}") for i in range(DEFICIT_BITS)]
    before = cs.num_constraints
    public_input_gadget(cs, hb, [rec], tail)
    assert cs.num_constraints - before == data_hash_cost(bit_pattern(hb) + bit_pattern(rec) + bit_pattern(tail))
