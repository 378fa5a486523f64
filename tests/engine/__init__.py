"""Contract tests for the trust-policy engine (written from issue #2's Semantics section)."""
