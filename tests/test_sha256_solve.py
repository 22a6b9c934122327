"""The solve-only replay of a SHA-256 compression (`circuits.gadgets.sha256_solve`) against
the gadget itself: the same wires with the same values, the same count of constraints, the
same outputs (values and shapes), on random blocks and states with random constant bits;
and it steps aside (the gadget then names the failing constraint) for wrong hints,
non-boolean bits and linearly dependent input bits."""
import hashlib
import random

import pytest
from hypothesis import given, settings, strategies as st

from circuits.cs import LC, ConstraintSystem
from circuits.gadgets import sha256 as sh
from circuits.gadgets import sha256_solve, sha256_words as sw


def _bit(cs, v, const, name):
    return LC.constant(v) if const else cs.witness(name, v)


def _compress_both(state, block, make_bit=_bit):
    """Build one compression in a solve-only system (the replay) and in a recording one (the
    gadget); returns both systems and outputs."""
    out = []
    for record in (False, True):
        cs = ConstraintSystem(solve=True, record=record)
        s = [make_bit(cs, v, c, f"s{i}") for i, (v, c) in enumerate(state)]
        b = [make_bit(cs, v, c, f"m{i}") for i, (v, c) in enumerate(block)]
        out.append((cs, sh.sha256_compress(cs, s, b)))
    return out


def _same(fast, slow):
    (cf, of), (cr, orr) = fast, slow
    assert cf.witness_values() == cr.witness_values()
    assert cf.num_constraints == cr.num_constraints and cf.num_variables == cr.num_variables
    assert [(x.val, x.constant_value(), x.single_var()) for x in of] == \
           [(x.val, x.constant_value(), x.single_var()) for x in orr]
    assert cf.which_is_unsatisfied() == cr.which_is_unsatisfied()


def _replays(monkeypatch):
    taken = []
    real = sha256_solve.compress_values

    def spy(*a):
        r = real(*a)
        taken.append(r is not None)
        return r
    monkeypatch.setattr(sh, "compress_values", spy)
    return taken


bits = st.lists(st.tuples(st.integers(0, 1), st.booleans()), min_size=512, max_size=512)


@settings(max_examples=6, deadline=None)
@given(block=bits, state_kind=st.sampled_from(["iv", "variable", "mixed"]), seed=st.integers(0, 2**32))
def test_the_replay_gives_the_gadgets_witness_and_outputs(block, state_kind, seed):
    rnd = random.Random(seed)
    if state_kind == "iv":
        state = [((v >> (31 - j)) & 1, True) for v in sh.IV for j in range(32)]
    else:
        state = [(rnd.randrange(2), state_kind == "mixed" and rnd.random() < 0.3) for _ in range(256)]
    fast, slow = _compress_both(state, block)
    _same(fast, slow)
    assert fast[0].num_constraints > 0


@pytest.mark.parametrize("pattern", ["all_constant", "all_variable", "constant_words"])
def test_constant_patterns_and_the_replay_is_taken(monkeypatch, pattern):
    rnd = random.Random(pattern)
    taken = _replays(monkeypatch)
    const = {"all_constant": lambda i: True, "all_variable": lambda i: False,
             "constant_words": lambda i: (i // 32) % 2 == 0}[pattern]
    block = [(rnd.randrange(2), const(i)) for i in range(512)]
    state = [((v >> (31 - j)) & 1, True) for v in sh.IV for j in range(32)]
    _same(*_compress_both(state, block))
    assert taken == [True, False]           # the solve-only system replayed, the recording one built


def test_the_digest_of_a_message_equals_hashlib_and_the_gadgets_witness():
    msg = bytes(random.Random(5).randrange(256) for _ in range(150))
    systems = []
    for record in (False, True):
        cs = ConstraintSystem(solve=True, record=record)
        inp = [cs.witness(f"m{i}", b) for i, b in enumerate(sh.bytes_to_bits_be(msg))]
        digest = sh.sha256_bits(cs, inp)
        assert sh.bits_be_to_bytes([cs.value(b) for b in digest]) == hashlib.sha256(msg).digest()
        systems.append(cs)
    assert systems[0].witness_values() == systems[1].witness_values()
    assert systems[0].num_constraints == systems[1].num_constraints


def test_bits_that_share_wires_independently_are_replayed(monkeypatch):
    """Bits that are sums of one-hot flags (an operation code's bits) share wires but are
    independent: the replay runs and still agrees."""
    taken = _replays(monkeypatch)
    rnd = random.Random(9)
    block = [(rnd.randrange(2), False) for _ in range(512)]
    state = [((v >> (31 - j)) & 1, True) for v in sh.IV for j in range(32)]
    out = []
    for record in (False, True):
        cs = ConstraintSystem(solve=True, record=record)
        flags = [cs.witness(f"f{k}", int(k == 5)) for k in range(8)]           # code 5 = 0b101
        code = [sum((flags[k] for k in range(8) if k >> j & 1), LC.constant(0)) for j in range(3)]
        b = code + [cs.witness(f"m{i}", v) for i, (v, _) in enumerate(block[3:])]
        s = [LC.constant(v) for v, _ in state]
        out.append((cs, sh.sha256_compress(cs, s, b)))
    _same(*out)
    assert taken == [True, False]


def test_dependent_input_bits_are_left_to_the_gadget(monkeypatch):
    """A bit and its complement (x, 1 - x) can cancel in the gadget's LCs: the replay declines
    and the witness is still the gadget's."""
    taken = _replays(monkeypatch)
    out = []
    for record in (False, True):
        cs = ConstraintSystem(solve=True, record=record)
        x = cs.witness("x", 1)
        b = [x, 1 - x] + [cs.witness(f"m{i}", i % 2) for i in range(510)]
        s = [LC.constant((v >> (31 - j)) & 1) for v in sh.IV for j in range(32)]
        out.append((cs, sh.sha256_compress(cs, s, b)))
    _same(*out)
    assert taken == [False, False]


def test_a_wrong_hint_is_left_to_the_gadget_which_names_the_constraint(monkeypatch):
    real = sw._bits_of
    monkeypatch.setattr(sw, "_bits_of", lambda v, n: [1 - b if i == 3 else b for i, b in enumerate(real(v, n))])
    rnd = random.Random(1)
    block = [(rnd.randrange(2), False) for _ in range(512)]
    state = [((v >> (31 - j)) & 1, True) for v in sh.IV for j in range(32)]
    fast, slow = _compress_both(state, block)
    assert fast[0].which_is_unsatisfied() == slow[0].which_is_unsatisfied() is not None
    assert fast[0].witness_values() == slow[0].witness_values()


def test_numpy_integer_hints_give_the_gadgets_witness(monkeypatch):
    import numpy as np
    real = sw._bits_of
    monkeypatch.setattr(sw, "_bits_of", lambda v, n: [np.int64(b) for b in real(v, n)])
    rnd = random.Random(2)
    block = [(rnd.randrange(2), False) for _ in range(512)]
    state = [((v >> (31 - j)) & 1, True) for v in sh.IV for j in range(32)]
    _same(*_compress_both(state, block))


def test_a_non_boolean_input_is_left_to_the_gadget(monkeypatch):
    taken = _replays(monkeypatch)
    out = []
    for record in (False, True):
        cs = ConstraintSystem(solve=True, record=record)
        msg = [cs.witness(f"m{i}", 2 if i == 7 else 0) for i in range(64)]
        sh.sha256_bits(cs, msg)
        out.append(cs)
    assert out[0].which_is_unsatisfied() == out[1].which_is_unsatisfied() == "sha256.bool7"
    assert out[0].witness_values() == out[1].witness_values()
    assert taken == [False, False]


def test_append_solved_only_in_a_solve_only_system():
    with pytest.raises(RuntimeError):
        ConstraintSystem(solve=True).append_solved([1], 1)
    cs = ConstraintSystem(solve=True, record=False)
    first = cs.append_solved([5, 6], 3)
    assert (first, cs.num_variables, cs.num_constraints) == (1, 3, 3)
