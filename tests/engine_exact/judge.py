"""Run the engine under test and judge its answer with the independent oracle.

Only :func:`trustwarden.engine.analyze_role` and the model are used from trustwarden: the
verdict and witnesses are checked against :mod:`tests.engine_exact.iam` (evaluation),
:mod:`tests.engine_exact.sts` (what STS accepts) and :mod:`tests.engine_exact.oracle`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.engine_exact import iam
from tests.engine_exact.iam import AttackRequest, Caller
from tests.engine_exact.sts import attacker_problems
from trustwarden.engine import analyze_role
from trustwarden.model import Role, RoleResult, Settings, Status, Witness

OWN = "111111111111"
FRIEND = "333333333333"
OUTSIDER = "222222222222"
OTHER = "444444444444"
TRUSTED_ORG = "o-trusted0001"
SETTINGS = Settings(trusted_accounts=frozenset({FRIEND}), trusted_orgs=frozenset({TRUSTED_ORG}))
EXPOSED_CODES = {"TW001", "TW004"}

_ARN = re.compile(r"arn:([^:]+):(iam|sts)::([^:]*):(.*)", re.DOTALL)


def run(doc: object, settings: Settings = SETTINGS, partition: str = "aws") -> RoleResult:
    """The engine's verdict for a role in ``OWN`` with this trust document."""
    role = Role(
        arn=f"arn:{partition}:iam::{OWN}:role/r", name="r", account_id=OWN, trust_document=doc
    )
    return analyze_role(role, settings)


def show(result: RoleResult) -> str:
    """A compact description of a result for assertion messages."""
    lines = [f"status={result.status.value} error={result.error!r}"]
    for f in result.findings:
        lines.append(f"  {f.code} {f.status.value} stmt={f.statement!r} {f.principals}")
        if f.witness is not None:
            lines.append(f"    witness={f.witness.describe()} ctx={dict(f.witness.context)}")
    return "\n".join(lines)


def witness_request(witness: Witness) -> tuple[AttackRequest | None, list[str]]:
    """The request a witness describes, and anything inconsistent in it."""
    problems: list[str] = []
    m = _ARN.fullmatch(witness.principal_arn)
    if m is None:
        return None, [f"principal {witness.principal_arn!r} is not an IAM/STS ARN"]
    partition, service, account, resource = m.groups()
    if account != witness.account_id:
        problems.append(f"principal {witness.principal_arn} is not in {witness.account_id!r}")
    session = "oracle-s"
    if service == "iam" and resource == "root":
        caller = Caller(account, "root", partition=partition)
    elif service == "iam" and resource.startswith("user/"):
        caller = Caller(account, "user", resource[5:], partition=partition)
    elif service == "iam" and resource.startswith("role/"):
        name = resource[5:]
        s = witness.session_arn or ""
        prefix = f"arn:{partition}:sts::{account}:assumed-role/{name.rsplit('/', 1)[-1]}/"
        if not s.startswith(prefix):
            problems.append(f"session {s!r} is not a session of {witness.principal_arn}")
        else:
            session = s[len(prefix) :]
        caller = Caller(account, "role", name, session, partition)
    elif service == "sts" and resource.startswith("federated-user/"):
        caller = Caller(
            account, "federated", resource[len("federated-user/") :], partition=partition
        )
    else:
        return None, [f"principal {witness.principal_arn!r} is not a caller"]
    ctx = {k.lower(): v for k, v in witness.context.items()}
    mfa = ctx.pop("aws:multifactorauthpresent", None)
    age = ctx.pop("aws:multifactorauthage", None)
    if age is not None:
        problems.append("aws:MultiFactorAuthAge is present only after MFA")
    ext_ctx = ctx.pop("sts:externalid", None)
    if ext_ctx is not None and ext_ctx != witness.external_id:
        problems.append("context ExternalId differs from external_id")
    implied = {
        "aws:principalaccount": caller.account,
        "aws:principalarn": caller.principal_arn,
        "aws:principaltype": caller.principal_type,
        "aws:principalisawsservice": "false",
    }
    if caller.kind == "user":
        implied["aws:username"] = caller.leaf
    for key, value in implied.items():
        got = ctx.pop(key, None)
        if got is not None and got != value:
            problems.append(f"{key}={got!r} but the caller gives {value!r}")
    if caller.kind != "user" and ctx.pop("aws:username", None) is not None:
        problems.append("aws:username is present only for IAM users")
    userid = ctx.pop("aws:userid", None)
    org = ctx.pop("aws:principalorgid", None)
    paths: Any = ctx.pop("aws:principalorgpaths", None)
    if isinstance(paths, str):
        paths = (paths,)
    for key, given in (("mfa", mfa), ("org", org), ("userid", userid)):
        if given is not None and not isinstance(given, str):
            problems.append(f"{key} {given!r} must be one value")
    request = AttackRequest(
        caller=caller,
        mfa=mfa if isinstance(mfa, str) else None,
        external_id=witness.external_id,
        org_id=org if isinstance(org, str) else None,
        org_paths=tuple(paths) if paths is not None else None,
        extra=tuple(sorted(ctx.items())),
        userid=userid if isinstance(userid, str) else None,
    )
    return request, problems


def witness_verdicts(
    doc: Mapping[str, Any], result: RoleResult, settings: Settings = SETTINGS
) -> list[str]:
    """Everything wrong with the fail witnesses of a result (empty: all fine).

    A TW001 witness must be allowed by the independent evaluator (unless AWS's documentation
    does not settle the request: then nothing is claimed); every witness (TW004's
    too: it may rely on a construct the engine could not decide) must be a request STS
    accepts from a caller the contract calls an attacker.
    """
    trusted = {result.role.account_id, *settings.trusted_accounts}
    problems: list[str] = []
    try:
        policy = iam.parse(doc)
    except iam.Refused as exc:
        return [f"IAM refuses the document ({exc}) but the engine gave a witness"]
    for finding in result.findings:
        w = finding.witness
        if w is None:
            continue
        request, issues = witness_request(w)
        problems.extend(f"{finding.code}: {i}" for i in issues)
        if request is None:
            continue
        problems.extend(
            f"{finding.code}: {p}"
            for p in attacker_problems(request, doc, trusted, settings.trusted_orgs)
        )
        if finding.code == "TW001":
            try:
                if not iam.allowed(policy, request, result.role.partition):
                    problems.append(f"TW001 witness is denied by IAM: {request.describe()}")
            except iam.Ambiguous:
                pass  # AWS's documentation does not settle it: no verdict either way
    return problems


def is_exposed(result: RoleResult) -> bool:
    """``fail`` through TW001 or TW004."""
    return result.status is Status.FAIL and bool(
        EXPOSED_CODES & {f.code for f in result.findings if f.status is Status.FAIL}
    )
