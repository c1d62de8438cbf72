"""Talking to a cluster: creating a run of the compiled Pipeline and following it."""
