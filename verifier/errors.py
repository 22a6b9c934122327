"""The one error type the verifier raises for malformed input."""


class VerifierInputError(ValueError):
    """Malformed verifier input: bad JSON, a coordinate not below q, a point off the curve or
    outside its subgroup, a public input not below r, a wrong count. The message is one line
    naming the offending field. (A well-formed proof that is simply wrong is not an error:
    `verify` returns False for it.)"""
