"""Kubernetes' value formats the DSL and the rules both check: DNS names, Go durations,
resource quantities and group IDs."""
