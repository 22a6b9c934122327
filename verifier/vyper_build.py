"""Compile the Vyper contracts, and keep their bytecode and ABI cached in the repository.

The sources are `verifier/contracts/*.vy` (contracts) and `verifier/contracts/lib/*.vy`
(modules they import), plus the modules generated from Python at build time
(`GENERATED`: `spec.vy`, the rollup's constants rendered from `circuits.spec` by
verifier/contract_spec.py, so no number is ever copied by hand; never written to disk).
`verifier/contracts/build.json` (committed) holds for each contract: the SHA-256 of its
inputs (its source, every library module and every generated module), the compiler and
settings, the ABI, the init code and runtime code, and the storage layout. `load(name)`
reads the cache, so a fresh machine deploys without compiling (and without importing
vyper); it refuses a cache entry whose inputs hash no longer matches. After editing a
source or a constant of circuits.spec, regenerate with

    python -m verifier.vyper_build            (writes build.json)
    python -m verifier.vyper_build --check    (exit 1 if build.json is stale)

tests/test_evm_build.py compiles every source afresh and checks it equals the cache.
`compile_vyper(source)` compiles any source (the exported Groth16 verifiers, for example);
it needs the `vyper` package (0.4.3, pure Python, from PyPI), never a downloaded binary.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
LIB_DIR = "lib"
BUILD_FILE = CONTRACTS_DIR / "build.json"
VYPER_VERSION = "0.4.3"
EVM_VERSION = "cancun"          # matches verifier.evm_backend.SPEC_ID
OPTIMIZE = "gas"


class BuildError(RuntimeError):
    """A contract failed to compile, or its cached build is missing or stale."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    initcode: bytes             # deploy this (constructor arguments appended, ABI-encoded)
    runtime: bytes              # the code the contract ends up with
    inputs_sha256: str          # of the source and every module it may import
    compiler: str               # "vyper 0.4.3 cancun gas"
    storage_layout: dict

    def to_json(self) -> dict:
        return {"inputs_sha256": self.inputs_sha256, "compiler": self.compiler, "abi": self.abi,
                "initcode": self.initcode.hex(), "runtime": self.runtime.hex(),
                "storage_layout": self.storage_layout}

    @classmethod
    def from_json(cls, name: str, d: dict) -> "Artifact":
        return cls(name, d["abi"], bytes.fromhex(d["initcode"]), bytes.fromhex(d["runtime"]),
                   d["inputs_sha256"], d["compiler"], d["storage_layout"])


def compiler_id() -> str:
    return f"vyper {VYPER_VERSION} {EVM_VERSION} {OPTIMIZE}"


def generated_modules() -> dict[str, str]:
    """{module file name: Vyper source} of the modules rendered from Python at build time."""
    from .contract_spec import render_spec
    return {"spec.vy": render_spec()}


def library_modules() -> dict[str, str]:
    """{module file name: source} of verifier/contracts/lib/*.vy and the generated modules."""
    mods = {f"{LIB_DIR}/{p.name}": p.read_text() for p in sorted((CONTRACTS_DIR / LIB_DIR).glob("*.vy*"))}
    mods.update(generated_modules())
    return mods


def inputs_sha256(source: str, modules: dict[str, str]) -> str:
    """SHA-256 over a contract's source and every module it may import (names and texts)."""
    h = hashlib.sha256(source.encode())
    for name in sorted(modules):
        h.update(b"\0" + name.encode() + b"\0" + modules[name].encode())
    return h.hexdigest()


def compile_vyper(source: str, name: str = "contract", modules: Optional[dict[str, str]] = None) -> Artifact:
    """Compile Vyper source with the pinned settings; `modules` ({file name: source}) are
    importable by it (default: the library and generated modules). BuildError with the
    compiler's message."""
    import vyper
    from vyper.compiler.input_bundle import JSONInputBundle
    from vyper.compiler.settings import OptimizationLevel, Settings
    from pathlib import PurePath
    if vyper.__version__.split("+")[0] != VYPER_VERSION:
        raise BuildError(f"vyper {VYPER_VERSION} is required, {vyper.__version__} is installed")
    modules = library_modules() if modules is None else modules
    settings = Settings(evm_version=EVM_VERSION, optimize=OptimizationLevel.from_string(OPTIMIZE))
    files = {PurePath(n): {"content": text} for n, text in modules.items()}
    files[PurePath(f"{name}.vy")] = {"content": source}
    bundle = JSONInputBundle(files, [PurePath(".")])
    try:
        out = vyper.compile_code(source, contract_path=f"{name}.vy", input_bundle=bundle,
                                 output_formats=["abi", "bytecode", "bytecode_runtime", "layout"],
                                 settings=settings)
    except Exception as e:      # vyper raises many exception types; all mean "does not compile"
        raise BuildError(f"{name}.vy does not compile: {type(e).__name__}: {e}") from None
    layout = out["layout"].get("storage_layout", out["layout"])
    return Artifact(name, out["abi"], bytes.fromhex(out["bytecode"][2:]),
                    bytes.fromhex(out["bytecode_runtime"][2:]), inputs_sha256(source, modules),
                    compiler_id(), json.loads(json.dumps(layout)))


def source_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.vy"


def sources() -> list[str]:
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.vy"))


def _read_cache() -> dict:
    try:
        return json.loads(BUILD_FILE.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise BuildError(f"{BUILD_FILE}: unreadable ({e})") from None


def load(name: str) -> Artifact:
    """The cached build of verifier/contracts/<name>.vy (BuildError if missing or stale)."""
    path = source_path(name)
    try:
        source = path.read_text()
    except OSError as e:
        raise BuildError(f"{path}: cannot read the contract source ({e.strerror})") from None
    entry = _read_cache().get(name)
    if entry is None:
        raise BuildError(f"{name}.vy has no cached build; run: python -m verifier.vyper_build")
    if entry["inputs_sha256"] != inputs_sha256(source, library_modules()):
        raise BuildError(f"{name}.vy or a module it imports (verifier/contracts/lib, circuits.spec) "
                         f"changed since {BUILD_FILE.name} was written; run: python -m verifier.vyper_build")
    return Artifact.from_json(name, entry)


def build(names: Optional[list[str]] = None) -> dict[str, Artifact]:
    """Compile the named sources (default: all) afresh."""
    modules = library_modules()
    return {n: compile_vyper(source_path(n).read_text(), n, modules) for n in (names or sources())}


def write_cache(artifacts: dict[str, Artifact]) -> None:
    data = {n: a.to_json() for n, a in sorted(artifacts.items())}
    BUILD_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    fresh = build()
    if "--check" in argv:
        cached = _read_cache()
        stale = [n for n, a in fresh.items() if cached.get(n) != a.to_json()]
        stale += [n for n in cached if n not in fresh]
        for n in stale:
            print(f"stale: {n}")
        return 1 if stale else 0
    write_cache(fresh)
    for n, a in fresh.items():
        print(f"{n}: {len(a.runtime)} bytes runtime, {len(a.initcode)} bytes init code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
