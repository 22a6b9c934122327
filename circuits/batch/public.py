"""The public-input commitment of a batch: one Poseidon hash, native and in the circuit.

The batch circuit has a single public input, ``commitment``, and the L1 contract model
recomputes it from the calldata it received (never from the operator). Both sides use
the functions of this module, so they cannot disagree. Definition (DESIGN section 6):

* **Effects.** Every slot of the batch contributes one fixed 4-tuple
  ``(kind, account, l1_address, amount)``: kind `EFFECT_NONE` (0) for slots with no
  L1-visible effect (Noop, Deposit, Trade, Liquidate, Settle) which contribute
  ``(0, 0, 0, 0)``; `EFFECT_WITHDRAWAL` (1) for a Withdraw; `EFFECT_FORCED` (2) for a
  ForcedWithdraw served (its amount may be less than requested, or 0). The slot order
  is the batch order, so there are exactly ``4 * n_slots`` values, and
  ``effects_hash = poseidon_sponge(flattened effects)``.
* **Deposits.** The L1 deposit queue is a rolling hash; consuming one deposit moves it
  ``h' = poseidon([h, account, pk_x, pk_y, amount])``. The empty queue's hash is
  `DEPOSIT_CHAIN_EMPTY` (0). The batch proves that it consumed, in queue order, the
  deposits between ``deposit_hash_old`` and ``deposit_hash_new``.
* **Commitment.** ``poseidon([old_root, new_root, batch_number, market_hash,
  oracle_hash, deposit_hash_old, deposit_hash_new, effects_hash])``. Poseidon's output
  is a field element, so the public input is already below r.

Every input must be a field element in [0, r) (the native functions raise ValueError
otherwise: an L1 contract must reject such calldata rather than reduce it silently).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

from ..cs import LC, ConstraintSystem, Operand
from ..field import check_elements
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..gadgets.poseidon import poseidon_sponge as poseidon_sponge_gadget
from ..poseidon import poseidon, poseidon_sponge

__all__ = [
    "EFFECT_NONE", "EFFECT_WITHDRAWAL", "EFFECT_FORCED", "EFFECT_WIDTH", "DEPOSIT_CHAIN_EMPTY",
    "COMMITMENT_FIELDS", "Effect", "NO_EFFECT", "flatten_effects", "effects_hash",
    "deposit_chain", "batch_commitment",
    "effects_hash_gadget", "deposit_chain_gadget", "batch_commitment_gadget",
]

EFFECT_NONE = 0
EFFECT_WITHDRAWAL = 1
EFFECT_FORCED = 2
EFFECT_WIDTH = 4
"""Values per slot in the flattened effects: (kind, account, l1_address, amount)."""

DEPOSIT_CHAIN_EMPTY = 0
"""Rolling hash of the empty deposit queue."""

COMMITMENT_FIELDS = ("old_root", "new_root", "batch_number", "market_hash", "oracle_hash",
                     "deposit_hash_old", "deposit_hash_new", "effects_hash")
"""The inputs of the commitment, in hashing order."""


@dataclass(frozen=True)
class Effect:
    """One slot's L1-visible effect. ``kind`` is EFFECT_NONE, EFFECT_WITHDRAWAL or EFFECT_FORCED."""

    kind: int = EFFECT_NONE
    account: int = 0
    l1_address: int = 0
    amount: int = 0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.kind, self.account, self.l1_address, self.amount)


NO_EFFECT = Effect()

EffectLike = Union[Effect, Sequence[int], None]


def _effect_tuple(e: EffectLike, i: int) -> tuple[int, ...]:
    if e is None:
        return NO_EFFECT.as_tuple()
    t = e.as_tuple() if isinstance(e, Effect) else tuple(e)
    if len(t) != EFFECT_WIDTH:
        raise ValueError(f"effect of slot {i} must be (kind, account, l1_address, amount), got {e!r}")
    if t[0] not in (EFFECT_NONE, EFFECT_WITHDRAWAL, EFFECT_FORCED):
        raise ValueError(f"effect of slot {i} has unknown kind {t[0]!r}")
    if t[0] == EFFECT_NONE and any(t[1:]):
        raise ValueError(f"effect of slot {i} has kind none but nonzero fields: {t!r}")
    return t


def flatten_effects(effects: Sequence[EffectLike], n_slots: Optional[int] = None) -> list[int]:
    """The 4 * n_slots values hashed by `effects_hash`, slot by slot.

    ``effects[i]`` is the effect of slot i: an `Effect`, a 4-tuple, or None (no effect).
    With ``n_slots``, the list is padded with no-effect slots up to n_slots (and a longer
    list is an error); without it, len(effects) is the number of slots.
    """
    effects = list(effects)
    if n_slots is not None:
        if len(effects) > n_slots:
            raise ValueError(f"{len(effects)} effects for a batch of {n_slots} slots")
        effects += [None] * (n_slots - len(effects))
    flat = [v for i, e in enumerate(effects) for v in _effect_tuple(e, i)]
    check_elements(flat, "effect value")
    return flat


def effects_hash(effects: Sequence[EffectLike], n_slots: Optional[int] = None) -> int:
    """poseidon_sponge of the flattened effects (see `flatten_effects`)."""
    return poseidon_sponge(flatten_effects(effects, n_slots))


def deposit_chain(h: int, account: int, pk_x: int, pk_y: int, amount: int) -> int:
    """The deposit rolling hash after consuming one deposit: poseidon([h, account, pk_x, pk_y, amount])."""
    return poseidon([h, account, pk_x, pk_y, amount])


def batch_commitment(*, old_root: int, new_root: int, batch_number: int, market_hash: int,
                     oracle_hash: int, deposit_hash_old: int, deposit_hash_new: int,
                     effects_hash: int) -> int:
    """The single public input of a batch proof (see the module docstring for the order)."""
    vals = [old_root, new_root, batch_number, market_hash, oracle_hash,
            deposit_hash_old, deposit_hash_new, effects_hash]
    for name, v in zip(COMMITMENT_FIELDS, vals):
        check_elements([v], name)
    return poseidon(vals)


# ---- in the circuit ---------------------------------------------------------------------

def effects_hash_gadget(cs: ConstraintSystem, flat: Sequence[Operand],
                        name: str = "effects_hash") -> LC:
    """poseidon_sponge of the flattened effects (4 values per slot), equal to `effects_hash`.

    The caller builds the 4-tuples (constrained by each slot's operation).

    Cost: 612 constraints per block of 16 values (4 slots), less 3 per constant value
    entering a block.
    """
    if len(flat) % EFFECT_WIDTH:
        raise ValueError(f"flattened effects must have 4 values per slot, got {len(flat)}")
    return poseidon_sponge_gadget(cs, flat, name=name)


def deposit_chain_gadget(cs: ConstraintSystem, h: Operand, account: Operand, pk_x: Operand,
                         pk_y: Operand, amount: Operand, name: str = "deposit_chain") -> LC:
    """poseidon([h, account, pk_x, pk_y, amount]), equal to `deposit_chain`.

    Cost: 321 constraints (Poseidon of 5 inputs).
    """
    return poseidon_gadget(cs, [h, account, pk_x, pk_y, amount], name=name)


def batch_commitment_gadget(cs: ConstraintSystem, *, old_root: Operand, new_root: Operand,
                            batch_number: Operand, market_hash: Operand, oracle_hash: Operand,
                            deposit_hash_old: Operand, deposit_hash_new: Operand,
                            effects_hash: Operand, name: str = "commitment") -> LC:
    """The commitment of `batch_commitment`, in the circuit. The caller equates it with the
    public input.

    Cost: 402 constraints (Poseidon of 8 inputs).
    """
    return poseidon_gadget(cs, [old_root, new_root, batch_number, market_hash, oracle_hash,
                                deposit_hash_old, deposit_hash_new, effects_hash], name=name)
