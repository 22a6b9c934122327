# pragma version ~=0.4.3
"""
@title The rollup contract: state root, batches, payouts, custody, exodus switch
@notice Holds the collateral token of every account and of the queued deposits.
        submit_batch(new_root, table_id, records, fund_deficit, open_interest, proof) accepts a batch of N
        records (circuits.spec.records, N = len(records) / RECORD_BYTES) only if the proof
        verifies, with the verifier contract the governor set for N, against the single
        public input (circuits.spec.public_input)
            sha256(old_root || new_root || oracle_hash || prio_old || prio_new || records
                   || fund_deficit as 16 bytes || CASH_FLOW_OFFSET + cash flow as 16 bytes
                   || open_interest || open_interest) >> 3
        which this contract builds itself: old_root from its storage, oracle_hash from the
        table the batch names (verifier/contracts/tables.vy; it must be no older than the
        last accepted batch's, published for the current market (tables.first_table_id),
        and its timestamp at most MAX_ORACLE_AGE seconds before this block), prio_old and prio_new from the priority queue (the chain values before and
        after the entries the records consume: one per deposit, forced-withdrawal or
        forced-close record, in order, each of the record's kind). Nothing else comes from
        the operator. In the same transaction it moves the root and the batch number and
        pays: a withdrawal's amount to its L1 address, a forced withdrawal's paid amount to
        the entry's requester (each exit pro rata while the insurance fund's deficit is not
        covered, below), a refunded deposit's amount back to its depositor, in full; a
        forced close pays nothing (the positions move inside the rollup). A payout to the
        zero address stays in the contract (a transfer to it would revert the batch, and
        one user must not be able to stop batches).
        Sender: anyone may submit a proven batch, from an externally owned account only: the
        batch's records are published as its transaction's calldata (data availability), so
        a batch relayed by a contract, whose calldata is the relay's, would be accepted with
        its data where no reader of the chain looks for it.
        Owners: a deposit record that is not refunded created its account with owner = the
        entry's depositor or credited it because owner = depositor
        (circuits.spec.priority.deposit_outcome); an owner never changes and accounts are
        never deleted, so owner_of[account] = depositor is the account's owner from then on
        (the queue admits a forced close only from it, priority_queue.vy).
        Solvency (circuits.spec.solvency): the proof binds fund_deficit, the insurance
        fund's deficit after the batch. The contract keeps the ledger held (credited
        deposits - exit payouts, the tokens standing for the accounts' cash) and retained
        (what haircuts kept back); every exit of a batch is paid at one ratio, the
        ledger's before the batch (held0, retained0): while retained0 < fund_deficit an
        exit of x is paid x * held0 // (held0 + fund_deficit - retained0), and x - payout
        is retained. After paying it asserts held + the queued deposits <= its token
        balance.
        Solvency outputs (circuits.spec.solvency): the contract fills in the cash flow from
        the records (credited deposits - withdrawals - forced withdrawals' paid amounts) and
        the K open interests (OI_BYTES each, from the calldata) twice, where the circuit puts
        the flow it sums from the cash the slots write and the long and the short open interest: the
        proof verifies only if no cash was minted or burnt and long = short in every slot.
        Since held - retained starts at 0 and moves by exactly each batch's proven flow
        (while held is not saturated at 0), it is the accounts' proven total cash less what
        a genesis state held (none where cash enters only by deposits).
        Exodus: once the oldest unconsumed queue entry is past its deadline no batch is
        accepted and anyone may call activate_exodus (exodus_since records when); from then
        on the exodus contract pays claims (pro rata after its claim period,
        verifier/contracts/exodus.vy) and the queue reclaims unconsumed deposits through
        release().
"""

import spec

interface IGovernance:
    def governor() -> address: view

interface IQueue:
    def overdue() -> bool: view
    def pending_deposits() -> uint256: view
    def consume(n: uint256) -> (uint256, uint256, DynArray[uint256, spec.MAX_L1_BATCH]): nonpayable
    def preview(n: uint256) -> (uint256, uint256, DynArray[uint256, spec.MAX_L1_BATCH]): view

interface ITables:
    def table(table_id: uint256) -> (uint256, uint256): view
    def K() -> uint256: view
    def first_table_id() -> uint256: view

interface IVerifier:
    def verifyProof(a: uint256[2], b: uint256[2][2], c: uint256[2], pub: uint256[1]) -> bool: view

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable
    def balanceOf(owner: address) -> uint256: view

event BatchAccepted:
    batch_number: indexed(uint256)
    old_root: uint256
    new_root: uint256
    table_id: uint256
    data_hash: bytes32
    n_records: uint256

event Solvency:
    batch_number: indexed(uint256)
    held: uint256
    retained: uint256
    fund_deficit: uint256

event VerifierSet:
    batch_size: indexed(uint256)
    verifier: address

event ExodusActivated:
    timestamp: uint256

event Released:
    receiver: indexed(address)
    amount: uint256

# a queue entry's storage word (priority_queue.vy): l1_address | amount << .. | kind << .. | time << ..
ADDRESS_MASK: constant(uint256) = (1 << spec.ENTRY_AMOUNT_SHIFT) - 1
AMOUNT_MASK: constant(uint256) = (1 << spec.AMOUNT_BITS) - 1
KIND_MASK: constant(uint256) = (1 << spec.KIND_BITS) - 1
# the operations whose record consumes a queue entry (circuits.spec.records.PRIORITY_KIND),
# as a bit set: one test per record instead of one comparison per operation
QUEUE_OPS: constant(uint256) = (1 << spec.OP_DEPOSIT) | (1 << spec.OP_FORCED_WITHDRAW) | (1 << spec.OP_FORCED_CLOSE)

GOVERNANCE: public(immutable(address))
QUEUE: public(immutable(address))
TABLES: public(immutable(address))
TOKEN: public(immutable(address))
EXODUS: public(immutable(address))
MAX_ORACLE_AGE: public(immutable(uint256))
GENESIS_ROOT: public(immutable(uint256))

state_root: public(uint256)
batch_number: public(uint256)
last_table_id: public(uint256)
exodus: public(bool)
exodus_since: public(uint256)
verifier: public(HashMap[uint256, address])
owner_of: public(HashMap[uint256, address])     # set by accepted deposits (module docstring)
held: public(uint256)           # tokens standing for the accounts' cash: credited deposits - exit payouts
retained: public(uint256)       # what exit haircuts kept back (covers the fund's deficit)
fund_deficit: public(uint256)   # the insurance fund's deficit after the last accepted batch


@deploy
def __init__(governance: address, queue: address, tables: address, token: address, exodus_: address,
             genesis_root: uint256, max_oracle_age: uint256):
    assert genesis_root < spec.R, "rollup: the genesis root must be below r"
    GOVERNANCE = governance
    QUEUE = queue
    TABLES = tables
    TOKEN = token
    EXODUS = exodus_
    GENESIS_ROOT = genesis_root
    MAX_ORACLE_AGE = max_oracle_age
    self.state_root = genesis_root


# --- governance --------------------------------------------------------------------------

@external
def set_verifier(batch_size: uint256, verifier: address):
    """The governor sets the Groth16 verifier contract of batches of `batch_size` slots
    (the zero address removes it)."""
    assert msg.sender == staticcall IGovernance(GOVERNANCE).governor(), "rollup: only the governor"
    assert batch_size >= 1 and batch_size <= spec.MAX_L1_BATCH, "rollup: batch size must be in 1..64"
    assert verifier == empty(address) or verifier.is_contract, "rollup: the verifier must be a contract"
    self.verifier[batch_size] = verifier
    log VerifierSet(batch_size=batch_size, verifier=verifier)


# --- batches -----------------------------------------------------------------------------

@pure
@internal
def _field(buf: Bytes[spec.MAX_RECORDS_BYTES + 32], offset: uint256, size: uint256) -> uint256:
    """The big-endian field of `size` bytes at byte `offset` (buf is the records + 32 zero bytes)."""
    return convert(extract32(buf, offset), uint256) >> (256 - 8 * size)


@view
@internal
def _check(new_root: uint256, table_id: uint256, buf: Bytes[spec.MAX_RECORDS_BYTES + 32],
           size: uint256, fund_deficit: uint256, oi_size: uint256) -> (uint256, uint256, uint256, uint256):
    """Everything but the queue and the proof; returns (N, queue entries consumed, oracle hash,
    CASH_FLOW_OFFSET + the records' cash flow). The flow is circuits.spec.solvency.cash_flow:
    credited deposits - withdrawals - forced withdrawals' paid amounts (no underflow: N
    amounts below 2^64 each against an offset of 2^127)."""
    assert not self.exodus, "rollup: exodus mode"
    assert not staticcall IQueue(QUEUE).overdue(), "rollup: a priority request is past its deadline (exodus)"
    n: uint256 = size // spec.RECORD_BYTES
    assert n >= 1 and n * spec.RECORD_BYTES == size, "rollup: the records are not N whole records"
    assert self.verifier[n] != empty(address), "rollup: no verifying key for this batch size"
    assert new_root < spec.R, "rollup: the new root is not below r"
    assert fund_deficit < (1 << spec.DEFICIT_BITS), "rollup: the fund's deficit is not below 2^128"
    assert oi_size == staticcall ITables(TABLES).K() * spec.OI_BYTES, "rollup: not K open interests"
    assert table_id >= self.last_table_id, "rollup: oracle table older than the last accepted batch's"
    oracle_hash: uint256 = 0
    timestamp: uint256 = 0
    oracle_hash, timestamp = staticcall ITables(TABLES).table(table_id)
    assert table_id >= staticcall ITables(TABLES).first_table_id(), "rollup: oracle table of a replaced market"
    assert timestamp + MAX_ORACLE_AGE >= block.timestamp, "rollup: stale oracle table"
    nq: uint256 = 0
    flow: uint256 = spec.CASH_FLOW_OFFSET
    for i: uint256 in range(n, bound=spec.MAX_L1_BATCH):
        at: uint256 = i * spec.RECORD_BYTES
        op: uint256 = convert(extract32(buf, at + spec.OP_OFFSET), uint256) >> 248
        if (QUEUE_OPS >> op) & 1 == 1:
            nq += 1
        if op == spec.OP_DEPOSIT:
            if self._field(buf, at + spec.DEPOSIT_REFUNDED_OFFSET, spec.DEPOSIT_REFUNDED_BYTES) == 0:
                flow += self._field(buf, at + spec.DEPOSIT_AMOUNT_OFFSET, spec.DEPOSIT_AMOUNT_BYTES)
        elif op == spec.OP_WITHDRAW:
            flow -= self._field(buf, at + spec.WITHDRAW_AMOUNT_OFFSET, spec.WITHDRAW_AMOUNT_BYTES)
        elif op == spec.OP_FORCED_WITHDRAW:
            flow -= self._field(buf, at + spec.FORCED_WITHDRAW_PAID_OFFSET, spec.FORCED_WITHDRAW_PAID_BYTES)
    return n, nq, oracle_hash, flow


@view
@internal
def _digest(new_root: uint256, oracle_hash: uint256, prio_old: uint256, prio_new: uint256,
            records: Bytes[spec.MAX_RECORDS_BYTES], fund_deficit: uint256, flow: uint256,
            open_interest: Bytes[spec.MAX_OI_BYTES]) -> bytes32:
    """sha256(HEADER || RECORDS || TRAILER), the trailer the solvency outputs: the deficit
    and the records' cash flow as 16 bytes big-endian each, the open interests as the long
    and again as the short totals (circuits.spec.public_input; fund_deficit < 2^128 and the
    open interests' length are checked first)."""
    return sha256(concat(convert(self.state_root, bytes32), convert(new_root, bytes32),
                         convert(oracle_hash, bytes32), convert(prio_old, bytes32),
                         convert(prio_new, bytes32), records,
                         convert(convert(fund_deficit, uint128), bytes16),
                         convert(convert(flow, uint128), bytes16),
                         open_interest, open_interest))


@view
@external
def expected_public_input(new_root: uint256, table_id: uint256, records: Bytes[spec.MAX_RECORDS_BYTES],
                          fund_deficit: uint256, open_interest: Bytes[spec.MAX_OI_BYTES]) -> uint256:
    """The public input submit_batch would check for this batch now (a view: the operator
    compares it with its witness before proving); reverts where submit_batch would before
    looking at the proof."""
    buf: Bytes[spec.MAX_RECORDS_BYTES + 32] = concat(records, empty(bytes32))
    n: uint256 = 0
    nq: uint256 = 0
    oracle_hash: uint256 = 0
    flow: uint256 = 0
    n, nq, oracle_hash, flow = self._check(new_root, table_id, buf, len(records), fund_deficit, len(open_interest))
    prio_old: uint256 = 0
    prio_new: uint256 = 0
    entries: DynArray[uint256, spec.MAX_L1_BATCH] = []
    prio_old, prio_new, entries = staticcall IQueue(QUEUE).preview(nq)
    return convert(self._digest(new_root, oracle_hash, prio_old, prio_new, records, fund_deficit, flow,
                                open_interest), uint256) >> 3


@internal
def _send(receiver: address, amount: uint256):
    if amount == 0 or receiver == empty(address):
        return
    assert extcall IERC20(TOKEN).transfer(receiver, amount), "rollup: token transfer failed"


@pure
@internal
def _exit_payout(x: uint256, held: uint256, deficit: uint256, retained: uint256) -> uint256:
    """What an exit of x is paid (circuits.spec.solvency.exit_payout; held and retained: the
    ledger before the batch): x while the deficit is covered (retained >= deficit), else
    x * held // (held + deficit - retained). No overflow: x < 2^64 (a record's amount) and
    held < 2^128 (the tokens held, far below it)."""
    if retained >= deficit:
        return x
    return x * held // (held + (deficit - retained))


@pure
@internal
def _credited(buf: Bytes[spec.MAX_RECORDS_BYTES + 32], n: uint256,
              entries: DynArray[uint256, spec.MAX_L1_BATCH]) -> uint256:
    """The deposits the batch credits (deposit records not refunded, their entries' amounts)."""
    total: uint256 = 0
    j: uint256 = 0
    for i: uint256 in range(n, bound=spec.MAX_L1_BATCH):
        at: uint256 = i * spec.RECORD_BYTES
        op: uint256 = convert(extract32(buf, at + spec.OP_OFFSET), uint256) >> 248
        if (QUEUE_OPS >> op) & 1 == 1:
            if op == spec.OP_DEPOSIT and self._field(buf, at + spec.DEPOSIT_REFUNDED_OFFSET,
                                                     spec.DEPOSIT_REFUNDED_BYTES) == 0:
                total += (entries[j] >> spec.ENTRY_AMOUNT_SHIFT) & AMOUNT_MASK
            j += 1
    return total


@internal
def _pay(buf: Bytes[spec.MAX_RECORDS_BYTES + 32], n: uint256, entries: DynArray[uint256, spec.MAX_L1_BATCH],
         deficit: uint256) -> uint256:
    """Walk the records: check each consuming record against its entry's kind, learn the
    owners of credited deposits, keep the ledger, pay (module docstring). Returns held."""
    held: uint256 = self.held
    retained: uint256 = self.retained
    # every exit is priced at one ratio, not at the ledger as the walk moves it (a deposit
    # credited earlier in the batch would raise the ratio of the exits after it, and the
    # operator orders the records): the ledger before the batch with all the deposits the
    # batch credits (exits they fund would otherwise be cut below their share, docs/l1.md)
    held0: uint256 = held
    retained0: uint256 = retained
    if deficit > retained0:
        held0 += self._credited(buf, n, entries)
    j: uint256 = 0
    for i: uint256 in range(n, bound=spec.MAX_L1_BATCH):
        at: uint256 = i * spec.RECORD_BYTES
        op: uint256 = convert(extract32(buf, at + spec.OP_OFFSET), uint256) >> 248
        x: uint256 = 0
        receiver: address = empty(address)
        if op == spec.OP_WITHDRAW:
            x = self._field(buf, at + spec.WITHDRAW_AMOUNT_OFFSET, spec.WITHDRAW_AMOUNT_BYTES)
            receiver = convert(self._field(buf, at + spec.WITHDRAW_L1_ADDRESS_OFFSET, spec.WITHDRAW_L1_ADDRESS_BYTES),
                               address)
        elif (QUEUE_OPS >> op) & 1 == 1:
            e: uint256 = entries[j]
            j += 1
            kind: uint256 = (e >> spec.ENTRY_KIND_SHIFT) & KIND_MASK
            owner: address = convert(e & ADDRESS_MASK, address)
            amount: uint256 = (e >> spec.ENTRY_AMOUNT_SHIFT) & AMOUNT_MASK
            if op == spec.OP_DEPOSIT:
                assert kind == spec.KIND_DEPOSIT, "rollup: a deposit record meets a queue entry of another kind"
                if self._field(buf, at + spec.DEPOSIT_REFUNDED_OFFSET, spec.DEPOSIT_REFUNDED_BYTES) != 0:
                    self._send(owner, amount)           # not a claim on the accounts: in full
                else:
                    held += amount
                    account: uint256 = self._field(buf, at + spec.DEPOSIT_ACCOUNT_OFFSET, spec.DEPOSIT_ACCOUNT_BYTES)
                    if self.owner_of[account] != owner:
                        self.owner_of[account] = owner
            elif op == spec.OP_FORCED_CLOSE:
                # nothing to pay: the positions go to the fund inside the rollup (the proof binds
                # the entry, account and requester, through the chain)
                assert kind == spec.KIND_FORCED_CLOSE, "rollup: a forced-close record meets a queue entry of another kind"
            else:
                assert kind == spec.KIND_FORCED, "rollup: a forced-withdrawal record meets a queue entry of another kind"
                x = self._field(buf, at + spec.FORCED_WITHDRAW_PAID_OFFSET, spec.FORCED_WITHDRAW_PAID_BYTES)
                assert x <= amount, "rollup: a forced withdrawal pays more than requested"
                receiver = owner
        if x != 0:
            payout: uint256 = self._exit_payout(x, held0, deficit, retained0)
            retained += x - payout
            held -= min(held, payout)           # saturating: a genesis without deposits
            self._send(receiver, payout)
    self.held = held
    self.retained = retained
    return held


@nonreentrant
@external
def submit_batch(new_root: uint256, table_id: uint256, records: Bytes[spec.MAX_RECORDS_BYTES],
                 fund_deficit: uint256, open_interest: Bytes[spec.MAX_OI_BYTES], proof: uint256[8]) -> uint256:
    """Verify and apply one batch (module docstring); fund_deficit: the insurance fund's
    deficit after the batch, open_interest: the K open interests after it (OI_BYTES
    big-endian each), both in the public input's trailer; proof = [a.x, a.y, b.x.c1, b.x.c0,
    b.y.c1, b.y.c0, c.x, c.y]. Returns the new batch number."""
    assert msg.sender == tx.origin, "rollup: a batch is sent by an account, not through a contract"
    buf: Bytes[spec.MAX_RECORDS_BYTES + 32] = concat(records, empty(bytes32))
    n: uint256 = 0
    nq: uint256 = 0
    oracle_hash: uint256 = 0
    flow: uint256 = 0
    n, nq, oracle_hash, flow = self._check(new_root, table_id, buf, len(records), fund_deficit, len(open_interest))
    prio_old: uint256 = 0
    prio_new: uint256 = 0
    entries: DynArray[uint256, spec.MAX_L1_BATCH] = []
    prio_old, prio_new, entries = extcall IQueue(QUEUE).consume(nq)
    digest: bytes32 = self._digest(new_root, oracle_hash, prio_old, prio_new, records, fund_deficit, flow,
                                   open_interest)
    assert staticcall IVerifier(self.verifier[n]).verifyProof(
        [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]],
        [convert(digest, uint256) >> 3]), "rollup: invalid proof"
    old_root: uint256 = self.state_root
    bn: uint256 = self.batch_number + 1
    self.state_root = new_root
    self.batch_number = bn
    self.last_table_id = table_id
    log BatchAccepted(batch_number=bn, old_root=old_root, new_root=new_root, table_id=table_id,
                      data_hash=digest, n_records=n)
    # this batch's deficit first: it prices the batch's own exits
    self.fund_deficit = fund_deficit
    held: uint256 = self._pay(buf, n, entries, fund_deficit)
    assert held + staticcall IQueue(QUEUE).pending_deposits() <= staticcall IERC20(TOKEN).balanceOf(self), \
        "rollup: insolvent: the tokens held for the accounts and the queued deposits exceed the balance"
    log Solvency(batch_number=bn, held=held, retained=self.retained, fund_deficit=fund_deficit)
    return bn


# --- exodus ------------------------------------------------------------------------------

@external
def activate_exodus():
    """Anyone: switch to exodus mode once a queue entry is past its deadline (for good)."""
    assert not self.exodus, "rollup: already in exodus mode"
    assert staticcall IQueue(QUEUE).overdue(), "rollup: no priority request is past its deadline"
    self.exodus = True
    self.exodus_since = block.timestamp
    log ExodusActivated(timestamp=block.timestamp)


@nonreentrant
@external
def release(receiver: address, amount: uint256):
    """In exodus mode the exodus contract (claims) and the queue (unconsumed deposits) pay out."""
    assert msg.sender == EXODUS or msg.sender == QUEUE, "rollup: only the exodus contract or the queue"
    assert self.exodus, "rollup: not in exodus mode"
    assert receiver != empty(address), "rollup: release to the zero address"
    log Released(receiver=receiver, amount=amount)
    assert extcall IERC20(TOKEN).transfer(receiver, amount), "rollup: token transfer failed"
