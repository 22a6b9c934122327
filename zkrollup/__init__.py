"""zkrollup: a ZK validity rollup for the margin accounts of an options and futures exchange.

The application package (native state, operator, L1 client, CLI, demo); docs/design.md maps
the whole repository.
"""

__version__ = "0.1.0"
