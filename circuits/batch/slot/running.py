"""What flows from slot to slot (`Running`), and the slot's one-hot selectors (`Ops`)."""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC
from ..public import EFFECTS_CHAIN_EMPTY, FORCED_CHAIN_EMPTY


@dataclass
class Running:
    """The running state: the account root, open interest per instrument slot, the pending
    fee and insurance totals, the deposit and forced-request rolling hashes, the effects
    chain (`public.py`)."""

    root: LC
    oi: list[LC]
    pend_fee: LC
    pend_ins: LC
    dep_hash: LC
    forced_hash: LC = None
    effects_hash: LC = None

    def __post_init__(self):
        if self.forced_hash is None:
            self.forced_hash = LC.constant(FORCED_CHAIN_EMPTY)
        if self.effects_hash is None:
            self.effects_hash = LC.constant(EFFECTS_CHAIN_EMPTY)


@dataclass
class Ops:
    """The slot's operation bits (one-hot: exactly one is 1), the instrument slot k and its
    one-hot bits, and the forced-withdrawal flags (`forced.forced_flags`)."""

    noop: LC
    dep: LC
    wd: LC
    fw: LC
    tr: LC
    lq: LC
    st: LC
    inst: LC
    oh_k: list[LC]
    fw_out: LC = None
    """A forced withdrawal naming an account outside the tree (served with 0, port A unused)."""
    fwv: LC = None
    """A forced withdrawal that is valid (served with what margin allows)."""

    @property
    def use_a(self) -> LC:
        """Port A reads and writes a leaf: every operation but Noop and a forced withdrawal
        outside the tree."""
        return 1 - self.noop - self.fw_out

    @property
    def use_b(self) -> LC:
        """Port B reads and writes a leaf: trade (taker), liquidation (target), settlement
        (clearing account)."""
        return self.tr + self.lq + self.st
