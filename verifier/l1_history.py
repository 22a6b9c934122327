"""What the rollup's L1 contracts published, read back from the chain's transaction log.

A contract keeps in storage only what L1 itself needs (roots, chain values, hashes); what
everybody else needs is in the events and the calldata of the transactions that made
them: queue entries (DepositQueued / ForcedWithdrawalQueued / ForcedCloseQueued), oracle tables
(OracleTablePublished and the packed table in its calldata), markets (MarketRegistered),
accepted batches (BatchAccepted and the records in the submit_batch calldata), token
holders (Transfer), exodus claims and withdrawals (Claimed, Withdrawn) and reclaimed
deposits. `History.scan()` reads the log once from where it stopped (on a node:
eth_getLogs and eth_getTransactionByHash), and derives per batch what it consumed and
paid by walking its records against the queue, exactly as the rollup contract does: the
owners its credited deposits prove (`owners`, the contract's owner_of) and its solvency
ledger (`held`, `retained`, `fund_deficit`; every exit of a batch paid
`circuits.spec.solvency.exit_payout` at the ledger as it stood before the batch, one ratio
per batch), checked against the contract's Solvency event of every batch.
"""
from __future__ import annotations

from eth_abi import decode

from circuits.spec.ops import OP_DEPOSIT, OP_FORCED_CLOSE, OP_WITHDRAW
from circuits.spec.priority import KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE
from circuits.spec.records import PRIORITY_KIND, RECORD_BYTES
from circuits.spec.solvency import exit_payout, open_interest_from_bytes

from .abi import Contract, abi_type, function, selector, signature
from .calldata import BatchCalldata
from .evm import Receipt, to_address

PAYOUT_WITHDRAWAL, PAYOUT_FORCED, PAYOUT_REFUND = 1, 2, 3

_QUEUED = {"DepositQueued": KIND_DEPOSIT, "ForcedWithdrawalQueued": KIND_FORCED,
           "ForcedCloseQueued": KIND_FORCED_CLOSE}
"""The queue's events that append an entry, and its kind (a forced close has amount 0)."""


def _int_address(a: str) -> int:
    return int(to_address(a), 16)


def call_args(contract: Contract, name: str, nargs: int, data: bytes) -> tuple:
    """The arguments of a call to `name` the contract accepted, decoded as the contract's
    (Vyper's) decoder reads them: padding bytes are not checked (strict=False), or anyone
    could resend a batch with one dirty padding byte, which L1 accepts and a strict reader
    cannot read (a stall of every reader; found by an adversarial review)."""
    fn = function(contract.abi, name, nargs)
    if bytes(data[:4]) != selector(signature(fn)):
        raise ValueError(f"the transaction that logged {name} did not call {name}")
    return decode([abi_type(p) for p in fn["inputs"]], bytes(data[4:]), strict=False)


def _own_calldata(data, what: str) -> bytes:
    """The calldata of the transaction that logged `what`, which must have been sent to the
    logging contract itself: the contracts refuse batches and tables relayed by another
    contract (their data would not be in the calldata), so None is a ValueError."""
    if data is None:
        raise ValueError(f"the {what} was accepted in a transaction sent to another contract: its data "
                         f"is not that transaction's calldata")
    return data


class History:
    """The published history of one deployment (module docstring). `contracts`: the
    client's Contract objects by role (token, rollup, queue, tables, exodus)."""

    def __init__(self, chain, contracts: dict[str, Contract]):
        self.chain, self.c = chain, contracts
        self._by_address = {to_address(ct.address): role for role, ct in contracts.items()}
        self.cursor = 0
        self.entries: list[dict] = []
        self.tables: list[dict] = []
        self.markets: list[tuple[int, tuple]] = []
        self.batches: list[dict] = []
        self.payouts: dict[int, list[dict]] = {}
        self.holders: set[int] = set()
        self.exits: dict[int, dict] = {}
        self.head = 0
        self.owners: dict[int, int] = {}       # account -> owner (int), as rollup.owner_of
        self.held = self.retained = self.fund_deficit = 0
        self._ratio = (0, 0)                   # (held, retained) before the batch being walked

    def scan(self) -> None:
        for seq, rc, data in self.chain.transactions(self.cursor):
            self.cursor = seq
            if not rc.status:
                continue
            to = self._by_address.get(to_address(rc.to)) if rc.to else None
            roles = {self._by_address.get(to_address(log.address)) for log in rc.logs}
            if "queue" in roles:
                self._queue(rc)
            if "tables" in roles:
                self._tables(rc, data if to == "tables" else None)
            if "rollup" in roles:
                self._batch(rc, data if to == "rollup" else None)
            if "token" in roles:
                for ev in self.c["token"].events(rc, "Transfer"):
                    self.holders.update(_int_address(ev.args[k]) for k in ("sender", "receiver"))
            if "exodus" in roles:
                self._exodus(rc)
        self.holders.discard(0)

    def _exodus(self, rc: Receipt) -> None:
        for ev in self.c["exodus"].events(rc):
            a = ev.args
            if ev.name == "Claimed":
                self.exits[a["account"]] = {"owner": _int_address(a["owner"]), "worth": a["worth"],
                                            "late": a["late"], "claimed_at": rc.timestamp}
            elif ev.name == "Withdrawn":
                self.exits[a["account"]].update(paid=a["paid"], paid_at=rc.timestamp)

    def _queue(self, rc: Receipt) -> None:
        for ev in self.c["queue"].events(rc):
            a = ev.args
            if ev.name in _QUEUED:
                dep = ev.name == "DepositQueued"
                self.entries.append({
                    "index": a["index"], "kind": _QUEUED[ev.name], "account": a["account"],
                    "amount": a.get("amount", 0), "pk_x": a["pk_x"] if dep else 0, "pk_y": a["pk_y"] if dep else 0,
                    "l1_address": _int_address(a["depositor"] if dep else a["requester"]), "chain": a["prio"],
                    "queued_at": rc.timestamp, "deadline": a["deadline"], "served_batch": None, "paid": None,
                    "reclaimed": False})
            elif ev.name == "DepositReclaimed":
                self.entries[a["index"]]["reclaimed"] = True

    def _tables(self, rc: Receipt, data: bytes) -> None:
        tables = self.c["tables"]
        for ev in tables.events(rc):
            if ev.name == "OracleTablePublished":
                (packed,) = call_args(tables, "publish_oracle_table", 1, _own_calldata(data, "oracle table"))
                self.tables.append({"table_id": ev.args["table_id"], "hash": ev.args["table_hash"],
                                    "published_at": ev.args["timestamp"], "block_time": rc.timestamp,
                                    "packed": tuple(packed)})
            elif ev.name == "MarketRegistered":
                self.markets.append((ev.args["market_hash"], tuple(ev.args["rows"])))

    def _batch(self, rc: Receipt, data: bytes) -> None:
        solvency = {e.args["batch_number"]: e.args for e in self.c["rollup"].events(rc, "Solvency")}
        for ev in self.c["rollup"].events(rc, "BatchAccepted"):
            a = ev.args
            new_root, table_id, records, deficit, oi, proof = call_args(self.c["rollup"], "submit_batch", 6,
                                                                       _own_calldata(data, f"batch {a['batch_number']}"))
            recs = [bytes(records[i:i + RECORD_BYTES]) for i in range(0, len(records), RECORD_BYTES)]
            cd = BatchCalldata(batch_number=a["batch_number"], new_root=new_root, oracle_table_id=table_id,
                               records=tuple(recs), fund_deficit=deficit, open_interest=open_interest_from_bytes(oi))
            first = self.head
            self.fund_deficit = deficit                 # this batch's deficit prices its own exits
            # ... at one ratio: the ledger before the batch with every deposit it credits
            credited = sum(self.entries[first + i]["amount"] for i, r in enumerate(
                [r for r in cd.decoded() if r.op in PRIORITY_KIND]) if r.op == OP_DEPOSIT and not r.fields["refunded"])
            self._ratio = (self.held + (credited if deficit > self.retained else 0), self.retained)
            pays = self._walk(a["batch_number"], cd)
            s = solvency.get(a["batch_number"])
            if s is None or (s["held"], s["retained"], s["fund_deficit"]) != (self.held, self.retained, deficit):
                raise RuntimeError(f"batch {a['batch_number']}: the contract's Solvency event differs from the "
                                   f"ledger derived from its records")
            table = self.tables[table_id - 1]
            digest = bytes(a["data_hash"])
            self.batches.append({
                "batch_number": a["batch_number"], "calldata": cd, "calldata_bytes": cd.to_bytes(),
                "tx_input": bytes(data),
                "proof": {"a": tuple(proof[0:2]), "b": ((proof[3], proof[2]), (proof[5], proof[4])),
                          "c": tuple(proof[6:8])},
                "public_input": int.from_bytes(digest, "big") >> 3, "data_hash": digest,
                "old_root": a["old_root"], "new_root": a["new_root"], "oracle_hash": table["hash"],
                "market_hash": table["packed"][0], "table_id": table_id,
                "prio_old": self.entries[first - 1]["chain"] if first else 0,
                "prio_new": self.entries[self.head - 1]["chain"] if self.head else 0,
                "first_entry": first, "entries_served": tuple(range(first, self.head)),
                "accepted_at": rc.timestamp, "gas": rc.gas_used, "block": rc.block,
                "fund_deficit": deficit, "held": self.held, "retained": self.retained})
            self.payouts[a["batch_number"]] = pays

    def _exit(self, x: int) -> int:
        """Pay an exit of x as the contract does: exit_payout at the ledger before the batch
        with the batch's credited deposits (`_ratio`: one ratio for every exit of the batch),
        retain the rest, held -= payout (saturating at 0)."""
        held0, retained0 = self._ratio
        paid = exit_payout(x, held0, self.fund_deficit, retained0)
        self.retained += x - paid
        self.held -= min(self.held, paid)
        return paid

    def _walk(self, b: int, cd: BatchCalldata) -> list[dict]:
        """Consume queue entries, learn owners, keep the ledger and list the payouts as the
        rollup contract does (rollup.vy `_pay`)."""
        out = []
        for r in cd.decoded():
            if r.op == OP_WITHDRAW:
                out.append({"kind": PAYOUT_WITHDRAWAL, "account": r.fields["account"],
                            "l1_address": r.fields["l1_address"], "amount": self._exit(r.fields["amount"])})
            elif r.op in PRIORITY_KIND:
                e = self.entries[self.head]
                self.head += 1
                if r.op == OP_DEPOSIT:
                    if r.fields["refunded"]:
                        paid = e["amount"]                  # a refund: in full, not a claim
                    else:
                        paid = 0
                        self.held += e["amount"]
                        self.owners[r.fields["account"]] = e["l1_address"]
                elif r.op == OP_FORCED_CLOSE:               # a forced close pays nothing
                    paid = 0
                else:
                    paid = self._exit(r.fields["paid"])
                e["served_batch"], e["paid"] = b, paid
                if paid and e["l1_address"]:
                    out.append({"kind": PAYOUT_REFUND if r.op == OP_DEPOSIT else PAYOUT_FORCED,
                                "account": e["account"], "l1_address": e["l1_address"], "amount": paid})
        return [p for p in out if p["amount"] and p["l1_address"]]


__all__ = ["History", "PAYOUT_FORCED", "PAYOUT_REFUND", "PAYOUT_WITHDRAWAL", "call_args"]
