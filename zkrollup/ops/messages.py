"""Signed orders and requests as the application builds, signs and checks them.

The messages themselves (domain tags, packings, deployment id, instrument id, hashes)
are `circuits.spec.messages`; the functions here hash them with the fast Poseidon
(`zkrollup.poseidon_fast`) and check every field against its width
(`circuits.spec.widths`) with the application's errors. Signatures: `circuits.eddsa`
over the message by the account's key, checked through `zkrollup.signatures` (its Numba
twin, valid verdicts remembered); an order's message is remembered too (keyed on all ten
fields it hashes, deployment and instrument ids included), since an order is hashed at
admission and again for every fill.

Every signed object names the deployment it was signed for (`deployment_id`); the native
state refuses one made for another deployment (`WrongDeployment`), exactly as the circuit
does (it hashes the message with the market's deployment id, so the signature fails).
An order names the instrument it was signed for (`instrument_id`), which must be the
one its slot holds when it fills.

`PROVEN` stands in for a signature when an operation is rebuilt from the data of a
batch that L1 accepted with a proof (`zkrollup.l1data`): the proof already showed the
signature verified, and the posted records do not carry it. It cannot be written to or
read from the wire.

Wire format (`to_obj` / `from_obj`, JSON- and msgpack-friendly): an order is
``{"order": [account, slot, side, size, limit_price, max_fee, order_id, valid_until,
instrument_id, deployment_id], "signature": [R8.x, R8.y, S]}``. `from_obj` functions
raise ValueError (`BadRequest`) naming what is wrong, never KeyError or TypeError.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

from circuits import eddsa
from circuits.eddsa import Signature
from circuits.field import R
from circuits.spec import messages as spec
from circuits.spec.deployment import DEPLOYMENT_ID_BITS
from circuits.spec.messages import BUY, SELL
from circuits.spec.widths import (ACCOUNT_BITS, AMOUNT_BITS, FEE_RATE_BITS, INSTRUMENT_BITS,
                                  L1_ADDRESS_BITS, NONCE_BITS, ORDER_ID_BITS, PRICE_BITS, SIZE_BITS,
                                  TIME_BITS)

from .. import poseidon_fast, signatures
from ..errors import BadSignature, WrongDeployment
from ..units import check_positive, check_unsigned

__all__ = ["BUY", "SELL", "PROVEN", "BadRequest", "Order", "SignedOrder", "check_account",
           "check_deployment", "check_request_fields", "withdraw_message", "liquidate_message",
           "cancel_message", "signature_to_obj", "signature_from_obj", "verify", "obj_field"]

_fast = {"hash_fn": poseidon_fast.poseidon}
withdraw_message = partial(spec.withdraw_message, **_fast)
liquidate_message = partial(spec.liquidate_message, **_fast)
cancel_message = partial(spec.cancel_message, **_fast)

SIGNATURE_BITS = 256


class BadRequest(ValueError):
    """A request or operation object that is malformed (missing field, wrong type)."""


class _Proven:
    """The `PROVEN` sentinel (see the module docstring)."""

    def __repr__(self) -> str:
        return "PROVEN"


PROVEN = _Proven()


def verify(pk, msg: int, sig) -> bool:
    """EdDSA verification (`circuits.eddsa.verify`'s verdict, through `signatures.verify`),
    or True for `PROVEN` (a signature an accepted proof vouched for). The one signature check
    of the native state and the operator."""
    if sig is PROVEN:
        return True
    return isinstance(sig, Signature) and signatures.verify(pk, msg, sig)


def check_account(name: str, v: object) -> int:
    return check_unsigned(name, v, ACCOUNT_BITS)


def check_deployment_id(v: object) -> int:
    return check_unsigned("deployment id", v, DEPLOYMENT_ID_BITS)


def check_deployment(what: str, signed_for: int, state) -> None:
    """WrongDeployment unless a message was signed for the state's deployment."""
    did = state.market.deployment_id
    if signed_for != did:
        raise WrongDeployment(f"{what} was signed for deployment {signed_for:#x}, this rollup is {did:#x}")


def obj_field(obj, name: str, what: str = "request"):
    """obj[name] of a dict, BadRequest if obj is not a dict or lacks the field."""
    if not isinstance(obj, dict):
        raise BadRequest(f"a {what} is an object (a map), got {type(obj).__name__}")
    if name not in obj:
        raise BadRequest(f"a {what} needs the field {name!r}")
    return obj[name]


def signature_to_obj(sig: Signature | None) -> list | None:
    if sig is PROVEN:
        raise ValueError("a PROVEN signature (from posted batch data) cannot be written out")
    return None if sig is None else [sig.R8[0], sig.R8[1], sig.S]


def signature_from_obj(obj) -> Signature | None:
    """A signature [R8.x, R8.y, S] (ints below 2^256), or None; BadRequest otherwise."""
    if obj is None:
        return None
    if not isinstance(obj, (list, tuple)) or len(obj) != 3 or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << SIGNATURE_BITS) for v in obj):
        raise BadRequest("a signature is [R8.x, R8.y, S]: three integers below 2^256")
    return Signature((obj[0], obj[1]), obj[2])


@lru_cache(maxsize=1 << 14, typed=True)
def _order_message(*fields: int) -> int:
    """spec.order_message of all of an order's fields (`Order.fields()`: everything the
    message hashes, so the key is exact), remembered: an order is hashed at admission and
    again for every fill."""
    return spec.order_message(*fields, **_fast)


@dataclass(frozen=True)
class Order:
    """A limit order on one instrument (unsigned; `sign` makes a SignedOrder): the slot it
    trades in and the instrument id it expects there, for one deployment."""

    account: int
    slot: int
    side: int
    size: int
    limit_price: int
    max_fee: int
    order_id: int
    valid_until: int
    instrument_id: int
    deployment_id: int

    def __post_init__(self):
        check_account("account", self.account)
        check_unsigned("slot", self.slot, INSTRUMENT_BITS)
        if self.side not in (BUY, SELL) or isinstance(self.side, bool):
            raise BadRequest(f"side must be {BUY} (buy) or {SELL} (sell), got {self.side!r}")
        check_positive("order size", self.size, SIZE_BITS)
        check_unsigned("limit price", self.limit_price, PRICE_BITS)
        check_unsigned("max fee", self.max_fee, FEE_RATE_BITS)
        check_positive("order id", self.order_id, ORDER_ID_BITS)
        check_unsigned("valid until", self.valid_until, TIME_BITS)
        if not isinstance(self.instrument_id, int) or isinstance(self.instrument_id, bool) \
                or not 0 <= self.instrument_id < R:
            raise BadRequest(f"instrument id must be a field element, got {self.instrument_id!r}")
        check_deployment_id(self.deployment_id)

    def fields(self) -> list[int]:
        return [self.account, self.slot, self.side, self.size, self.limit_price, self.max_fee,
                self.order_id, self.valid_until, self.instrument_id, self.deployment_id]

    def message(self) -> int:
        return _order_message(*self.fields())

    def sign(self, priv: bytes) -> "SignedOrder":
        return SignedOrder(self, eddsa.sign(priv, self.message()))


N_ORDER_FIELDS = 10


@dataclass(frozen=True)
class SignedOrder:
    order: Order
    signature: Signature

    def to_obj(self) -> dict:
        return {"order": self.order.fields(), "signature": signature_to_obj(self.signature)}

    @classmethod
    def from_obj(cls, obj: dict) -> "SignedOrder":
        fields = obj_field(obj, "order", "signed order")
        if not isinstance(fields, (list, tuple)) or len(fields) != N_ORDER_FIELDS:
            raise BadRequest(f"an order is a list of {N_ORDER_FIELDS} integers (account, slot, side, size, "
                             f"limit_price, max_fee, order_id, valid_until, instrument_id, deployment_id)")
        sig = signature_from_obj(obj_field(obj, "signature", "signed order"))
        if sig is None:
            raise BadRequest("an order needs its signature")
        return cls(Order(*fields), sig)


def check_request_fields(account: int, amount: int, nonce: int, l1_address: int) -> None:
    check_account("account", account)
    check_positive("amount", amount, AMOUNT_BITS)
    check_unsigned("nonce", nonce, NONCE_BITS)
    check_unsigned("l1 address", l1_address, L1_ADDRESS_BITS)


def check_signed_by(pk, msg: int, sig, what: str) -> None:
    """BadSignature unless `sig` verifies (see `verify`)."""
    if not verify(pk, msg, sig):
        raise BadSignature(f"{what} is not signed by the account's key")
