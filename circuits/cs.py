"""The constraint-system DSL: write a circuit once, compile it to an R1CS or solve its witness.

A circuit is a plain Python function ``circuit(cs, ...)`` that allocates variables and
states constraints on a `ConstraintSystem`. The same function runs in two modes, so the
shape of the R1CS and the witness cannot drift apart:

* ``ConstraintSystem(solve=False)``: shape only. Values given to `public`/`witness` are
  ignored (callables are never called), hints are never run, `value()` raises.
* ``ConstraintSystem(solve=True)``: every variable gets its value eagerly when it is
  allocated, so hints see the values of their inputs at once and a failing constraint
  can be reported where it is stated (``strict=True``).

Linear combinations (`LC`) are built by operator overloading and never cost a
constraint: ``3 * x + w - 1``. Only `enforce` (a * b == c) adds a constraint. A circuit
must not branch on values: its structure may depend only on its parameters (sizes,
constants), never on witness values, so both modes emit the same constraints.

Pattern::

    def square_circuit(cs, x_value=None, y_value=None):
        y = cs.public("y", y_value)          # public: renumbered to wires 1..n_public
        x = cs.witness("x", x_value)         # private
        with cs.namespace("square"):
            cs.enforce(x, x, y, name="xx")   # constraint named "square.xx"

    r1cs = compile_circuit(square_circuit)                 # values not needed
    r1cs, wit = solve_circuit(square_circuit, 3, 9)        # witness in r1cs wire order

Wire order of the compiled R1CS: wire 0 is the constant 1, then the public inputs in
allocation order, then the private witnesses in allocation order (stable across runs).
Internally variables are numbered in allocation order with variable 0 = constant 1;
`to_r1cs` and `witness_values` apply the renumbering.

Storage is flat (CSR-like lists of wire indices and coefficients per matrix) and names
are kept as (namespace prefix, local name) pairs that share strings, so a circuit of a
million constraints stays in a few hundred MB at most and compiles in seconds.
"""
from __future__ import annotations

import operator
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from .field import R, ints_to_limbs
from .r1cs import R1CS, SparseMatrix

__all__ = [
    "LC", "ConstraintSystem", "Operand", "as_lc", "lc_sum", "weighted_sum",
    "compile_circuit", "solve_circuit", "UnsatisfiedConstraint",
]


class UnsatisfiedConstraint(ValueError):
    """Raised by a strict solving ConstraintSystem when a stated constraint does not hold."""


def _as_int(k: Any) -> Optional[int]:
    if type(k) is int:
        return k
    try:
        return operator.index(k)  # bool, numpy integers
    except TypeError:
        return None


class LC:
    """A linear combination sum(coeff * var) over Fr; the constant term sits on variable 0.

    ``terms`` maps internal variable index -> coefficient in [1, r) (zero terms are
    dropped). ``val`` is the combination's value while solving (0 in shape mode). LCs
    are immutable by convention: every operator returns a new LC and the constraint
    system keeps references to ``terms`` dicts, so never mutate them in place.

    Supported: ``lc + lc``, ``lc - lc``, ``lc + int``, ``int * lc``, ``lc * int``, ``-lc``.
    ``lc * lc`` raises TypeError (that is a constraint: use ``cs.mul``). An LC has no
    truth value (``if lc:`` raises) because its value is not known when compiling.
    """

    __slots__ = ("terms", "val")

    def __init__(self, terms: dict[int, int], val: int = 0) -> None:
        self.terms = terms
        self.val = val

    # -- construction ---------------------------------------------------------------------
    @staticmethod
    def constant(c: int) -> "LC":
        c %= R
        return LC({0: c} if c else {}, c)

    # -- inspection -----------------------------------------------------------------------
    def is_constant(self) -> bool:
        """True if the combination involves no variable but the constant 1."""
        t = self.terms
        return not t or (len(t) == 1 and 0 in t)

    def constant_value(self) -> Optional[int]:
        """The value of a constant LC (known even when compiling), else None."""
        t = self.terms
        if not t:
            return 0
        if len(t) == 1 and 0 in t:
            return t[0]
        return None

    def single_var(self) -> Optional[int]:
        """The internal index of v if this LC is exactly 1*v (v not the constant), else None."""
        t = self.terms
        if len(t) == 1:
            (v, c), = t.items()
            if v != 0 and c == 1:
                return v
        return None

    def __len__(self) -> int:
        return len(self.terms)

    def __bool__(self) -> bool:
        raise TypeError("an LC has no truth value (it is unknown when compiling); "
                        "use cs.value(lc) while solving, or a comparator gadget")

    def __repr__(self) -> str:
        parts = [("1" if v == 0 else f"v{v}") + ("" if c == 1 else f"*{c if c < R // 2 else c - R}")
                 for v, c in sorted(self.terms.items())]
        return f"LC({' + '.join(parts) or '0'}; val={self.val})"

    # -- arithmetic -----------------------------------------------------------------------
    def __add__(self, other: Any) -> "LC":
        if type(other) is not LC:
            k = _as_int(other)
            if k is None:
                return NotImplemented
            k %= R
            if not k:
                return self
            t = dict(self.terms)
            c = (t.get(0, 0) + k) % R
            if c:
                t[0] = c
            else:
                del t[0]
            return LC(t, (self.val + k) % R)
        a, b = self.terms, other.terms
        if len(a) < len(b):
            a, b = b, a
        t = dict(a)
        for v, c in b.items():
            s = t.get(v)
            if s is None:
                t[v] = c
            else:
                s = (s + c) % R
                if s:
                    t[v] = s
                else:
                    del t[v]
        return LC(t, (self.val + other.val) % R)

    __radd__ = __add__

    def __neg__(self) -> "LC":
        return LC({v: R - c for v, c in self.terms.items()}, (R - self.val) % R)

    def __sub__(self, other: Any) -> "LC":
        if type(other) is not LC:
            k = _as_int(other)
            if k is None:
                return NotImplemented
            return self.__add__(-k)
        a, b = self.terms, other.terms
        t = dict(a)
        for v, c in b.items():
            s = t.get(v)
            if s is None:
                t[v] = R - c
            else:
                s = (s - c) % R
                if s:
                    t[v] = s
                else:
                    del t[v]
        return LC(t, (self.val - other.val) % R)

    def __rsub__(self, other: Any) -> "LC":
        k = _as_int(other)
        if k is None:
            return NotImplemented
        return (-self).__add__(k)

    def __mul__(self, other: Any) -> "LC":
        if type(other) is LC:
            raise TypeError("LC * LC is not linear: use cs.mul(a, b) (one constraint) "
                            "or cs.enforce(a, b, c)")
        k = _as_int(other)
        if k is None:
            return NotImplemented
        k %= R
        if k == 1:
            return self
        if not k:
            return LC({}, 0)
        return LC({v: c * k % R for v, c in self.terms.items()}, self.val * k % R)

    __rmul__ = __mul__


Operand = Union[LC, int]
"""What constraint and gadget functions accept: an LC or a plain integer constant."""


def as_lc(x: Operand) -> LC:
    """An LC as is; an int (or numpy integer / bool) as a constant LC."""
    if type(x) is LC:
        return x
    k = _as_int(x)
    if k is None:
        raise TypeError(f"expected an LC or an int, got {type(x).__name__}")
    return LC.constant(k)


def weighted_sum(coeffs: Iterable[int], items: Iterable[Operand]) -> LC:
    """sum(c_i * x_i) built in one pass (no per-term copies): use it for long sums like bits."""
    t: dict[int, int] = {}
    val = 0
    get = t.get
    for k, x in zip(coeffs, items):
        k %= R
        if not k:
            continue
        if type(x) is not LC:
            x = as_lc(x)
        val += k * x.val
        for v, c in x.terms.items():
            t[v] = (get(v, 0) + c * k) % R
    return LC({v: c for v, c in t.items() if c}, val % R)


def lc_sum(items: Iterable[Operand]) -> LC:
    """sum(x_i) built in one pass; ints are constants."""
    t: dict[int, int] = {}
    val = 0
    get = t.get
    for x in items:
        if type(x) is not LC:
            x = as_lc(x)
        val += x.val
        for v, c in x.terms.items():
            t[v] = (get(v, 0) + c) % R
    return LC({v: c for v, c in t.items() if c}, val % R)


def folded_product(a: LC, b: LC) -> Optional[LC]:
    """a * b as a linear combination when a or b is a constant (what `ConstraintSystem.mul`
    returns without a constraint), else None."""
    k = a.constant_value()
    if k is not None:
        return b * k
    k = b.constant_value()
    if k is not None:
        return a * k
    return None


class ConstraintSystem:
    """Builder for an R1CS over BN254's Fr; see the module docstring.

    ``solve``: compute values (witness mode) or only record the shape.
    ``strict``: while solving, raise `UnsatisfiedConstraint` at the first `enforce` that
    does not hold (handy when debugging a gadget: the traceback points at it). Without
    it, the failure is only recorded and `which_is_unsatisfied` reports it.
    ``record=False`` (solving only): keep the values, not the rows and names, when only
    the witness and the first failing constraint are wanted (a batch's witness: the rows
    of a 4-million-constraint circuit are gigabytes of Python objects). Such a system
    cannot be tampered with (`set_value`), listed (`wire_names`) or compiled (`to_r1cs`).
    """

    ONE = LC({0: 1}, 1)
    """The constant 1 (variable 0)."""

    def __init__(self, solve: bool = True, strict: bool = False, record: bool = True) -> None:
        self._solve = bool(solve)
        self._strict = bool(strict) and self._solve
        if not record and not self._solve:
            raise ValueError("record=False only while solving: compiling is recording the rows")
        self._record = bool(record)
        self._n_constraints = 0
        self._first_failure_name: Optional[str] = None
        # variables: index 0 is the constant 1
        self._values: list[int] = [1]
        self._is_public: list[bool] = [False]
        self._var_prefix: list[str] = [""]
        self._var_name: list[str] = ["one"]
        self._n_public = 0
        # constraints, flat: matrix M row i is _M_idx/_M_co[_M_ptr[i]:_M_ptr[i+1]]
        self._a_ptr, self._a_idx, self._a_co = [0], [], []
        self._b_ptr, self._b_idx, self._b_co = [0], [], []
        self._c_ptr, self._c_idx, self._c_co = [0], [], []
        self._c_prefix: list[str] = []
        self._c_name: list[str] = []
        self._prefix = ""
        self._first_failure: Optional[int] = None
        self._tampered = False

    # -- properties -----------------------------------------------------------------------
    @property
    def solving(self) -> bool:
        return self._solve

    @property
    def recording(self) -> bool:
        """True when the rows and names are kept (every system but a solve-only one)."""
        return self._record

    @property
    def num_constraints(self) -> int:
        return self._n_constraints

    @property
    def num_variables(self) -> int:
        """Number of wires including the constant 1."""
        return len(self._values)

    @property
    def num_public(self) -> int:
        return self._n_public

    @property
    def prefix(self) -> str:
        """The current namespace prefix, e.g. 'merkle.level3.' ('' at top level)."""
        return self._prefix

    # -- allocation -----------------------------------------------------------------------
    def _alloc(self, name: str, value: Any, public: bool) -> LC:
        if self._solve:
            if callable(value):
                value = value()
            if value is None:
                kind = "public input" if public else "witness"
                raise ValueError(f"{kind} '{self._prefix}{name}' needs a value when solving")
            k = _as_int(value)
            if k is None:
                raise ValueError(f"value of '{self._prefix}{name}' must be an int, got {type(value).__name__}")
            val = k % R
        else:
            val = 0
        idx = len(self._values)
        self._values.append(val)
        self._is_public.append(public)
        if self._record:
            self._var_prefix.append(self._prefix)
            self._var_name.append(name)
        if public:
            self._n_public += 1
        return LC({idx: 1}, val)

    def append_solved(self, values: Sequence[int], n_constraints: int) -> int:
        """For a gadget's solve-only fast path (e.g. `circuits.gadgets.sha256_solve`): append
        private wires holding `values` (each in [0, r)) and count `n_constraints` constraints
        the gadget would have added, every one of which the caller has made sure holds.
        Returns the first new wire's index. Only in a solve-only system (record=False): a
        recording one must build its rows."""
        if self._record or not self._solve:
            raise RuntimeError("append_solved is for systems that solve without recording")
        first = len(self._values)
        self._values.extend(values)
        self._is_public.extend([False] * len(values))
        self._n_constraints += n_constraints
        return first

    def public(self, name: str, value: Any = None) -> LC:
        """Allocate a public input. ``value``: int (reduced mod r) or zero-arg callable,
        used only when solving (required then)."""
        return self._alloc(name, value, True)

    def witness(self, name: str, value: Any = None) -> LC:
        """Allocate a private witness; ``value`` as for `public`. The caller must pin it
        with constraints (a free witness is any field element)."""
        return self._alloc(name, value, False)

    def constant(self, v: int) -> LC:
        """A constant LC (free: it lives on wire 0)."""
        return LC.constant(v)

    def hint(self, fn: Callable[..., Any], *args: Any, n_out: int = 1,
             name: str = "hint") -> Union[LC, list[LC]]:
        """Fresh private witnesses computed outside the circuit by ``fn``.

        ``fn`` receives the arguments with every LC replaced by its value (lists/tuples
        converted element-wise, other objects passed as they are) and returns an int
        (n_out == 1) or a sequence of n_out ints. It is not called when compiling.
        Returns one LC (n_out == 1) or a list of LCs named ``name[i]``.

        A hint constrains nothing: the caller MUST follow it with constraints that pin
        every output, or a prover may put any value there.
        """
        if n_out < 1:
            raise ValueError("n_out must be at least 1")
        if self._solve:
            vals = fn(*[self._arg_value(a) for a in args])
            if _as_int(vals) is not None:
                vals = [vals]
            vals = list(vals)
            if len(vals) != n_out:
                raise ValueError(f"hint '{self._prefix}{name}' returned {len(vals)} values, expected {n_out}")
        else:
            vals = [0] * n_out
        if n_out == 1:
            return self._alloc(name, vals[0], False)
        return [self._alloc(f"{name}[{i}]", v, False) for i, v in enumerate(vals)]

    def _arg_value(self, a: Any) -> Any:
        if type(a) is LC:
            return self.value(a)
        if isinstance(a, (list, tuple)):
            return [self._arg_value(x) for x in a]
        return a

    # -- namespaces -----------------------------------------------------------------------
    @contextmanager
    def namespace(self, name: str) -> Iterator[None]:
        """Prefix the names of constraints and wires created inside with ``name.``; nests."""
        if not name or "." in name:
            raise ValueError(f"namespace must be a non-empty name without '.': {name!r}")
        saved = self._prefix
        self._prefix = f"{saved}{name}."
        try:
            yield
        finally:
            self._prefix = saved

    # -- constraints ----------------------------------------------------------------------
    def enforce(self, a: Operand, b: Operand, c: Operand, name: str = "constraint") -> None:
        """Add the constraint a * b == c (each an LC or int), named prefix + name."""
        if type(a) is not LC:
            a = as_lc(a)
        if type(b) is not LC:
            b = as_lc(b)
        if type(c) is not LC:
            c = as_lc(c)
        if self._record:
            ta, tb, tc = a.terms, b.terms, c.terms
            self._a_idx.extend(ta)
            self._a_co.extend(ta.values())
            self._a_ptr.append(len(self._a_idx))
            self._b_idx.extend(tb)
            self._b_co.extend(tb.values())
            self._b_ptr.append(len(self._b_idx))
            self._c_idx.extend(tc)
            self._c_co.extend(tc.values())
            self._c_ptr.append(len(self._c_idx))
            self._c_prefix.append(self._prefix)
            self._c_name.append(name)
        self._n_constraints += 1
        if self._solve and (a.val * b.val - c.val) % R:
            i = self._n_constraints - 1
            if self._first_failure is None:
                self._first_failure = i
                self._first_failure_name = self._prefix + name
            if self._strict:
                raise UnsatisfiedConstraint(
                    f"constraint #{i} '{self._prefix}{name}' fails: {a.val} * {b.val} != {c.val}")

    def mul(self, a: Operand, b: Operand, name: str = "mul") -> LC:
        """A new variable equal to a * b. Cost: 1 constraint (0 if a or b is a constant)."""
        a, b = as_lc(a), as_lc(b)
        folded = folded_product(a, b)
        if folded is not None:
            return folded
        out = self._alloc(name, a.val * b.val, False)
        self.enforce(a, b, out, name)
        return out

    def assert_equal(self, a: Operand, b: Operand, name: str = "equal") -> None:
        """Enforce a == b. Cost: 1 constraint."""
        self.enforce(a, 1, b, name)

    def assert_zero(self, a: Operand, name: str = "zero") -> None:
        """Enforce a == 0. Cost: 1 constraint."""
        self.enforce(a, 1, 0, name)

    # -- values ---------------------------------------------------------------------------
    def value(self, x: Operand) -> int:
        """The value in [0, r) of an LC or int; only while solving."""
        if not self._solve:
            raise RuntimeError("values are not available when compiling (solve=False); "
                               "compute them in a hint or a witness callable")
        if type(x) is not LC:
            return as_lc(x).val
        if self._tampered:  # cached values may be stale after set_value
            vals = self._values
            return sum(c * vals[v] for v, c in x.terms.items()) % R
        return x.val

    def set_value(self, x: Union[LC, int], new: int) -> None:
        """Overwrite one variable's value (for tests that tamper with a witness).

        ``x`` is a single-variable LC (exactly 1*v) or an internal variable index. Values of
        LCs built earlier are not recomputed; `value` and the checks read the variables.
        """
        if not self._solve:
            raise RuntimeError("set_value needs a solving ConstraintSystem")
        self._need_rows("set_value")
        if type(x) is LC:
            v = x.single_var()
            if v is None:
                raise ValueError("set_value needs a single variable (an LC equal to 1*v)")
        else:
            v = int(x)
            if not 0 < v < len(self._values):
                raise ValueError(f"no variable {v} to set")
        self._values[v] = int(new) % R
        self._tampered = True

    def variable(self, name: str) -> LC:
        """The variable with this full name (namespace prefix included) as the LC 1*v, for
        tests that read or overwrite one witness value (`value`, `set_value`); KeyError if
        no variable has that name."""
        self._need_rows("variable")
        for v in range(1, len(self._var_name)):
            if self._var_prefix[v] + self._var_name[v] == name:
                return LC({v: 1}, self._values[v])
        raise KeyError(name)

    def _row_value(self, ptr: list[int], idx: list[int], co: list[int], i: int) -> int:
        vals = self._values
        acc = 0
        for k in range(ptr[i], ptr[i + 1]):
            acc += co[k] * vals[idx[k]]
        return acc

    def first_unsatisfied(self) -> Optional[int]:
        """Index of the first constraint the current values violate, or None (solving only)."""
        if not self._solve:
            raise RuntimeError("no values when compiling (solve=False)")
        if not self._tampered:
            return self._first_failure
        rv = self._row_value
        for i in range(self.num_constraints):
            a = rv(self._a_ptr, self._a_idx, self._a_co, i)
            b = rv(self._b_ptr, self._b_idx, self._b_co, i)
            c = rv(self._c_ptr, self._c_idx, self._c_co, i)
            if (a * b - c) % R:
                return i
        return None

    def is_satisfied(self) -> bool:
        return self.first_unsatisfied() is None

    def which_is_unsatisfied(self) -> Optional[str]:
        """Full name (e.g. 'merkle.level3.poseidon.sbox0') of the first failing constraint,
        or None when all hold. Unlike `R1CS.which_is_unsatisfied` there is no '#i ' prefix."""
        i = self.first_unsatisfied()
        return None if i is None else self.constraint_name(i)

    def _need_rows(self, what: str) -> None:
        if not self._record:
            raise RuntimeError(f"{what} needs a ConstraintSystem that records its rows (record=True)")

    def constraint_name(self, i: int) -> str:
        if not self._record:
            if i == self._first_failure and self._first_failure_name is not None:
                return self._first_failure_name
            self._need_rows("constraint_name")
        return self._c_prefix[i] + self._c_name[i]

    def constraint_names(self) -> list[str]:
        self._need_rows("constraint_names")
        return [p + n for p, n in zip(self._c_prefix, self._c_name)]

    # -- output ---------------------------------------------------------------------------
    def _wire_order(self) -> Optional[np.ndarray]:
        """internal var -> wire number, or None when already in wire order."""
        pub = self._is_public
        n = len(pub)
        npub = self._n_public
        if all(pub[1:1 + npub]):  # publics came first: identity
            return None
        perm = np.empty(n, dtype=np.int64)
        perm[0] = 0
        nxt_pub, nxt_priv = 1, 1 + npub
        for v in range(1, n):
            if pub[v]:
                perm[v] = nxt_pub
                nxt_pub += 1
            else:
                perm[v] = nxt_priv
                nxt_priv += 1
        return perm

    def _wire_vars(self) -> list[int]:
        """Internal variable indices in wire order."""
        pub = self._is_public
        return [0] + [v for v in range(1, len(pub)) if pub[v]] + \
            [v for v in range(1, len(pub)) if not pub[v]]

    def wire_names(self) -> list[str]:
        """Wire names in R1CS wire order ('one' for wire 0)."""
        self._need_rows("wire_names")
        return [self._var_prefix[v] + self._var_name[v] for v in self._wire_vars()]

    def to_r1cs(self, names: bool = True) -> R1CS:
        """The compiled R1CS (wire 0 = 1, publics 1..n_public in allocation order, then
        privates). ``names=False`` skips wire and constraint names (saves memory)."""
        self._need_rows("to_r1cs")
        perm = self._wire_order()

        def matrix(ptr: list[int], idx: list[int], co: list[int]) -> SparseMatrix:
            ind = np.asarray(idx, dtype=np.int64)
            if perm is not None and len(ind):
                ind = perm[ind]
            coeffs = ints_to_limbs(co) if co else np.zeros((0, 4), dtype=np.uint64)
            return SparseMatrix(np.asarray(ptr, dtype=np.int64), ind, coeffs)

        return R1CS(
            n_wires=len(self._values), n_public=self._n_public,
            A=matrix(self._a_ptr, self._a_idx, self._a_co),
            B=matrix(self._b_ptr, self._b_idx, self._b_co),
            C=matrix(self._c_ptr, self._c_idx, self._c_co),
            wire_names=self.wire_names() if names else None,
            constraint_names=self.constraint_names() if names else None,
            meta={"builder": "circuits.cs"},
        )

    def witness_values(self) -> list[int]:
        """All wire values in R1CS wire order (solving only)."""
        if not self._solve:
            raise RuntimeError("no witness when compiling (solve=False)")
        vals = self._values
        if self._wire_order() is None:
            return list(vals)
        return [vals[v] for v in self._wire_vars()]

    def public_values(self) -> list[int]:
        """The public inputs' values in wire order (solving only)."""
        return self.witness_values()[1:1 + self._n_public]

    def export_circom(self, r1cs_path: Any, wtns_path: Any = None) -> None:
        """Write circom's binary .r1cs (and, when solving and a path is given, .wtns) so that
        snarkjs can check (`snarkjs wtns check`) and set up the circuit."""
        from . import circom_io  # imported lazily: cs itself needs no file formats
        circom_io.write_r1cs(self.to_r1cs(), r1cs_path)
        if wtns_path is not None:
            circom_io.write_wtns(self.witness_values(), wtns_path)


def compile_circuit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> R1CS:
    """Run ``fn(cs, *args, **kwargs)`` in shape mode and return its R1CS."""
    cs = ConstraintSystem(solve=False)
    fn(cs, *args, **kwargs)
    return cs.to_r1cs()


def solve_circuit(fn: Callable[..., Any], *args: Any, check: bool = True,
                  **kwargs: Any) -> tuple[R1CS, list[int]]:
    """Run ``fn(cs, *args, **kwargs)`` solving; return (R1CS, witness in wire order).

    With ``check`` (default) raise `UnsatisfiedConstraint` naming the first failing
    constraint if the values do not satisfy the circuit.
    """
    cs = ConstraintSystem(solve=True)
    fn(cs, *args, **kwargs)
    if check:
        bad = cs.which_is_unsatisfied()
        if bad is not None:
            raise UnsatisfiedConstraint(f"witness does not satisfy constraint '{bad}'")
    return cs.to_r1cs(), cs.witness_values()
