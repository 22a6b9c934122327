"""The batch data the operator publishes on L1, and rebuilding the state from L1 alone.

**Batch data.** A validity proof shows that the new root follows from the old one, but
users can only rebuild the tree (and exit in exodus mode) if the operations themselves
are public. The contract model's calldata (`verifier.calldata`) carries roots, deposit
count, oracle table id and the L1 effects, not the trades. So the operator passes each
batch's operations as the `data` argument of the same `submit_batch` call (the data part
of the L1 transaction, as zkSync and Loopring publish a block's operations):

    msgpack {"format": "zkrollup.batch_ops", "version": 1, "batch_number": b,
             "oracle_table_id": t, "ops": [op.to_obj() for every slot, Noop included]}

(big integers as in `zkrollup.batchfile`). The contract stores the bytes with the
accepted batch record, with the SHA-256 it computed of them (`RollupContract.batch_data`).
The data is not bound by the proof's public input (binding `data_hash` in the
commitment is a circuit change, future work), but it cannot make a rebuilt state wrong:
`rebuild_from_l1` replays it and accepts a batch only if it leads exactly to the root,
effects and deposit count the contract accepted with a proof.

**Rebuild.** `rebuild_from_l1(contract, genesis)` reads nothing but the contract: it starts
from the genesis state and, for every accepted batch in order, installs the oracle table
the calldata names (as published to the contract, hash checked), feeds the consumed
deposits from the contract's deposit log, applies the operations published with the
batch, closes the batch, and checks old root, new root, effects, deposit count and served
forced requests against the contract's record.
"""
from __future__ import annotations

import hashlib

from circuits.spec.tables import MarketTable, OracleTable

from .batchfile import pack, unpack
from .market import Market
from .ops import Deposit, ForcedWithdraw, op_from_obj

DATA_FORMAT = "zkrollup.batch_ops"
DATA_VERSION = 1


class RebuildError(ValueError):
    """The published data does not lead to what the contract accepted."""


def encode_batch_data(batch_number: int, table_id: int, ops) -> bytes:
    return pack({"format": DATA_FORMAT, "version": DATA_VERSION, "batch_number": batch_number,
                 "oracle_table_id": table_id, "ops": [op.to_obj() for op in ops]})


def decode_batch_data(data: bytes) -> dict:
    d = unpack(data)
    if not isinstance(d, dict) or d.get("format") != DATA_FORMAT or d.get("version") != DATA_VERSION:
        raise RebuildError("not a zkrollup batch-data record of a known version")
    try:
        d["ops"] = [op_from_obj(o) for o in d["ops"]]
    except (KeyError, TypeError, ValueError) as e:
        raise RebuildError(f"batch {d.get('batch_number')}: malformed operation ({e})") from None
    return d


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


def published_market(contract) -> Market:
    """The market table currently registered with the contract."""
    m = contract.store.current_market()
    if m is None:
        raise ValueError("the contract has no registered market")
    market = Market.from_table(MarketTable.decode(m[2]))
    if market.hash() != m[1]:
        raise ValueError("the registered market does not hash to its published hash")
    return market


# --- rebuild ------------------------------------------------------------------------------------

def rebuild_from_l1(contract, genesis):
    """The state after the contract's last accepted batch, from the contract's published
    data alone (see the module docstring). `genesis` is a `zkrollup.operator.Genesis`.
    Raises RebuildError."""
    st = genesis.make_state()
    market = published_market(contract)
    deposits = contract.deposits()
    forced = {r["id"]: r for r in contract.forced_requests()}
    for rec in contract.accepted_batches():
        cd = rec["calldata"]
        b = cd.batch_number
        if rec["old_root"] != st.root:
            raise RebuildError(f"batch {b}: its old root is not the root rebuilt so far")
        if rec["market_hash"] != st.market.hash():
            if rec["market_hash"] != market.hash():
                raise RebuildError(f"batch {b} was proved against a market table that is no longer "
                                   f"published (market history is needed to rebuild it)")
            st.market = market
        table = published_oracle(contract, cd.oracle_table_id)
        if table.hash() != rec["oracle_hash"]:
            raise RebuildError(f"batch {b}: oracle table {cd.oracle_table_id} differs from the one it was proved with")
        if st.oracle != table:
            st.set_oracle(table)
        blob = rec["data"]
        if hashlib.sha256(blob).digest() != rec["data_hash"]:
            raise RebuildError(f"batch {b}: its stored data does not match the hash the contract computed")
        if not blob:
            raise RebuildError(f"batch {b}: its operations were not published")
        try:
            data = decode_batch_data(blob)
        except RebuildError:
            raise
        except Exception as e:     # any undecodable bytes: the published data is garbage
            raise RebuildError(f"batch {b}: its published data does not decode ({e})") from None
        if data["batch_number"] != b or data.get("oracle_table_id") != cd.oracle_table_id \
                or len(data["ops"]) != cd.batch_size:
            raise RebuildError(f"batch {b}: published operations do not fit the batch")
        nd = rec["first_deposit"]
        effects = []
        for op in data["ops"]:
            if isinstance(op, Deposit):
                if nd >= len(deposits):
                    raise RebuildError(f"batch {b}: consumes a deposit that L1 never queued")
                d = deposits[nd]
                if (d["account"], d["pk_x"], d["pk_y"], d["amount"]) != (op.account, *op.pk, op.amount):
                    raise RebuildError(f"batch {b}: deposit {nd} differs from the L1 deposit log")
                nd += 1
            try:
                w = st.apply_l1_request(op)
            except Exception as e:
                raise RebuildError(f"batch {b}: published operation {op.kind} does not apply ({e})") from None
            effects.append(w.effect if w.effect.kind else None)
        if nd - rec["first_deposit"] != cd.n_deposits:
            raise RebuildError(f"batch {b}: consumes {nd - rec['first_deposit']} deposits, the calldata says "
                               f"{cd.n_deposits}")
        if [e for e in effects if e is not None] != [e for e in cd.effects if e is not None]:
            raise RebuildError(f"batch {b}: the published operations' L1 effects differ from the calldata's")
        served = [r for r in forced.values() if r["served_batch"] == b]
        n_forced = sum(1 for op in data["ops"] if isinstance(op, ForcedWithdraw))
        if n_forced != len(served):
            raise RebuildError(f"batch {b}: serves {n_forced} forced withdrawals, L1 recorded {len(served)}")
        st.end_batch()
        if st.batch_number != b or st.root != rec["new_root"]:
            raise RebuildError(f"batch {b}: the published operations do not lead to the accepted root")
    if st.root != contract.state_root:
        raise RebuildError("the rebuilt root differs from the contract's root")
    return st
