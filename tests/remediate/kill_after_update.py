"""Run ``trustwarden ARGS`` and SIGKILL the process right after its K-th UpdateAssumeRolePolicy.

Usage: ``python -m tests.remediate.kill_after_update K ARGS...`` (a crash at the worst moment:
the change is live in IAM, not yet verified nor recorded as applied).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import botocore.client

from trustwarden.cli.main import main


def install(k: int) -> None:
    original = botocore.client.BaseClient._make_api_call
    seen = {"updates": 0}

    def patched(self: Any, operation_name: str, api_params: Any) -> Any:
        result = original(self, operation_name, api_params)
        if operation_name == "UpdateAssumeRolePolicy":
            seen["updates"] += 1
            if seen["updates"] == k:
                os.kill(os.getpid(), signal.SIGKILL)
        return result

    botocore.client.BaseClient._make_api_call = patched


if __name__ == "__main__":
    install(int(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
