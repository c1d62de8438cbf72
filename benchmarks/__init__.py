"""Benchmarks of modelcar-dsl: figures and ratios against floors measured in the same run.

Run by hand (`python -m benchmarks`); they report, they never fail a build on time.
"""
