"""Tests of the exact engine (issue #11): the independent judge and what it checks.

- ``iam``: an IAM trust-policy evaluator written from AWS's documentation (imports nothing
  from trustwarden); ``Ambiguous`` where the documentation is silent, ``Refused`` where IAM
  would not store the document.
- ``sts``: what STS accepts (ASCII account IDs, External ID/session-name/tag/org formats,
  no root user, MFA key present for sessions) and what the contract calls an attacker.
- ``oracle``: brute force over a small universe built from the policy's literals, their
  perturbations and fresh values.
- ``judge``: runs ``trustwarden.engine.analyze_role`` and checks its witnesses.
- ``corpus`` / ``policies``: hand-written cases, one or more per class of the issue.
"""
