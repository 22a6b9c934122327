"""EdDSA over Baby Jubjub with Poseidon, natively: circomlib's scheme at verification.

Verification rule (circomlib ``verifyPoseidon``; docs/design.md, "Cryptography"): for a public key A,
a message msg (a field element) and a signature (R8, S),

    h = Poseidon(R8.x, R8.y, A.x, A.y, msg)      (read as an integer in [0, r))
    accept  iff  S < L,  A and R8 are on the curve,  8*A != identity,
                 and  S * BASE8 == R8 + (8 * h) * A.

The one rule added to circomlibjs's JavaScript verifier is ``8*A != identity``: a public
key of small order makes (8h)*A vanish, so anyone could "sign" for it. circomlib's circuit
rejects such keys too (it tests the x of 8*A for zero), and so does our gadget
(`circuits.gadgets.eddsa`), which this module is the native twin of. Signatures made by
circomlibjs for real keys verify here unchanged.

The gadget is complete (no exceptional case in its scalar multiplications for any A, R8,
S or h), so it is satisfiable for exactly the inputs `verify` accepts: every key on the
curve, with any torsion component, whose signatures verify here can be proven in a batch.

Signing uses our own derivation (circomlibjs uses BLAKE-512 and its own clamping; only
verification has to agree). With BLAKE2b-512 (pycryptodome) in place of RFC 8032's
SHA-512, and domain-separation prefixes:

    a      = BLAKE2b-512("zkrollup.eddsa.key"   || priv) mod L   (0 is replaced by 1)
    prefix = BLAKE2b-512("zkrollup.eddsa.nonce" || priv)
    A      = a * BASE8
    r      = BLAKE2b-512(prefix || msg as 32 bytes little-endian) mod L
    R8     = r * BASE8,   h = Poseidon(R8, A, msg),   S = (r + 8 * h * a) mod L

so S * BASE8 = R8 + 8h * A. Reducing 512-bit digests mod L leaves a bias below 2^-260; the
nonce is deterministic (no randomness needed at signing time, like RFC 8032).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from Crypto.Hash import BLAKE2b

from . import babyjub as bj
from .field import R
from .poseidon import poseidon

PRIVATE_KEY_BYTES = 32
_DOM_KEY = b"zkrollup.eddsa.key"
_DOM_NONCE = b"zkrollup.eddsa.nonce"


@dataclass(frozen=True)
class Signature:
    """An EdDSA-Poseidon signature: the point R8 and the scalar S (circomlib's names)."""

    R8: bj.Point
    S: int


def _blake2b512(data: bytes) -> bytes:
    return BLAKE2b.new(digest_bits=512, data=data).digest()


def _check_private_key(priv: object) -> bytes:
    if not isinstance(priv, (bytes, bytearray)) or len(priv) != PRIVATE_KEY_BYTES:
        raise ValueError(f"a private key is {PRIVATE_KEY_BYTES} bytes")
    return bytes(priv)


def _check_message(msg: object) -> int:
    if type(msg) is not int or not 0 <= msg < R:
        raise ValueError(f"the message must be a field element, an int in [0, r): {msg!r}")
    return msg


def new_private_key() -> bytes:
    """32 random bytes from the operating system."""
    return os.urandom(PRIVATE_KEY_BYTES)


def secret_scalar(priv: bytes) -> int:
    """The secret scalar a in [1, L) of a 32-byte private key."""
    priv = _check_private_key(priv)
    a = int.from_bytes(_blake2b512(_DOM_KEY + priv), "little") % bj.L
    return a or 1


def public_key(priv: bytes) -> bj.Point:
    """A = a * BASE8, a point of the prime-order subgroup (never the identity)."""
    return bj.mul_base8(secret_scalar(priv))


def signature_hash(r8: bj.Point, a: bj.Point, msg: int) -> int:
    """h = Poseidon(R8.x, R8.y, A.x, A.y, msg): the challenge, as an int in [0, r)."""
    return poseidon([r8[0], r8[1], a[0], a[1], msg])


def sign(priv: bytes, msg: int) -> Signature:
    """Sign the field element ``msg``; deterministic (same key and message, same signature)."""
    priv = _check_private_key(priv)
    msg = _check_message(msg)
    a = secret_scalar(priv)
    pub = bj.mul_base8(a)
    prefix = _blake2b512(_DOM_NONCE + priv)
    r = int.from_bytes(_blake2b512(prefix + msg.to_bytes(32, "little")), "little") % bj.L
    r8 = bj.mul_base8(r)
    h = signature_hash(r8, pub, msg)
    return Signature(r8, (r + 8 * h * a) % bj.L)


def verify(pub: object, msg: object, sig: object) -> bool:
    """True iff ``sig`` is a valid signature of ``msg`` under ``pub`` (rule in the module
    docstring). Malformed input of any kind (wrong types, coordinates >= r, points off the
    curve, msg outside [0, r), S >= L) gives False, never an exception."""
    if not isinstance(sig, Signature) or not bj.is_on_curve(pub) or not bj.is_on_curve(sig.R8):
        return False
    s = sig.S
    if type(s) is not int or not 0 <= s < bj.L:
        return False
    if type(msg) is not int or not 0 <= msg < R:
        return False
    pub = (pub[0], pub[1])
    r8 = (sig.R8[0], sig.R8[1])
    q = bj.mul_cofactor(pub)
    if q == bj.IDENTITY:  # small-order key: (8h)A would vanish
        return False
    h = signature_hash(r8, pub, msg)
    # (8h) * A = h * (8A): q is in the subgroup of order L, so h may be reduced mod L
    left = bj.mul_base8(s)
    right = bj.add(r8, bj.scalar_mul(h % bj.L, q))
    return left == right


def verify_reference(pub: object, msg: object, sig: object) -> bool:
    """`verify` with the textbook formula (8h)*A by affine arithmetic: the slow twin."""
    try:
        if not isinstance(sig, Signature):
            return False
        pub = bj.check_point(pub)
        r8 = bj.check_point(sig.R8)
        if type(sig.S) is not int or not 0 <= sig.S < bj.L:
            return False
        if type(msg) is not int or not 0 <= msg < R:
            return False
    except ValueError:
        return False
    if bj.scalar_mul_reference(8, pub) == bj.IDENTITY:
        return False
    h = signature_hash(r8, pub, msg)
    left = bj.scalar_mul_reference(sig.S, bj.BASE8)
    right = bj.add_reference(r8, bj.scalar_mul_reference(8 * h, pub))
    return left == right
