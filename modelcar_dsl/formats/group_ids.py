"""Kubernetes group IDs: what an fsGroup, a run's or a project's, may hold."""

MAX_GID = 2**31 - 1
"""The largest group ID Kubernetes accepts (an int32)."""


def is_group_id(value: object) -> bool:
    """A whole number from 0 to MAX_GID (a bool is no number here, as in Kubernetes' JSON)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_GID
