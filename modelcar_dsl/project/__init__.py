"""A project: its `[tool.modelcar]` settings, loading its modules, `check()` and `modelcar init`."""
