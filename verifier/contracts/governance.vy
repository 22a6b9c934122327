# pragma version ~=0.4.3
"""
@title Governance of the rollup
@notice Holds the governor: the one address that may set verifying keys (the verifier
        contract per batch size), register markets, name the oracle publisher and set the
        forced-request fee. The other contracts ask it who the governor is. Handing the
        role on takes two steps (propose, then accept by the new governor), so a typo
        cannot lose it.
"""

event GovernorProposed:
    current: indexed(address)
    proposed: indexed(address)

event GovernorChanged:
    previous: indexed(address)
    governor: indexed(address)

governor: public(address)
proposed_governor: public(address)


@deploy
def __init__(governor_: address):
    assert governor_ != empty(address), "governance: the governor cannot be the zero address"
    self.governor = governor_
    log GovernorChanged(previous=empty(address), governor=governor_)


@external
def propose_governor(candidate: address):
    """The governor names its successor (the zero address withdraws a proposal)."""
    assert msg.sender == self.governor, "governance: only the governor"
    self.proposed_governor = candidate
    log GovernorProposed(current=msg.sender, proposed=candidate)


@external
def accept_governance():
    """The proposed successor takes the role."""
    assert msg.sender == self.proposed_governor and msg.sender != empty(address), \
        "governance: only the proposed governor"
    log GovernorChanged(previous=self.governor, governor=msg.sender)
    self.governor = msg.sender
    self.proposed_governor = empty(address)
