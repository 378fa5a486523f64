"""Tests of the exact engine (issue #11).

An independent IAM evaluator, a brute-force oracle and an STS request validator.
"""
