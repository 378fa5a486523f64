"""Replay observed ``AssumeRole`` calls against a trust policy with the engine's evaluator.

A planned policy must still allow every call that succeeded in the evidence window, or the
fix would break an integration that works today. The role account's copy of a call names
the caller's account but not always its user or role, so when the ARN is unknown the call
is tried as every principal of that account the current policy names (and as an unnamed
user or role): a call the current policy allows as one of them must still be allowed as
that same one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trustwarden.engine import Request, evaluate_request
from trustwarden.engine.conditions import ContextValue
from trustwarden.evidence.model import ObservedCall
from trustwarden.model import TrustPolicy
from trustwarden.policy import parse_aws_principal, parse_policy


@dataclass(frozen=True, slots=True)
class CutOff:
    """An observed call the planned policy would refuse."""

    call: ObservedCall

    def describe(self) -> str:
        """One line: who, with what, how often."""
        call = self.call
        who = call.caller_arn or f"account {call.caller_account}"
        ext = (
            f"External ID {call.external_id!r}"
            if call.external_id is not None
            else "no External ID"
        )
        mfa = ", MFA" if call.mfa else ""
        times = f"{call.count} call{'' if call.count == 1 else 's'}"
        return f"{who} ({ext}{mfa}, {times})"


def request_for(call: ObservedCall, principal_arn: str, partition: str) -> Request:
    """The request an observed call made, as ``principal_arn``."""
    context: dict[str, ContextValue] = {
        "aws:principalaccount": call.caller_account,
        "aws:principalarn": principal_arn,
        "aws:principaltype": "AssumedRole" if call.caller_is_session else "User",
    }
    if call.external_id is not None:
        context["sts:externalid"] = call.external_id
    if call.mfa:
        context["aws:multifactorauthpresent"] = "true"
    elif call.caller_is_session:
        context["aws:multifactorauthpresent"] = "false"
    return Request(
        partition=partition,
        account_id=call.caller_account,
        principal_arn=principal_arn,
        context=context,
    )


def candidate_principals(call: ObservedCall, policy: TrustPolicy, partition: str) -> list[str]:
    """Who the caller may have been: its ARN when known, else the policy's principals there."""
    if call.caller_arn:
        return [call.caller_arn]
    kind = "role" if call.caller_is_session else "user"
    found = [f"arn:{partition}:iam::{call.caller_account}:{kind}/trustwarden-unnamed-caller"]
    for statement in policy.statements:
        for principal in statement.principals:
            if principal.kind != "AWS":
                continue
            parts = parse_aws_principal(principal.value)
            if parts is None or parts[2] != call.caller_account or parts[3] == "root":
                continue
            if parts[3].startswith(f"{kind}/") and principal.value not in found:
                found.append(principal.value)
    return found


def cut_off_calls(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    calls: Iterable[ObservedCall],
    partition: str,
) -> list[CutOff]:
    """The observed calls ``before`` allows and ``after`` would refuse.

    ``before``/``after`` are decoded policy documents that parse (the planner has checked).
    """
    old = parse_policy(before)
    new = parse_policy(after)
    lost: list[CutOff] = []
    for call in calls:
        for arn in candidate_principals(call, old, partition):
            request = request_for(call, arn, partition)
            if evaluate_request(old, request, strict=True) and not evaluate_request(
                new, request, strict=True
            ):
                lost.append(CutOff(call))
                break
    return lost
