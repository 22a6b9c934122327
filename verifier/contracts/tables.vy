# pragma version ~=0.4.3
"""
@title Tables: the rollup's market registry and oracle tables
@notice The governor registers the market (its K instrument slots; K is the deployment's)
        and names the oracle, an externally owned account: it publishes oracle tables as
        its transactions' calldata (where readers of the chain find them), packed
        (circuits.spec.tables: the market hash, then 48-bit lanes five to a field
        element: timestamp, spot, K, S, the base move, the K x S scenario values
        scenario-major (scenario 0 the marks), then per slot its vol, settled flag and
        settlement price); this contract accepts a table only if the deployment can use it:
        for the registered market, with the deployment's K and S, every lane canonical
        (elements below 2^240, unused lanes 0), a timestamp below 2^40 that neither goes
        back before the previous table's nor passes the block's, settlement flags 0 or 1,
        a settlement price only on settled slots, and each settled slot (after its expiry)
        valued at its exact payoff in every scenario (the mark included). It stores the table's
        hash (the Poseidon sponge of the packed table, computed here) and timestamp under
        the next table id; a batch names the id (verifier/contracts/rollup.vy).
        The market hash is the sponge of [deployment_id, K, bonus, penalty,
        instrument_id[0..K-1]], instrument_id = Poseidon(kind, strike, expiry, size),
        deployment_id = chain id + 2^64 * the rollup contract's address. A slot may change
        instrument only while its open interest is 0, shown by opening the rollup's state
        root (accounts root and the K open interests).
"""

import spec
from lib import poseidon_k

interface IGovernance:
    def governor() -> address: view

interface IRollup:
    def state_root() -> uint256: view
    def exodus() -> bool: view

interface IPoseidon2:
    def hash(inputs: uint256[2]) -> uint256: view

interface IPoseidon4:
    def hash(inputs: uint256[4]) -> uint256: view

interface ISponge:
    def sponge(values: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256: view

event MarketRegistered:
    market_hash: uint256
    rows: DynArray[uint256, 4 + 4 * spec.MAX_INSTRUMENTS]

event OracleSet:
    oracle: indexed(address)

event OracleTablePublished:
    table_id: indexed(uint256)
    table_hash: uint256
    timestamp: uint256

LANE_MASK: constant(uint256) = (1 << spec.ORACLE_LANE_BITS) - 1
TIME_MASK: constant(uint256) = (1 << spec.TIME_BITS) - 1
TIMES_PER_WORD: constant(uint256) = 256 // spec.TIME_BITS
ELEMENT_BOUND: constant(uint256) = 1 << (spec.ORACLE_LANES * spec.ORACLE_LANE_BITS)

GOVERNANCE: public(immutable(address))
ROLLUP: public(immutable(address))
SPONGE: public(immutable(address))
POSEIDON2: public(immutable(address))
POSEIDON4: public(immutable(address))
POSEIDON_K: public(immutable(address))
POSEIDON_K_SELECTOR: immutable(bytes4)
K: public(immutable(uint256))
S: public(immutable(uint256))
DEPLOYMENT_ID: public(immutable(uint256))
N_LANES: immutable(uint256)
N_PACKED: public(immutable(uint256))

market_hash: public(uint256)
slot: public(HashMap[uint256, uint256])         # kind | strike << 8 | expiry << 56 | contract_size << 96
oracle: public(address)
latest_table_id: public(uint256)
first_table_id: public(uint256)                 # the first table of the current market: a batch may not name an older one
table_hash: HashMap[uint256, uint256]
table_times: HashMap[uint256, uint256]           # six 40-bit timestamps per word: id // 6, lane id % 6


@deploy
def __init__(governance: address, rollup: address, sponge: address, poseidon2: address, poseidon4: address,
             poseidon_wide: address, poseidon_wide_selector: bytes4, k: uint256, s: uint256, oracle: address):
    assert k >= 1 and k <= spec.MAX_INSTRUMENTS, "tables: K must be in 1..16"
    assert s >= 1 and s <= spec.MAX_SCENARIOS, "tables: S must be in 1..35"
    GOVERNANCE = governance
    ROLLUP = rollup
    SPONGE = sponge
    POSEIDON2 = poseidon2
    POSEIDON4 = poseidon4
    POSEIDON_K = poseidon_wide
    POSEIDON_K_SELECTOR = poseidon_wide_selector
    K = k
    S = s
    DEPLOYMENT_ID = chain.id + (convert(rollup, uint256) << 64)
    N_LANES = spec.ORACLE_HEADER - 1 + (s + spec.ORACLE_SLOT_FIELDS) * k
    N_PACKED = 1 + (N_LANES + spec.ORACLE_LANES - 1) // spec.ORACLE_LANES
    self.oracle = oracle
    log OracleSet(oracle=oracle)


# --- views -------------------------------------------------------------------------------

@view
@external
def table(table_id: uint256) -> (uint256, uint256):
    """(hash, timestamp) of published table `table_id` (ids count from 1)."""
    assert table_id >= 1 and table_id <= self.latest_table_id, "tables: no such oracle table"
    return self.table_hash[table_id], self._time(table_id)


@view
@internal
def _time(table_id: uint256) -> uint256:
    return (self.table_times[table_id // TIMES_PER_WORD] >> (spec.TIME_BITS * (table_id % TIMES_PER_WORD))) & TIME_MASK


# --- governance --------------------------------------------------------------------------

@view
@internal
def _only_governor():
    assert msg.sender == staticcall IGovernance(GOVERNANCE).governor(), "tables: only the governor"


@external
def set_oracle(oracle: address):
    self._only_governor()
    self.oracle = oracle
    log OracleSet(oracle=oracle)


@view
@internal
def _check_instrument(kind: uint256, strike: uint256, expiry: uint256, size: uint256):
    """circuits.spec.tables.check_instrument."""
    assert kind <= spec.KIND_FUTURE, "tables: unknown instrument kind"
    assert strike < (1 << spec.PRICE_BITS) and expiry < (1 << spec.TIME_BITS) and \
        size < (1 << spec.CONTRACT_SIZE_BITS), "tables: instrument field out of range"
    if kind == spec.KIND_EMPTY:
        assert strike == 0 and expiry == 0 and size == 0, "tables: an empty slot has strike, expiry and size 0"
        return
    assert size >= 1, "tables: contract size must be at least 1 lot"
    if kind == spec.KIND_FUTURE:
        assert strike == 0, "tables: a future has no strike"
    else:
        assert strike >= 1, "tables: an option needs a positive strike"


@external
def register_market(rows: DynArray[uint256, 4 + 4 * spec.MAX_INSTRUMENTS], accounts_root: uint256,
                    oi: DynArray[uint256, spec.MAX_INSTRUMENTS]) -> uint256:
    """The governor registers the market: rows = [deployment_id, K, bonus_bps, penalty_bps,
    kind_0, strike_0, expiry_0, contract_size_0, ...] (MarketTable.encode). Changing a
    listed slot's instrument needs (accounts_root, oi) opening the rollup's state root
    with oi[k] = 0 for every changed slot (else pass an empty oi). Returns the hash."""
    self._only_governor()
    assert not staticcall IRollup(ROLLUP).exodus(), "tables: the rollup is in exodus mode"
    assert len(rows) == 4 + 4 * K, "tables: a market has 4 + 4K values"
    assert rows[0] == DEPLOYMENT_ID, "tables: the market names another deployment"
    assert rows[1] == K, "tables: the market must have the deployment's K slots"
    assert rows[2] < spec.BPS_DENOMINATOR and rows[3] < spec.BPS_DENOMINATOR, "tables: basis points out of range"
    enc: DynArray[uint256, 4 + spec.MAX_INSTRUMENTS] = [rows[0], rows[1], rows[2], rows[3]]
    first: bool = self.market_hash == 0
    changed: bool = False
    for k: uint256 in range(K, bound=spec.MAX_INSTRUMENTS):
        kind: uint256 = rows[4 + 4 * k]
        strike: uint256 = rows[5 + 4 * k]
        expiry: uint256 = rows[6 + 4 * k]
        size: uint256 = rows[7 + 4 * k]
        self._check_instrument(kind, strike, expiry, size)
        enc.append(staticcall IPoseidon4(POSEIDON4).hash([kind, strike, expiry, size]))
        packed: uint256 = kind | (strike << 8) | (expiry << 56) | (size << 96)
        if not first and self.slot[k] != packed:
            assert len(oi) == K, "tables: a slot changes instrument: open the state root (accounts root, K open interests)"
            assert oi[k] == 0, "tables: a slot with open interest cannot change instrument"
            changed = True
        self.slot[k] = packed
    if changed:
        oi_hash: uint256 = poseidon_k.hash(POSEIDON_K, POSEIDON_K_SELECTOR, oi)
        assert staticcall IPoseidon2(POSEIDON2).hash([accounts_root, oi_hash]) == \
            staticcall IRollup(ROLLUP).state_root(), "tables: the opening does not open the state root"
    h: uint256 = staticcall ISponge(SPONGE).sponge(enc)
    if h != self.market_hash:
        # tables already published hash the replaced market: a batch proved against one
        # would fill orders for an instrument the slot no longer lists
        self.first_table_id = self.latest_table_id + 1
    self.market_hash = h
    log MarketRegistered(market_hash=h, rows=rows)
    return h


# --- oracle tables -----------------------------------------------------------------------

@view
@internal
def _lane(packed: DynArray[uint256, spec.MAX_PACKED_ORACLE], j: uint256) -> uint256:
    return (packed[1 + j // spec.ORACLE_LANES] >> (spec.ORACLE_LANE_BITS * (j % spec.ORACLE_LANES))) & LANE_MASK


@view
@internal
def _payoff(slot: uint256, price: uint256) -> uint256:
    """circuits.spec.tables.payoff of a registered slot at a settlement price."""
    kind: uint256 = slot & 255
    strike: uint256 = (slot >> 8) & ((1 << 48) - 1)
    size: uint256 = slot >> 96
    if kind == spec.KIND_CALL:
        return size * (price - min(price, strike))
    if kind == spec.KIND_PUT:
        return size * (strike - min(price, strike))
    if kind == spec.KIND_FUTURE:
        return size * price
    return 0


@view
@internal
def _check_settlements(packed: DynArray[uint256, spec.MAX_PACKED_ORACLE], timestamp: uint256):
    """A settlement price only on settled slots; a settled slot (after its expiry) is
    valued at its exact payoff in every scenario (lane of scenario s, slot k: base + s K + k)."""
    base: uint256 = spec.ORACLE_HEADER - 1
    slots: uint256 = base + K * S                       # vol[0..K-1], settled[..], price[..]
    for k: uint256 in range(K, bound=spec.MAX_INSTRUMENTS):
        flag: uint256 = self._lane(packed, slots + K + k)
        price: uint256 = self._lane(packed, slots + 2 * K + k)
        if flag == 0:
            assert price == 0, "oracle: settlement data on an unsettled slot"
            continue
        assert flag == 1, "oracle: settled flags are 0 or 1"
        slot: uint256 = self.slot[k]
        assert slot & 255 != spec.KIND_EMPTY, "oracle: an empty slot cannot settle"
        assert timestamp >= (slot >> 56) & ((1 << 40) - 1), "oracle: a slot settles only after its expiry"
        value: uint256 = self._payoff(slot, price)
        for s: uint256 in range(S, bound=spec.MAX_SCENARIOS):
            assert self._lane(packed, base + s * K + k) == value, \
                "oracle: a settled slot is its payoff in every scenario"


@view
@internal
def _sponge(packed: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256:
    """The sponge of the packed table: the call carries exactly the values (an interface
    call would send the array's whole static buffer)."""
    out: Bytes[32] = raw_call(SPONGE, abi_encode(packed, method_id=method_id("sponge(uint256[])")),
                              max_outsize=32, is_static_call=True)
    return extract32(out, 0, output_type=uint256)


@external
def publish_oracle_table(packed: DynArray[uint256, spec.MAX_PACKED_ORACLE]) -> uint256:
    """The oracle publishes a table (packed, module docstring); returns its id."""
    assert msg.sender == self.oracle, "oracle: only the oracle publishes tables"
    assert msg.sender == tx.origin, "oracle: a table is sent by an account, not through a contract"
    mh: uint256 = self.market_hash
    assert mh != 0, "oracle: no market registered"
    assert len(packed) == N_PACKED, "oracle: the table does not have the deployment's K and S"
    assert packed[0] == mh, "oracle: the table is for another market"
    for e: uint256 in range(1, N_PACKED, bound=spec.MAX_PACKED_ORACLE):
        assert packed[e] < ELEMENT_BOUND, "oracle: a packed element is not below 2^240"
    used: uint256 = N_LANES - (N_PACKED - 2) * spec.ORACLE_LANES
    assert packed[N_PACKED - 1] >> (spec.ORACLE_LANE_BITS * used) == 0, "oracle: an unused lane is not 0"
    assert self._lane(packed, 2) == K and self._lane(packed, 3) == S, \
        "oracle: the table does not have the deployment's K and S"
    ts: uint256 = self._lane(packed, 0)
    assert ts < (1 << spec.TIME_BITS), "oracle: timestamp out of range"
    assert ts <= block.timestamp, "oracle: timestamp in the future"
    latest: uint256 = self.latest_table_id
    assert ts >= self._time(latest), "oracle: timestamp before the previous table's"
    self._check_settlements(packed, ts)
    h: uint256 = self._sponge(packed)
    latest += 1
    self.table_hash[latest] = h
    self.table_times[latest // TIMES_PER_WORD] |= ts << (spec.TIME_BITS * (latest % TIMES_PER_WORD))
    self.latest_table_id = latest
    log OracleTablePublished(table_id=latest, table_hash=h, timestamp=ts)
    return latest
