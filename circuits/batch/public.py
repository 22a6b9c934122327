"""The public-input commitment of a batch (v2): one Poseidon hash, native and in the circuit.

The batch circuit has a single public input, ``commitment``, and the L1 contract model
recomputes it from the calldata it received and its own queues (never from the operator).
Both sides use the functions of this module, so they cannot disagree. Definitions
(docs/batch_circuit.md, "Public commitment"):

* **Effects** (L1-visible, paid by the contract): kind `EFFECT_WITHDRAWAL` (1) for a
  Withdraw, `EFFECT_FORCED` (2) for a ForcedWithdraw served (amount paid, possibly 0);
  every other slot has none (`EFFECT_NONE`). The effects of a batch, in batch order, are
  hashed as a rolling chain over the actual effects only (slots without one leave it):

      eh' = Poseidon([eh, kind + 2^2 * account + 2^34 * amount, l1_address])

  starting from `EFFECTS_CHAIN_EMPTY` (0). The packing is one-to-one because kind < 4,
  account < 2^32 and amount < 2^64 (the circuit range-checks each), so this is
  Poseidon([eh, kind, account, l1_address, amount]) in three inputs (cheaper on L1 and
  in the circuit). L1 hashes only the effects it pays: no cost per trade.
* **Deposits.** The L1 deposit queue is a rolling hash; consuming one deposit moves it
  ``h' = Poseidon([h, account, pk_x, pk_y, amount])``, from `DEPOSIT_CHAIN_EMPTY` (0).
* **Forced withdrawals.** L1 verifies a request's EdDSA signature (message
  `forced_request_message`) under the requester's key pk, which must be a non-identity
  point of Baby Jubjub's prime-order subgroup, when it queues the request, and extends
  the forced-request chain

      fh' = Poseidon([fh, account + 2^32 * amount, pk_x, nonce, l1_address])

  from `FORCED_CHAIN_EMPTY` (0). Equivalent to Poseidon([fh, account, pk_x, pk_y,
  l1_address, amount, nonce]): account < 2^32 and amount < 2^64 pack one-to-one, and in
  the prime-order subgroup x determines the point (the other point with the same x,
  (x, -y) = -P + (0, -1), lies outside the subgroup), so pk_y adds nothing. The batch
  proves that its ForcedWithdraw slots consumed, in queue order, exactly the requests
  between ``forced_hash_old`` and ``forced_hash_new``.
* **Commitment.**

      Poseidon([Poseidon([old_root, new_root, batch_number, market_hash, oracle_hash]),
                deposit_hash_old, deposit_hash_new, forced_hash_old, forced_hash_new,
                effects_hash])

  Two widths the L1 hashes cheaply (T6 and T7) instead of one T11. Poseidon's output is a
  field element, so the public input is already below r.

Every input must be a field element in [0, r) (the native functions raise ValueError
otherwise: an L1 contract must reject such calldata rather than reduce it silently).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

from ..cs import LC, ConstraintSystem, Operand
from ..field import check_elements
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..poseidon import poseidon

__all__ = [
    "EFFECT_NONE", "EFFECT_WITHDRAWAL", "EFFECT_FORCED", "EFFECT_WIDTH", "DEPOSIT_CHAIN_EMPTY",
    "FORCED_CHAIN_EMPTY", "EFFECTS_CHAIN_EMPTY", "COMMITMENT_FIELDS", "Effect", "NO_EFFECT",
    "ACCOUNT_PACK_BITS", "AMOUNT_PACK_BITS", "TAG_FORCED_REQUEST",
    "flatten_effects", "listed_effects", "pack_effect", "effect_chain", "effects_hash",
    "deposit_chain", "forced_request_message", "forced_chain", "batch_commitment",
    "effect_chain_gadget", "deposit_chain_gadget", "forced_chain_gadget", "batch_commitment_gadget",
]

EFFECT_NONE = 0
EFFECT_WITHDRAWAL = 1
EFFECT_FORCED = 2
EFFECT_WIDTH = 4
"""Values of one effect: (kind, account, l1_address, amount)."""

ACCOUNT_PACK_BITS = 32
AMOUNT_PACK_BITS = 64
"""Widths the packings rely on (accounts in messages, deposit / withdrawal amounts)."""
_KIND_BITS = 2

DEPOSIT_CHAIN_EMPTY = 0
"""Rolling hash of the empty deposit queue."""
FORCED_CHAIN_EMPTY = 0
"""Rolling hash of the empty forced-request queue."""
EFFECTS_CHAIN_EMPTY = 0
"""Effects hash of a batch without L1-visible effects."""

TAG_FORCED_REQUEST = 4
"""Domain tag of the forced-withdrawal message (as zkrollup.ops.messages)."""

COMMITMENT_FIELDS = ("old_root", "new_root", "batch_number", "market_hash", "oracle_hash",
                     "deposit_hash_old", "deposit_hash_new", "forced_hash_old", "forced_hash_new",
                     "effects_hash")
"""The inputs of the commitment (the first five hashed together first, see the docstring)."""


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


def _padded(effects: Sequence[EffectLike], n_slots: Optional[int]) -> list:
    effects = list(effects)
    if n_slots is not None:
        if len(effects) > n_slots:
            raise ValueError(f"{len(effects)} effects for a batch of {n_slots} slots")
        effects += [None] * (n_slots - len(effects))
    return effects


def flatten_effects(effects: Sequence[EffectLike], n_slots: Optional[int] = None) -> list[int]:
    """The 4-tuples of every slot, flattened (no-effect slots as zeros), checked. Kept for
    callers that list a batch's effects per slot; the hash is `effects_hash`."""
    flat = [v for i, e in enumerate(_padded(effects, n_slots)) for v in _effect_tuple(e, i)]
    check_elements(flat, "effect value")
    return flat


def listed_effects(effects: Sequence[EffectLike], n_slots: Optional[int] = None) -> list[Effect]:
    """The actual effects (kind != none), in order, checked: the ones `effects_hash` chains.

    ``effects[i]`` is the effect of slot i: an `Effect`, a 4-tuple, or None. With
    ``n_slots``, a list longer than n_slots is an error."""
    out = []
    for i, e in enumerate(_padded(effects, n_slots)):
        t = _effect_tuple(e, i)
        if t[0] == EFFECT_NONE:
            continue
        kind, account, l1, amount = t
        if not 0 <= account < (1 << ACCOUNT_PACK_BITS):
            raise ValueError(f"effect of slot {i}: account must be in [0, 2^{ACCOUNT_PACK_BITS})")
        if not 0 <= amount < (1 << AMOUNT_PACK_BITS):
            raise ValueError(f"effect of slot {i}: amount must be in [0, 2^{AMOUNT_PACK_BITS})")
        check_elements([l1], "effect value")
        out.append(Effect(kind, account, l1, amount))
    return out


def pack_effect(kind: int, account: int, amount: int) -> int:
    """kind + 2^2 * account + 2^34 * amount (one-to-one for kind < 4, account < 2^32, amount < 2^64)."""
    return kind + (account << _KIND_BITS) + (amount << (_KIND_BITS + ACCOUNT_PACK_BITS))


def effect_chain(h: int, e: Effect) -> int:
    """The effects hash after one more effect: Poseidon([h, pack_effect(...), l1_address])."""
    check_elements([h], "effects hash")
    return poseidon([h, pack_effect(e.kind, e.account, e.amount), e.l1_address])


def effects_hash(effects: Sequence[EffectLike], n_slots: Optional[int] = None) -> int:
    """The rolling chain over the actual effects, in order (see the module docstring).
    Slots without an effect (None or kind none) do not change it; ``n_slots`` only checks
    the length."""
    h = EFFECTS_CHAIN_EMPTY
    for e in listed_effects(effects, n_slots):
        h = effect_chain(h, e)
    return h


def deposit_chain(h: int, account: int, pk_x: int, pk_y: int, amount: int) -> int:
    """The deposit rolling hash after consuming one deposit: poseidon([h, account, pk_x, pk_y, amount])."""
    return poseidon([h, account, pk_x, pk_y, amount])


def forced_request_message(account: int, amount: int, nonce: int, l1_address: int) -> int:
    """What the requester signs: Poseidon([4, account, amount, nonce, l1_address])
    (= zkrollup.ops.messages.forced_withdraw_message)."""
    return poseidon([TAG_FORCED_REQUEST, account, amount, nonce, l1_address])


def forced_chain(h: int, account: int, pk_x: int, amount: int, nonce: int, l1_address: int) -> int:
    """The forced-request rolling hash after one more request:
    Poseidon([h, account + 2^32 * amount, pk_x, nonce, l1_address]). The caller (L1) has
    checked the key is in the prime-order subgroup and verified the signature."""
    if not 0 <= account < (1 << ACCOUNT_PACK_BITS):
        raise ValueError(f"forced request account must be in [0, 2^{ACCOUNT_PACK_BITS})")
    if not 0 <= amount < (1 << AMOUNT_PACK_BITS):
        raise ValueError(f"forced request amount must be in [0, 2^{AMOUNT_PACK_BITS})")
    check_elements([h, pk_x, nonce, l1_address], "forced request field")
    return poseidon([h, account + (amount << ACCOUNT_PACK_BITS), pk_x, nonce, l1_address])


def batch_commitment(*, old_root: int, new_root: int, batch_number: int, market_hash: int,
                     oracle_hash: int, deposit_hash_old: int, deposit_hash_new: int,
                     effects_hash: int, forced_hash_old: int = FORCED_CHAIN_EMPTY,
                     forced_hash_new: int = FORCED_CHAIN_EMPTY) -> int:
    """The single public input of a batch proof (see the module docstring). The forced
    hashes default to the empty chain (a contract that never queued a forced request)."""
    vals = dict(old_root=old_root, new_root=new_root, batch_number=batch_number,
                market_hash=market_hash, oracle_hash=oracle_hash, deposit_hash_old=deposit_hash_old,
                deposit_hash_new=deposit_hash_new, forced_hash_old=forced_hash_old,
                forced_hash_new=forced_hash_new, effects_hash=effects_hash)
    for name in COMMITMENT_FIELDS:
        check_elements([vals[name]], name)
    head = poseidon([vals[n] for n in COMMITMENT_FIELDS[:5]])
    return poseidon([head] + [vals[n] for n in COMMITMENT_FIELDS[5:]])


# ---- in the circuit ---------------------------------------------------------------------

def effect_chain_gadget(cs: ConstraintSystem, h: Operand, kind: Operand, account: Operand,
                        l1_address: Operand, amount: Operand, name: str = "effect_chain") -> LC:
    """Poseidon([h, kind + 4 * account + 2^34 * amount, l1_address]), equal to `effect_chain`.

    Soundness: the caller range-checks kind < 4, account < 2^32, amount < 2^64 (else the
    packing is not one-to-one). Cost: 261 constraints (Poseidon of 3 inputs).
    """
    packed = (LC.constant(0) + kind + account * (1 << _KIND_BITS)
              + amount * (1 << (_KIND_BITS + ACCOUNT_PACK_BITS)))
    return poseidon_gadget(cs, [h, packed, l1_address], name=name)


def deposit_chain_gadget(cs: ConstraintSystem, h: Operand, account: Operand, pk_x: Operand,
                         pk_y: Operand, amount: Operand, name: str = "deposit_chain") -> LC:
    """poseidon([h, account, pk_x, pk_y, amount]), equal to `deposit_chain`.

    Cost: 321 constraints (Poseidon of 5 inputs).
    """
    return poseidon_gadget(cs, [h, account, pk_x, pk_y, amount], name=name)


def forced_chain_gadget(cs: ConstraintSystem, h: Operand, account: Operand, pk_x: Operand,
                        amount: Operand, nonce: Operand, l1_address: Operand,
                        name: str = "forced_chain") -> LC:
    """Poseidon([h, account + 2^32 * amount, pk_x, nonce, l1_address]), equal to
    `forced_chain` (the batch slot computes it with its shared Poseidon of 5 instead).

    Soundness: the caller range-checks account < 2^32 and amount < 2^64.
    Cost: 321 constraints (Poseidon of 5 inputs).
    """
    packed = LC.constant(0) + account + amount * (1 << ACCOUNT_PACK_BITS)
    return poseidon_gadget(cs, [h, packed, pk_x, nonce, l1_address], name=name)


def batch_commitment_gadget(cs: ConstraintSystem, *, old_root: Operand, new_root: Operand,
                            batch_number: Operand, market_hash: Operand, oracle_hash: Operand,
                            deposit_hash_old: Operand, deposit_hash_new: Operand,
                            effects_hash: Operand, forced_hash_old: Operand = FORCED_CHAIN_EMPTY,
                            forced_hash_new: Operand = FORCED_CHAIN_EMPTY,
                            name: str = "commitment") -> LC:
    """The commitment of `batch_commitment`, in the circuit. The caller equates it with the
    public input.

    Cost: 675 constraints (Poseidon of 5 and of 6 inputs).
    """
    with cs.namespace(name):
        head = poseidon_gadget(cs, [old_root, new_root, batch_number, market_hash, oracle_hash],
                               name="head")
        return poseidon_gadget(cs, [head, deposit_hash_old, deposit_hash_new, forced_hash_old,
                                    forced_hash_new, effects_hash], name="hash")
