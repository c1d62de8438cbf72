"""`python -m modelcar_dsl` is the `modelcar` command."""

from modelcar_dsl.cli import main

main()
