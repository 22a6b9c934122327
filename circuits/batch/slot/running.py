"""What flows from slot to slot (`Running`), and the slot's one-hot selectors (`Ops`)."""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC


@dataclass
class Running:
    """The running state: the account root, open interest per instrument slot, the pending
    fee and insurance totals, the priority-queue chain value (`circuits.spec.priority`), and
    the solvency outputs' running values (`circuits.spec.solvency`): the short open interest
    per instrument slot and the cash flow so far."""

    root: LC
    oi: list[LC]
    pend_fee: LC
    pend_ins: LC
    prio: LC
    oi_short: list[LC]
    """Sum of the negative sizes' magnitudes per slot (starts equal to oi: the previous
    batch proved them equal)."""
    cash_flow: LC
    """Sum over both ports of the slots so far of new cash - old cash, plus the pending totals' growth."""


@dataclass
class Ops:
    """The slot's operation bits (one-hot: exactly one is 1), the instrument slot k and its
    one-hot bits, and the forced-withdrawal bits (`ports.ports`, `request.request`)."""

    noop: LC
    dep: LC
    wd: LC
    fw: LC
    tr: LC
    lq: LC
    """A take-over of port B's positions by port A: a liquidation or a forced close (the
    sum of their selectors)."""
    st: LC
    cn: LC
    inst: LC
    oh_k: list[LC]
    sel: list[LC]
    """All N_OPS bits, indexed by operation code."""
    fc: LC = None
    """A forced close (`selectors`): the backstop's take-over of everything, asked on L1."""
    fw_out: LC = None
    """A forced withdrawal naming an account outside the tree (served with 0, port A unused)."""
    bs: LC = None
    """A liquidation by the insurance fund: the backstop (`ports.roles`): no signature, no
    valid-until, no margin check of the taker."""
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

    @property
    def prio(self) -> LC:
        """The slot consumes a priority-queue entry (deposit, forced withdrawal, forced close)."""
        return self.dep + self.fw + self.fc

    @property
    def minimal(self) -> LC:
        """A take-over under the partial rule (a liquidation, the backstop's included): the
        target fails maintenance and q is the fewest steps. A forced close takes everything."""
        return self.lq - self.fc

    @property
    def signs_a(self) -> LC:
        """Port A's key signs: withdrawal, trade (its order), liquidation (but the backstop's), cancel."""
        return self.wd + self.tr + self.lq - self.bs + self.cn
