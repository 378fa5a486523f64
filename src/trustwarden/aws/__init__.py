"""AWS plumbing shared by live sources, ``fix --apply`` and ``rollback``.

:mod:`trustwarden.aws.options` (no boto3) holds the connection options every command shares;
:mod:`trustwarden.aws.session` turns them into an :class:`~trustwarden.aws.session.AwsContext`
(credentials, retries, role assumption); :mod:`trustwarden.aws.faults` turns botocore
exceptions into one-line reasons and exit-code errors. Importing this package does not import
boto3.
"""

from __future__ import annotations

from trustwarden.aws.options import AwsOptions

__all__ = ["AwsOptions"]
