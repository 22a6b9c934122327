# pragma version ~=0.4.3
"""
@title The rollup's L1 priority queue: deposits, forced withdrawals and forced closes, one chain
@notice Users queue entries here; batches consume them in order. Each entry extends the
        chain (circuits.spec.priority)
            prio' = Poseidon([prio, kind + 2^2 account + 2^34 amount, pk_x, pk_y, l1_address])
        from 0, paid by the user who queues it; the chain value after every entry is kept, so
        the rollup contract reads the values before and after the entries a batch consumes
        (its public input binds both). An entry has a deadline (queued at + DEADLINE): once
        the oldest unconsumed entry is past it, no batch is accepted and anyone may switch
        the rollup to exodus mode.
        Deposits pull the tokens from the depositor straight into the rollup contract
        (approve this contract first). A forced withdrawal or forced close costs
        `forced_fee` in ETH (set by the governor, collected for the fee sink) and one
        address may have at most MAX_PENDING_FORCED unconsumed requests of the two kinds
        together, so flooding the queue is expensive.
        A forced close (circuits.spec.priority, "Forced close") must be servable, or one
        user could stall the rollup until exodus: it is queued only for an account of the
        tree that is not a special one, by its owner, as the rollup contract learned it
        from the deposits it accepted (rollup.owner_of: a credited deposit's depositor is
        the account's owner). Accounts are never deleted and their owner never changes, so
        this stays true until a batch serves the entry, whatever batches come in between.
        A deposit's key must be what the operator can serve: a point of Baby Jubjub's
        prime-order subgroup other than the identity (zkrollup.account.check_public_key).
        The depositor proves it cheaply with a cofactor witness Q on the curve with 8 Q = pk
        (8 E is exactly the prime-order subgroup; the client computes Q = pk / 8), three
        doublings instead of a scalar multiplication by the group order.
        Every entry is published in an event with all its fields (the operator builds the
        batch from them); storage keeps what L1 itself needs: the chain value, and the
        kind, amount, L1 address and time of each entry, packed in one word
            l1_address | amount << 160 | kind << 224 | (queued at - START) << 226
        (spec.ENTRY_*_SHIFT, rendered by verifier/contract_spec.py; rollup.vy reads it too).
"""

import spec

interface IGovernance:
    def governor() -> address: view

interface IRollup:
    def exodus() -> bool: view
    def owner_of(account: uint256) -> address: view
    def release(receiver: address, amount: uint256): nonpayable

interface IPoseidon5:
    def hash(inputs: uint256[5]) -> uint256: view

interface IERC20:
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable

event DepositQueued:
    index: indexed(uint256)
    account: uint256
    pk_x: uint256
    pk_y: uint256
    amount: uint256
    depositor: indexed(address)
    prio: uint256
    deadline: uint256

event ForcedWithdrawalQueued:
    index: indexed(uint256)
    account: uint256
    amount: uint256
    requester: indexed(address)
    prio: uint256
    deadline: uint256

event ForcedCloseQueued:
    index: indexed(uint256)
    account: uint256
    requester: indexed(address)
    prio: uint256
    deadline: uint256

event Consumed:
    first: uint256
    count: uint256

event DepositReclaimed:
    index: indexed(uint256)
    depositor: indexed(address)
    amount: uint256

event ForcedFeeSet:
    fee: uint256
    sink: address

TIME_BITS_PACKED: constant(uint256) = 30
ADDRESS_MASK: constant(uint256) = (1 << spec.ENTRY_AMOUNT_SHIFT) - 1
AMOUNT_MASK: constant(uint256) = (1 << spec.AMOUNT_BITS) - 1
KIND_MASK: constant(uint256) = (1 << spec.KIND_BITS) - 1

GOVERNANCE: public(immutable(address))
ROLLUP: public(immutable(address))
TOKEN: public(immutable(address))
POSEIDON5: public(immutable(address))
ACC_DEPTH: public(immutable(uint256))
DEADLINE: public(immutable(uint256))
MAX_PENDING_FORCED: public(immutable(uint256))
START: public(immutable(uint256))

count: public(uint256)
head: public(uint256)
chain_after: HashMap[uint256, uint256]
entries: HashMap[uint256, uint256]
pending_forced: public(HashMap[address, uint256])
pending_deposits: public(uint256)
reclaimed: public(HashMap[uint256, bool])
forced_fee: public(uint256)
fee_sink: public(address)
fees: public(uint256)


@deploy
def __init__(governance: address, rollup: address, token: address, poseidon5: address, acc_depth: uint256,
             deadline: uint256, max_pending_forced: uint256, forced_fee: uint256, fee_sink: address):
    assert acc_depth >= 1 and acc_depth <= spec.ACCOUNT_BITS, "queue: account depth out of range"
    assert deadline >= 1 and deadline < (1 << 32), "queue: deadline out of range"
    assert max_pending_forced >= 1, "queue: at least one forced request per address"
    assert fee_sink != empty(address), "queue: the fee sink cannot be the zero address"
    GOVERNANCE = governance
    ROLLUP = rollup
    TOKEN = token
    POSEIDON5 = poseidon5
    ACC_DEPTH = acc_depth
    DEADLINE = deadline
    MAX_PENDING_FORCED = max_pending_forced
    START = block.timestamp
    self.forced_fee = forced_fee
    self.fee_sink = fee_sink


# --- views -------------------------------------------------------------------------------

@view
@external
def prio(n: uint256) -> uint256:
    """The chain value after the first n entries (0 for n = 0)."""
    assert n <= self.count, "queue: no such entry"
    return self.chain_after[n]


@view
@internal
def _unpack(e: uint256) -> (uint256, address, uint256, uint256):
    """(kind, l1 address, amount, deadline) of a packed entry."""
    return ((e >> spec.ENTRY_KIND_SHIFT) & KIND_MASK, convert(e & ADDRESS_MASK, address),
            (e >> spec.ENTRY_AMOUNT_SHIFT) & AMOUNT_MASK, START + (e >> spec.ENTRY_TIME_SHIFT) + DEADLINE)


@view
@external
def entry(index: uint256) -> (uint256, address, uint256, uint256):
    """(kind, l1 address, amount, deadline) of entry `index`."""
    assert index < self.count, "queue: no such entry"
    return self._unpack(self.entries[index])


@view
@internal
def _overdue() -> bool:
    h: uint256 = self.head
    if h >= self.count:
        return False
    return block.timestamp > START + (self.entries[h] >> spec.ENTRY_TIME_SHIFT) + DEADLINE


@view
@external
def overdue() -> bool:
    """Whether the oldest unconsumed entry is past its deadline (the rollup must stop)."""
    return self._overdue()


@view
@external
def preview(n: uint256) -> (uint256, uint256, DynArray[uint256, spec.MAX_L1_BATCH]):
    """What `consume(n)` would return now: (chain before, chain after, packed entries)."""
    h: uint256 = self.head
    assert n <= spec.MAX_L1_BATCH and h + n <= self.count, "queue: the batch consumes more entries than are queued"
    out: DynArray[uint256, spec.MAX_L1_BATCH] = []
    for i: uint256 in range(n, bound=spec.MAX_L1_BATCH):
        out.append(self.entries[h + i])
    return self.chain_after[h], self.chain_after[h + n], out


# --- queueing ----------------------------------------------------------------------------

@internal
def _queue(kind: uint256, account: uint256, amount: uint256, pk_x: uint256, pk_y: uint256) -> (uint256, uint256, uint256):
    """Append an entry from msg.sender; returns (index, chain after, deadline)."""
    assert not self._overdue(), "queue: a priority request is past its deadline (exodus)"
    assert not staticcall IRollup(ROLLUP).exodus(), "queue: the rollup is in exodus mode"
    assert account < (1 << ACC_DEPTH), "queue: account index outside the account tree"
    offset: uint256 = block.timestamp - START
    assert offset < (1 << TIME_BITS_PACKED), "queue: clock beyond the queue's 2^30 s"
    n: uint256 = self.count
    packed: uint256 = kind | (account << spec.KIND_BITS) | (amount << (spec.KIND_BITS + spec.ACCOUNT_BITS))
    value: uint256 = staticcall IPoseidon5(POSEIDON5).hash(
        [self.chain_after[n], packed, pk_x, pk_y, convert(msg.sender, uint256)])
    self.entries[n] = (convert(msg.sender, uint256) | (amount << spec.ENTRY_AMOUNT_SHIFT)
                       | (kind << spec.ENTRY_KIND_SHIFT) | (offset << spec.ENTRY_TIME_SHIFT))
    self.chain_after[n + 1] = value
    self.count = n + 1
    return n, value, block.timestamp + DEADLINE


@pure
@internal
def _on_curve(x: uint256, y: uint256) -> bool:
    """a x^2 + y^2 == 1 + d x^2 y^2 (mod r), for x, y < r."""
    x2: uint256 = uint256_mulmod(x, x, spec.R)
    y2: uint256 = uint256_mulmod(y, y, spec.R)
    lhs: uint256 = uint256_addmod(uint256_mulmod(spec.BABYJUB_A, x2, spec.R), y2, spec.R)
    return lhs == uint256_addmod(1, uint256_mulmod(spec.BABYJUB_D, uint256_mulmod(x2, y2, spec.R), spec.R), spec.R)


@pure
@internal
def _sub(a: uint256, b: uint256) -> uint256:
    return uint256_addmod(a, spec.R - b, spec.R)


@pure
@internal
def _is_eight_times(px: uint256, py: uint256, qx: uint256, qy: uint256) -> bool:
    """Q is on the curve and 8 Q = P (projective doublings, dbl-2008-bbjlp; Baby Jubjub's
    addition law is complete, so Z never vanishes)."""
    if qx >= spec.R or qy >= spec.R or not self._on_curve(qx, qy):
        return False
    x: uint256 = qx
    y: uint256 = qy
    z: uint256 = 1
    for i: uint256 in range(3):
        b: uint256 = uint256_mulmod(uint256_addmod(x, y, spec.R), uint256_addmod(x, y, spec.R), spec.R)
        c: uint256 = uint256_mulmod(x, x, spec.R)
        d: uint256 = uint256_mulmod(y, y, spec.R)
        e: uint256 = uint256_mulmod(spec.BABYJUB_A, c, spec.R)
        f: uint256 = uint256_addmod(e, d, spec.R)
        j: uint256 = self._sub(f, uint256_mulmod(2, uint256_mulmod(z, z, spec.R), spec.R))
        x = uint256_mulmod(self._sub(self._sub(b, c), d), j, spec.R)
        y = uint256_mulmod(f, self._sub(e, d), spec.R)
        z = uint256_mulmod(f, j, spec.R)
    return x == uint256_mulmod(px, z, spec.R) and y == uint256_mulmod(py, z, spec.R)


@external
def deposit(account: uint256, pk_x: uint256, pk_y: uint256, q_x: uint256, q_y: uint256, amount: uint256) -> uint256:
    """Queue a deposit of `amount` tokens (taken from msg.sender, who approved this contract)
    to `account` with the key (pk_x, pk_y), (q_x, q_y) its cofactor witness (module
    docstring); returns the entry's index. The batch that consumes it credits the account,
    creates it (owner = msg.sender), or refunds the tokens to msg.sender in the accepting
    transaction (circuits.spec.priority)."""
    assert account != spec.CLEARING_ACCOUNT, "queue: deposits to the clearing account are refused"
    assert amount >= 1 and amount <= AMOUNT_MASK, "queue: amount must be in [1, 2^64)"
    assert pk_x < spec.R and pk_y < spec.R, "queue: key coordinates must be below r"
    assert not (pk_x == 0 and pk_y == 1), "queue: the key is the identity"
    assert self._is_eight_times(pk_x, pk_y, q_x, q_y), \
        "queue: the key is not in Baby Jubjub's prime-order subgroup (q must be on the curve with 8 q = pk)"
    index: uint256 = 0
    value: uint256 = 0
    deadline: uint256 = 0
    index, value, deadline = self._queue(spec.KIND_DEPOSIT, account, amount, pk_x, pk_y)
    self.pending_deposits += amount
    log DepositQueued(index=index, account=account, pk_x=pk_x, pk_y=pk_y, amount=amount,
                      depositor=msg.sender, prio=value, deadline=deadline)
    assert extcall IERC20(TOKEN).transferFrom(msg.sender, ROLLUP, amount), "queue: token transfer failed"
    return index


@payable
@external
def request_forced_withdrawal(account: uint256, amount: uint256) -> uint256:
    """Queue a forced withdrawal of up to `amount` from `account` to msg.sender (paid only if
    msg.sender owns the account, as much as margin allows); msg.value must be the forced
    fee. Returns the entry's index."""
    assert msg.value == self.forced_fee, "queue: send exactly the forced-request fee"
    assert self.pending_forced[msg.sender] < MAX_PENDING_FORCED, "queue: too many pending forced requests from this address"
    assert amount >= 1 and amount <= AMOUNT_MASK, "queue: amount must be in [1, 2^64)"
    index: uint256 = 0
    value: uint256 = 0
    deadline: uint256 = 0
    index, value, deadline = self._queue(spec.KIND_FORCED, account, amount, 0, 0)
    self.pending_forced[msg.sender] += 1
    self.fees += msg.value
    log ForcedWithdrawalQueued(index=index, account=account, amount=amount, requester=msg.sender,
                               prio=value, deadline=deadline)
    return index


@payable
@external
def request_forced_close(account: uint256) -> uint256:
    """Queue a forced close of every position of `account` (circuits.spec.priority): the
    batch that serves it hands them all to the insurance fund on the liquidation's terms.
    msg.sender must own the account (rollup.owner_of, learned from the accepted deposits);
    msg.value must be the forced fee. Returns the entry's index."""
    assert msg.value == self.forced_fee, "queue: send exactly the forced-request fee"
    assert self.pending_forced[msg.sender] < MAX_PENDING_FORCED, "queue: too many pending forced requests from this address"
    assert account < (1 << ACC_DEPTH), "queue: account index outside the account tree"
    # the fund, the fee account and the clearing account are never closed out (the circuit
    # could not serve them); no deposit credits them, so owner_of has none for them anyway
    assert account != spec.FEE_ACCOUNT and account != spec.INSURANCE_ACCOUNT and account != spec.CLEARING_ACCOUNT, \
        "queue: special accounts cannot be force-closed"
    # an entry no batch could serve would stall the rollup into exodus: only the owner, whom an
    # accepted deposit proved (an account without one does not exist: owner_of is empty)
    assert staticcall IRollup(ROLLUP).owner_of(account) == msg.sender, \
        "queue: only the account's owner may request its forced close"
    index: uint256 = 0
    value: uint256 = 0
    deadline: uint256 = 0
    index, value, deadline = self._queue(spec.KIND_FORCED_CLOSE, account, 0, 0, 0)
    self.pending_forced[msg.sender] += 1
    self.fees += msg.value
    log ForcedCloseQueued(index=index, account=account, requester=msg.sender, prio=value, deadline=deadline)
    return index


# --- the rollup's side -------------------------------------------------------------------

@external
def consume(n: uint256) -> (uint256, uint256, DynArray[uint256, spec.MAX_L1_BATCH]):
    """The rollup contract takes the next n entries for a batch it is accepting: returns
    (chain before, chain after, packed entries) and moves the head past them."""
    assert msg.sender == ROLLUP, "queue: only the rollup contract"
    h: uint256 = self.head
    assert n <= spec.MAX_L1_BATCH and h + n <= self.count, "queue: the batch consumes more entries than are queued"
    out: DynArray[uint256, spec.MAX_L1_BATCH] = []
    for i: uint256 in range(n, bound=spec.MAX_L1_BATCH):
        e: uint256 = self.entries[h + i]
        out.append(e)
        kind: uint256 = (e >> spec.ENTRY_KIND_SHIFT) & KIND_MASK
        if kind == spec.KIND_FORCED or kind == spec.KIND_FORCED_CLOSE:
            self.pending_forced[convert(e & ADDRESS_MASK, address)] -= 1
        else:
            self.pending_deposits -= (e >> spec.ENTRY_AMOUNT_SHIFT) & AMOUNT_MASK
    self.head = h + n
    if n > 0:
        log Consumed(first=h, count=n)
    return self.chain_after[h], self.chain_after[h + n], out


@external
def reclaim_deposit(index: uint256):
    """In exodus mode, pay a deposit that no batch consumed back to its depositor (once)."""
    assert staticcall IRollup(ROLLUP).exodus(), "queue: deposits are reclaimed only in exodus mode"
    assert index >= self.head and index < self.count, "queue: not an unconsumed entry"
    assert not self.reclaimed[index], "queue: already reclaimed"
    kind: uint256 = 0
    depositor: address = empty(address)
    amount: uint256 = 0
    deadline: uint256 = 0
    kind, depositor, amount, deadline = self._unpack(self.entries[index])
    assert kind == spec.KIND_DEPOSIT, "queue: not a deposit"
    self.reclaimed[index] = True
    self.pending_deposits -= amount
    log DepositReclaimed(index=index, depositor=depositor, amount=amount)
    extcall IRollup(ROLLUP).release(depositor, amount)


# --- governance --------------------------------------------------------------------------

@external
def set_forced_fee(fee: uint256, sink: address):
    """The governor sets the forced-request fee (wei) and the address the fees go to."""
    assert msg.sender == staticcall IGovernance(GOVERNANCE).governor(), "queue: only the governor"
    assert sink != empty(address), "queue: the fee sink cannot be the zero address"
    self.forced_fee = fee
    self.fee_sink = sink
    log ForcedFeeSet(fee=fee, sink=sink)


@external
def collect_fees():
    """Send the collected forced-request fees to the fee sink."""
    amount: uint256 = self.fees
    self.fees = 0
    send(self.fee_sink, amount)
