"""What fixes an operator for good: the genesis of its state and its batch size.

`Genesis` is published with the deployment (the contract's genesis root is
`genesis.make_state().root`). `load_config` stores both in the journal's `op_meta` the first
time and checks them against what is stored afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import OperatorError
from ..market import Market
from ..matching import Book
from ..state import RollupState
from .journal import Journal

MAX_BATCH_SIZE = 1024


@dataclass(frozen=True)
class Genesis:
    """Everything that fixes the initial state (published with the deployment)."""

    market: Market
    account_depth: int
    order_depth: int
    n_scenarios: int
    fee_pk: tuple
    insurance_pk: tuple
    clearing_pk: tuple

    def make_state(self) -> RollupState:
        return RollupState(self.market, fee_pk=self.fee_pk, insurance_pk=self.insurance_pk,
                           clearing_pk=self.clearing_pk, account_depth=self.account_depth,
                           order_depth=self.order_depth, n_scenarios=self.n_scenarios)

    def to_obj(self) -> dict:
        return {"market": self.market.to_obj(), "account_depth": self.account_depth,
                "order_depth": self.order_depth, "n_scenarios": self.n_scenarios,
                "fee_pk": list(self.fee_pk), "insurance_pk": list(self.insurance_pk),
                "clearing_pk": list(self.clearing_pk)}

    @classmethod
    def from_obj(cls, d: dict) -> "Genesis":
        return cls(Market.from_obj(d["market"]), d["account_depth"], d["order_depth"], d["n_scenarios"],
                   tuple(d["fee_pk"]), tuple(d["insurance_pk"]), tuple(d["clearing_pk"]))


def load_config(journal: Journal, where: Path, genesis: Optional[Genesis],
                batch_size: Optional[int]) -> tuple[Genesis, int]:
    """(genesis, batch size) of the operator in `where`: stored on first use (with an empty
    book), checked against the arguments afterwards (None: take the stored one)."""
    stored = journal.meta("config")
    if stored is None:
        if genesis is None or batch_size is None:
            raise OperatorError(f"{where} holds no operator; a new one needs a genesis and a batch size")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch size must be an int in 1..{MAX_BATCH_SIZE}, got {batch_size!r}")
        journal.set_meta("config", {"genesis": genesis.to_obj(), "batch_size": batch_size})
        journal.set_meta("book", Book().to_obj())
        stored = journal.meta("config")
    g = Genesis.from_obj(stored["genesis"])
    if genesis is not None and genesis.to_obj() != g.to_obj():
        raise OperatorError(f"{where} holds an operator with another genesis")
    if batch_size is not None and batch_size != stored["batch_size"]:
        raise OperatorError(f"{where} holds an operator for batches of {stored['batch_size']}, "
                            f"not {batch_size}")
    return g, stored["batch_size"]
