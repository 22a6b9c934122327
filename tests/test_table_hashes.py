"""Market and oracle table hashes are computed once per (immutable) table and always equal
the sponge of what the table hashes (the market encoding with its instrument ids; the packed
oracle table); a changed copy hashes anew."""
import dataclasses

from circuits.poseidon import poseidon_sponge
from zkrollup.market import Instrument
from zkrollup.risk import build_oracle_table

from rollup_helpers import EXPIRY, SPOT, T0, VOL, make_market


def test_market_hash_is_remembered_and_equals_the_sponge_of_its_encoding():
    m = make_market(4)
    assert m.hash() == poseidon_sponge(m.table().hash_inputs()) == m.table().hash()
    assert m.hash() == m.hash()
    other = m.with_instrument(3, Instrument.call(SPOT * 2, EXPIRY), 0)
    assert other.hash() == poseidon_sponge(other.table().hash_inputs()) != m.hash()
    assert other == dataclasses.replace(other) and dataclasses.replace(other).hash() == other.hash()
    elsewhere = dataclasses.replace(m, deployment_id=m.deployment_id + 1)    # the deployment is hashed
    assert elsewhere.hash() == poseidon_sponge(elsewhere.table().hash_inputs()) != m.hash()
    t = m.table()
    t2 = dataclasses.replace(t, liq_bonus_bps=t.liq_bonus_bps + 1)
    assert t.hash() == m.hash() and t2.hash() == poseidon_sponge(t2.hash_inputs()) != t.hash()


def test_oracle_hash_is_remembered_and_a_changed_copy_hashes_anew():
    t = build_oracle_table(make_market(4), T0, SPOT, VOL)
    h = t.hash()
    assert h == poseidon_sponge(t.packed()) and t.hash() == h
    moved = dataclasses.replace(t, spot=t.spot + 1)
    assert moved.hash() == poseidon_sponge(moved.packed()) != h
    assert moved != t and dataclasses.replace(moved, spot=t.spot) == t
