"""The per-record error: raised for a record the mapping cannot read; a batch catches it and goes on."""

from __future__ import annotations


class MappingError(ValueError):
    """A record that cannot be mapped. Carries the OAI identifier and the offending field."""

    def __init__(self, identifier: str, field: str, message: str) -> None:
        self.identifier = identifier
        self.field = field
        self.reason = message
        super().__init__(f"record {identifier!r}: field {field!r}: {message}")
