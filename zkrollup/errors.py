"""Errors of the native rollup state: every rejected operation raises one of these.

An operation that raises changed nothing (the state, its roots and queues are as before).
Errors about malformed values (out of range, wrong type) also subclass ValueError, so
callers that only know ValueError (the CLI) still print them as one clear line.
"""
from __future__ import annotations


class RollupError(Exception):
    """An operation cannot be applied to the current state."""


class BadAmount(RollupError, ValueError):
    """An amount, size, price or fee is zero where it must not be, or outside its bit-width."""


class OutOfRange(BadAmount):
    """A value, or a result (cash, position size, nonce), falls outside its documented bound."""


class UnknownAccount(RollupError):
    """The account index holds no account."""


class ForbiddenAccount(RollupError):
    """The operation may not touch this (special) account in this role, or names one account twice."""


class BadSignature(RollupError):
    """The EdDSA signature does not verify under the account's key."""


class WrongDeployment(BadSignature):
    """The message was signed for another deployment (chain, rollup contract): its
    signature cannot verify here."""


class StaleNonce(RollupError):
    """The request's nonce is not the account's current nonce (replayed or out of order)."""


class ExpiredOrder(RollupError):
    """The order or request is past its valid-until time."""


class ReplayedOrder(RollupError):
    """The order id is below the id already recorded in its order-fill slot (an old order)."""


class OverFill(RollupError):
    """The fill would take an order beyond its size."""


class CancelledOrder(RollupError):
    """The order was cancelled by its owner (a signed cancel): it never fills again."""


class FillSlotInUse(RollupError):
    """The operator refuses a new order whose fill slot (order id mod 2^D_ord) holds a
    resting, live order of the same account: the new order's first fill would retire it."""


class OrderMismatch(RollupError):
    """The two orders do not match (slot, sides, accounts) or the price breaks a limit."""


class FeeTooHigh(RollupError):
    """The charged fee exceeds the order's max fee per contract times the fill."""


class BadInstrument(RollupError):
    """The slot holds no tradable instrument (empty, expired), not the instrument the order
    was signed for, or is not ready to settle."""


class NothingToSettle(RollupError):
    """The account has no position in the slot."""


class InsufficientMargin(RollupError):
    """The account would fail initial margin and the operation does not reduce its risk."""


class NotLiquidatable(RollupError):
    """The target account passes maintenance margin."""


class SlotInUse(RollupError):
    """The instrument slot still has open interest and cannot be reused."""


class QueueError(RollupError):
    """An L1 queue item (deposit, forced withdrawal) is not the next one, or the queue is empty."""


class NoOracle(RollupError):
    """No oracle table is set, or it does not fit the market."""


class Unprovable(RollupError):
    """The batch circuit cannot prove this operation (a native/circuit disagreement): the
    operator refuses it to its sender and builds the batch without it."""


class OperatorError(RuntimeError):
    """Not an operation's refusal: the operator itself cannot go on (a batch L1 refused, a
    directory or journal that does not fit, native and circuit disagreeing)."""
