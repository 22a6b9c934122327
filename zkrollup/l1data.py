"""The data the operator publishes on L1, and rebuilding the state from L1 alone.

**Posted data.** Every batch's calldata carries one record per slot
(`circuits.spec.records`, `verifier.calldata`): the operation's code and the fields an
observer needs, and L1 pays from. The records are part of the proof's public input
(SHA-256 over the header and the records, `circuits.spec.public_input`), so the data L1
accepted is exactly what the proof proved: no operator can post data that differs from
the batch it proved.

**Queue entries.** Deposits, forced withdrawals and forced closes come from the
contract's priority queue (`RollupL1.queue`); `entry_op` turns an entry into the
operation that serves it. A deposit, forced_withdraw or forced_close record consumes the
next entry.

**Rebuild.** `rebuild_from_l1(contract, genesis)` reads nothing but the contract: it starts
from the genesis state and, for every accepted batch in order, installs the oracle table
the calldata names (as published to the contract, hash checked) with the market it was
published for (every registration is on L1), and replays each record
(`zkrollup.ops.op_from_record`): the operation it shows, with the queue entry it consumes,
applied to the native state with every rule but the signatures (the accepted proof
verified them; the records do not carry them). Each replayed operation must produce
exactly the posted record (a deposit's refund flag, a forced withdrawal's payout), the
batch must end at the accepted new root and priority chain. Anyone can therefore rebuild
every account's leaf, and its Merkle path, to exit in exodus mode.
"""
from __future__ import annotations

from circuits.spec.priority import KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE
from circuits.spec.records import PRIORITY_KIND, decode_record
from circuits.spec.tables import OracleTable

from .market import Market
from .ops import Deposit, ForcedClose, ForcedWithdraw, op_from_record
from .ops.messages import BadRequest


class RebuildError(ValueError):
    """The published data does not lead to what the contract accepted."""


def entry_op(e: dict):
    """The operation that serves a priority-queue entry (`RollupL1.queue`)."""
    if e.get("kind") == KIND_DEPOSIT:
        return Deposit(e["account"], (e["pk_x"], e["pk_y"]), e["amount"], e["l1_address"])
    if e.get("kind") == KIND_FORCED:
        return ForcedWithdraw(e["account"], e["amount"], e["l1_address"])
    if e.get("kind") == KIND_FORCED_CLOSE:
        return ForcedClose(e["account"], e["l1_address"])
    raise BadRequest(f"queue entry of unknown kind {e.get('kind')!r}")


# --- the contract's tables as native objects ----------------------------------------------------

def published_oracle(contract, table_id: int) -> OracleTable:
    """The oracle table `table_id` as the oracle published it to the contract."""
    t = contract.oracle_table(table_id)
    if t is None:
        raise ValueError(f"the contract has no oracle table {table_id}")
    table = OracleTable.decode(t["encoded"])
    if table.hash() != t["hash"]:
        raise ValueError(f"oracle table {table_id} does not hash to its published hash")
    return table


def published_markets(contract) -> dict[int, Market]:
    """Every market ever registered with the contract, by hash (each checked)."""
    return {m.hash(): m for m in (Market.from_table(t) for t in contract.markets())}


def published_market(contract) -> Market:
    """The market table currently registered with the contract (decoded from its
    registration and checked against the hash L1 stored)."""
    m = contract.market()
    if m is None:
        raise ValueError("the contract has no registered market")
    market = Market.from_table(m)
    if market.hash() != contract.market_hash:
        raise ValueError("the registered market does not hash to its published hash")
    return market


# --- rebuild ------------------------------------------------------------------------------------

def _replay_batch(st, rec: dict, queue: list[dict]) -> None:
    """Apply the records of one accepted batch to `st` (RebuildError when they do not apply
    or do not reproduce themselves)."""
    cd = rec["calldata"]
    b = cd.batch_number
    nxt = rec["first_entry"]
    for i, raw in enumerate(cd.records):
        r = decode_record(raw)
        entry = None
        if r.op in PRIORITY_KIND:
            if nxt >= len(queue):
                raise RebuildError(f"batch {b}, record {i}: consumes a queue entry L1 never queued")
            entry = entry_op(queue[nxt])
            nxt += 1
        try:
            op = op_from_record(st, r, entry)
            w = st.apply_l1_request(op)
        except Exception as e:      # a record that does not apply: the data is not what was proved
            raise RebuildError(f"batch {b}, record {i} ({r.name}) does not apply: {e}") from None
        if w.record != raw:
            raise RebuildError(f"batch {b}, record {i} ({r.name}): the replayed operation posts another record")


def rebuild_from_l1(contract, genesis):
    """The state after the contract's last accepted batch, from the contract's published
    data alone (see the module docstring). `genesis` is a `zkrollup.operator.Genesis`.
    Raises RebuildError."""
    st = genesis.make_state()
    markets = published_markets(contract)
    queue = contract.queue()
    for rec in contract.accepted_batches():
        cd = rec["calldata"]
        b = cd.batch_number
        if rec["old_root"] != st.root or rec["prio_old"] != st.prio:
            raise RebuildError(f"batch {b}: its old root or priority chain is not the one rebuilt so far")
        table = published_oracle(contract, cd.oracle_table_id)
        if table.market_hash != st.market.hash():
            if table.market_hash not in markets:
                raise RebuildError(f"batch {b} was proved against a market that was never registered")
            st.market = markets[table.market_hash]
        if table.hash() != rec["oracle_hash"]:
            raise RebuildError(f"batch {b}: oracle table {cd.oracle_table_id} differs from the one it was proved with")
        if st.oracle != table:
            st.set_oracle(table)
        _replay_batch(st, rec, queue)
        st.end_batch()
        if st.batch_number != b or st.root != rec["new_root"] or st.prio != rec["prio_new"]:
            raise RebuildError(f"batch {b}: the posted records do not lead to the accepted root")
    if st.root != contract.state_root:
        raise RebuildError("the rebuilt root differs from the contract's root")
    return st
