# pragma version ~=0.4.3
"""
@title Exodus: claims against the last accepted state root, paid pro rata
@notice In exodus mode (verifier/contracts/rollup.vy) each account may claim once: anyone
        submits its leaf (circuits.spec.accounts: key, nonce, signed cash, the K signed
        position sizes, orders root, owner), the Merkle path of its index and the
        open-interest hash; this contract recomputes
            leaf = Poseidon(pk_x, pk_y, nonce, cash, Poseidon(sizes), orders_root, owner)
            root = Poseidon(merkle root of the leaf at the index, oi_hash)
        where the account tree is circuits.spec.tree's 4-ary tree: per level the index's
        digit places the node among its 3 siblings (spec.TREE_SIBLING_POSITIONS, rendered
        from that module) and the parent is Poseidon of the 4 children.
        and requires root = the rollup's state root. The account is worth
            cash + sum_k size_k * mark_k
        with the marks of the last accepted batch's oracle table (given packed, and checked
        against the hash the tables contract stored for it), floored at 0 (an account in
        deficit has nothing to claim; its deficit falls on every claimant pro rata below).
        Special accounts (owner = SPECIAL_OWNER) have nobody to pay and cannot claim.

        Payment does not depend on who comes first (docs/l1.md, "Exodus"):
        - claim(): during the claim period (spec.EXODUS_CLAIM_PERIOD seconds from the
          rollup's exodus_since) records the worth and adds it to total_claimed; after it,
          the claim is late. Nothing is paid.
        - withdraw(account): after the period, anyone; pays the owner recorded at claim
          once. The pool (the tokens the rollup holds beyond the queued deposits, which
          stay reclaimable by their depositors) is frozen at the first withdraw. A claim
          of the period is paid worth * pool // total_claimed when total_claimed > pool,
          else worth in full; the rounding dust (fewer tokens than period claims) stays in
          the contract. A late claim is paid from pool - min(pool, total_claimed), what is
          left once every period claim is provided for, capped at its worth, first come
          first served among late claims; so late claims never reduce a period payout,
          and the payouts never exceed the pool (total_paid <= pool is also asserted).
        No overflow: worth < 2^97 (cash < 2^96, sum |size * mark| < 16 * 2^88) and
        total_claimed < 2^32 * 2^97, so worth * pool < 2^226 whenever pool < total_claimed.
"""

import spec
from lib import poseidon_k

interface IRollup:
    def state_root() -> uint256: view
    def exodus() -> bool: view
    def exodus_since() -> uint256: view
    def last_table_id() -> uint256: view
    def release(receiver: address, amount: uint256): nonpayable

interface ITables:
    def table(table_id: uint256) -> (uint256, uint256): view

interface IQueue:
    def pending_deposits() -> uint256: view

interface IERC20:
    def balanceOf(owner: address) -> uint256: view

interface IPoseidon2:
    def hash(inputs: uint256[2]) -> uint256: view

interface IPoseidon4:
    def hash(inputs: uint256[4]) -> uint256: view

interface IPoseidon7:
    def hash(inputs: uint256[7]) -> uint256: view

interface ISponge:
    def sponge(values: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256: view

event Claimed:
    account: indexed(uint256)
    owner: indexed(address)
    worth: uint256
    late: bool

event Withdrawn:
    account: indexed(uint256)
    owner: indexed(address)
    paid: uint256

event PoolFrozen:
    pool: uint256
    total_claimed: uint256

struct Claim:
    owner: address          # empty: not claimed (a claim's owner is never the zero address)
    worth: uint256
    late: bool
    withdrawn: bool

LANE_MASK: constant(uint256) = (1 << spec.ORACLE_LANE_BITS) - 1
MAX_DEPTH: constant(uint256) = spec.ACCOUNT_BITS
MAX_PATH: constant(uint256) = spec.TREE_MAX_LEVELS * spec.TREE_SIBLINGS_PER_LEVEL
DIGIT_MASK: constant(uint256) = spec.TREE_ARITY - 1

ROLLUP: public(immutable(address))
TABLES: public(immutable(address))
QUEUE: public(immutable(address))
TOKEN: public(immutable(address))
POSEIDON2: public(immutable(address))
POSEIDON4: public(immutable(address))
POSEIDON7: public(immutable(address))
POSEIDON_K: public(immutable(address))
POSEIDON_K_SELECTOR: immutable(bytes4)
SPONGE: public(immutable(address))
ACC_DEPTH: public(immutable(uint256))
LEVELS: public(immutable(uint256))
K: public(immutable(uint256))

claims: public(HashMap[uint256, Claim])
total_claimed: public(uint256)       # the worth of the claims made in the claim period
late_paid: public(uint256)           # paid to late claims
total_paid: public(uint256)
pool_frozen: public(bool)
frozen_pool: public(uint256)


@deploy
def __init__(rollup: address, tables: address, queue: address, token: address, poseidon2: address,
             poseidon4: address, poseidon7: address, poseidon_wide: address, poseidon_wide_selector: bytes4,
             sponge: address, acc_depth: uint256, k: uint256):
    assert acc_depth >= 1 and acc_depth <= MAX_DEPTH, "exodus: account depth out of range"
    assert k >= 1 and k <= spec.MAX_INSTRUMENTS, "exodus: K must be in 1..16"
    ROLLUP = rollup
    TABLES = tables
    QUEUE = queue
    TOKEN = token
    POSEIDON2 = poseidon2
    POSEIDON4 = poseidon4
    POSEIDON7 = poseidon7
    POSEIDON_K = poseidon_wide
    POSEIDON_K_SELECTOR = poseidon_wide_selector
    SPONGE = sponge
    ACC_DEPTH = acc_depth
    LEVELS = (acc_depth + spec.TREE_BITS_PER_LEVEL - 1) // spec.TREE_BITS_PER_LEVEL
    K = k


@pure
@internal
def _fr(v: int256) -> uint256:
    """A signed value as a field element (v mod r)."""
    if v >= 0:
        return convert(v, uint256)
    return spec.R - convert(-v, uint256)


@view
@internal
def _root(leaf: uint256, account: uint256, siblings: DynArray[uint256, MAX_PATH]) -> uint256:
    """The root of the 4-ary tree holding `leaf` at `account` with the flat path `siblings`
    (circuits.spec.tree.root_from_path)."""
    node: uint256 = leaf
    for level: uint256 in range(LEVELS, bound=spec.TREE_MAX_LEVELS):
        digit: uint256 = (account >> (spec.TREE_BITS_PER_LEVEL * level)) & DIGIT_MASK
        kids: uint256[spec.TREE_ARITY] = empty(uint256[spec.TREE_ARITY])
        kids[digit] = node
        for j: uint256 in range(spec.TREE_SIBLINGS_PER_LEVEL):
            sib: uint256 = siblings[spec.TREE_SIBLINGS_PER_LEVEL * level + j]
            assert sib < spec.R, "exodus: a sibling is not below r"
            kids[spec.TREE_SIBLING_POSITIONS[digit][j]] = sib
        node = staticcall IPoseidon4(POSEIDON4).hash(kids)
    return node


@view
@internal
def _marks_value(sizes: DynArray[int256, spec.MAX_INSTRUMENTS],
                 table: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> int256:
    """sum_k size_k * mark_k at the last accepted batch's table (0 without positions)."""
    total: int256 = 0
    flat: bool = True
    for k: uint256 in range(K, bound=spec.MAX_INSTRUMENTS):
        if sizes[k] != 0:
            flat = False
    if flat:
        return 0
    tid: uint256 = staticcall IRollup(ROLLUP).last_table_id()
    assert tid != 0, "exodus: no accepted oracle table to value positions"
    h: uint256 = 0
    ts: uint256 = 0
    h, ts = staticcall ITables(TABLES).table(tid)
    assert len(table) >= 2 and staticcall ISponge(SPONGE).sponge(table) == h, \
        "exodus: not the last accepted batch's oracle table"
    for k: uint256 in range(K, bound=spec.MAX_INSTRUMENTS):
        j: uint256 = spec.ORACLE_HEADER - 1 + k
        mark: uint256 = (table[1 + j // spec.ORACLE_LANES] >> (spec.ORACLE_LANE_BITS * (j % spec.ORACLE_LANES))) & LANE_MASK
        total += sizes[k] * convert(mark, int256)
    return total


@view
@internal
def _claim_end() -> uint256:
    assert staticcall IRollup(ROLLUP).exodus(), "exodus: not in exodus mode"
    return staticcall IRollup(ROLLUP).exodus_since() + spec.EXODUS_CLAIM_PERIOD


@view
@external
def claim_end() -> uint256:
    """When the claim period ends (reverts outside exodus mode): claims at or after it are late."""
    return self._claim_end()


@view
@internal
def _live_pool() -> uint256:
    held: uint256 = staticcall IERC20(TOKEN).balanceOf(ROLLUP)
    reserved: uint256 = staticcall IQueue(QUEUE).pending_deposits()
    if held > reserved:
        return held - reserved
    return 0


@view
@external
def pool() -> uint256:
    """The pool the claims share: frozen at the first withdraw, until then what it would be now."""
    if self.pool_frozen:
        return self.frozen_pool
    return self._live_pool()


@view
@internal
def _due(c: Claim, pool: uint256) -> uint256:
    """What withdraw pays claim `c` with `pool` (module docstring)."""
    total: uint256 = self.total_claimed
    if c.late:
        return min(c.worth, pool - min(pool, total) - self.late_paid)
    if total > pool:
        return c.worth * pool // total
    return c.worth


@view
@external
def due(account: uint256) -> uint256:
    """What withdraw(account) would pay now (0 if not claimed or already withdrawn); before
    the pool is frozen, with the pool as it is now."""
    c: Claim = self.claims[account]
    if c.owner == empty(address) or c.withdrawn:
        return 0
    if self.pool_frozen:
        return self._due(c, self.frozen_pool)
    return self._due(c, self._live_pool())


@view
@internal
def _prove_leaf(account: uint256, pk_x: uint256, pk_y: uint256, nonce: uint256, cash: int256,
                sizes: DynArray[int256, spec.MAX_INSTRUMENTS], orders_root: uint256, owner: address,
                siblings: DynArray[uint256, MAX_PATH], oi_hash: uint256):
    """Revert unless this leaf is at `account` in the rollup's state root (the root of the
    last accepted batch): the leaf (Poseidon of 7), its positions hash (Poseidon of K), the
    4-ary path and Poseidon(accounts root, oi_hash) (module docstring)."""
    assert account < (1 << ACC_DEPTH), "exodus: account index outside the account tree"
    assert len(sizes) == K, "exodus: an account has K position sizes"
    assert len(siblings) == LEVELS * spec.TREE_SIBLINGS_PER_LEVEL, "exodus: the path has 3 siblings per tree level"
    assert pk_x < spec.R and pk_y < spec.R and nonce < spec.R and orders_root < spec.R and oi_hash < spec.R, \
        "exodus: a leaf field is not below r"
    assert cash > -(1 << spec.CASH_BITS) and cash < (1 << spec.CASH_BITS), "exodus: cash out of range"
    fsizes: DynArray[uint256, spec.MAX_INSTRUMENTS] = []
    for k: uint256 in range(K, bound=spec.MAX_INSTRUMENTS):
        assert sizes[k] > -(1 << spec.SIZE_BITS) and sizes[k] < (1 << spec.SIZE_BITS), "exodus: size out of range"
        fsizes.append(self._fr(sizes[k]))
    positions: uint256 = poseidon_k.hash(POSEIDON_K, POSEIDON_K_SELECTOR, fsizes)
    leaf: uint256 = staticcall IPoseidon7(POSEIDON7).hash(
        [pk_x, pk_y, nonce, self._fr(cash), positions, orders_root, convert(owner, uint256)])
    accounts_root: uint256 = self._root(leaf, account, siblings)
    assert staticcall IPoseidon2(POSEIDON2).hash([accounts_root, oi_hash]) == staticcall IRollup(ROLLUP).state_root(), \
        "exodus: the leaf is not in the last accepted state root"


@view
@internal
def _worth(account: uint256, pk_x: uint256, pk_y: uint256, nonce: uint256, cash: int256,
           sizes: DynArray[int256, spec.MAX_INSTRUMENTS], orders_root: uint256, owner: address,
           siblings: DynArray[uint256, MAX_PATH], oi_hash: uint256,
           table: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256:
    """The account's worth (module docstring) once its leaf is proven in the state root."""
    assert owner != convert(spec.SPECIAL_OWNER, address), "exodus: a special account has no owner to pay"
    assert owner != empty(address), "exodus: no owner to pay"
    self._prove_leaf(account, pk_x, pk_y, nonce, cash, sizes, orders_root, owner, siblings, oi_hash)
    value: int256 = cash + self._marks_value(sizes, table)
    if value > 0:
        return convert(value, uint256)
    return 0


@external
def claim(account: uint256, pk_x: uint256, pk_y: uint256, nonce: uint256, cash: int256,
          sizes: DynArray[int256, spec.MAX_INSTRUMENTS], orders_root: uint256, owner: address,
          siblings: DynArray[uint256, MAX_PATH], oi_hash: uint256,
          table: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256:
    """Claim `account` (module docstring; anyone may send it, its owner is paid);
    `table`: the packed oracle table of the last accepted batch (may be empty for an account
    without positions). Records the claim, pays nothing; returns the worth."""
    end: uint256 = self._claim_end()
    assert self.claims[account].owner == empty(address), "exodus: account already claimed"
    worth: uint256 = self._worth(account, pk_x, pk_y, nonce, cash, sizes, orders_root, owner, siblings, oi_hash,
                                 table)
    late: bool = block.timestamp >= end
    self.claims[account] = Claim(owner=owner, worth=worth, late=late, withdrawn=False)
    if not late:
        self.total_claimed += worth
    log Claimed(account=account, owner=owner, worth=worth, late=late)
    return worth


@nonreentrant
@external
def withdraw(account: uint256) -> uint256:
    """After the claim period, pay `account`'s claim to its owner, once (module docstring);
    anyone may send it. The first call freezes the pool. Returns the amount paid."""
    assert block.timestamp >= self._claim_end(), "exodus: the claim period has not ended"
    c: Claim = self.claims[account]
    assert c.owner != empty(address), "exodus: account has not claimed"
    assert not c.withdrawn, "exodus: account already withdrawn"
    if not self.pool_frozen:
        self.pool_frozen = True
        self.frozen_pool = self._live_pool()
        log PoolFrozen(pool=self.frozen_pool, total_claimed=self.total_claimed)
    pool: uint256 = self.frozen_pool
    paid: uint256 = self._due(c, pool)
    if c.late:
        self.late_paid += paid
    self.total_paid += paid
    assert self.total_paid <= pool, "exodus: payouts would exceed the pool"
    self.claims[account].withdrawn = True
    log Withdrawn(account=account, owner=c.owner, paid=paid)
    if paid > 0:
        extcall IRollup(ROLLUP).release(c.owner, paid)
    return paid
