"""Generate a realistic IAM estate as ``aws iam get-account-authorization-details`` output.

Usage::

    python benchmarks/generate_estate.py [--roles 100000] [--seed 7] [--output estate.json]

The mix (by share of roles) follows what real estates look like: mostly service roles and
own-account roles, then vendor cross-account roles with and without an External ID, MFA-gated
human roles, wildcard principals narrowed by conditions, Deny guards, multi-statement
policies, a few stale unique-ID principals and a handful of malformed documents. Some trust
documents are URL-encoded strings (as the raw IAM API returns them). The file is written
incrementally, pretty-printed like the AWS CLI (4-space indent), with users, groups and
customer-managed policies so the reader has to skip and resolve them.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

ACCOUNT = "111111111111"
VENDORS = ("464622532012", "023456789012", "387546586013", "292220400000", "803453451473")
PARTNER_ORG = "o-a1b2c3d4e5"
SERVICES = (
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
)
AWS_MANAGED = (
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/SecurityAudit",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AdministratorAccess",
)

Doc = dict[str, Any]


def _assume(principal: object, condition: Doc | None = None, **extra: object) -> Doc:
    statement: Doc = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    statement.update(extra)
    return statement


def _policy(*statements: Doc) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _ext_id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=24))


def _service(rng: random.Random) -> Doc:
    return _policy(_assume({"Service": rng.choice(SERVICES)}))


def _own_account(rng: random.Random) -> Doc:
    who = rng.choice((f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/ci"))
    return _policy(_assume({"AWS": who}))


def _vendor_with_external_id(rng: random.Random) -> Doc:
    cond = {"StringEquals": {"sts:ExternalId": _ext_id(rng)}}
    return _policy(_assume({"AWS": f"arn:aws:iam::{rng.choice(VENDORS)}:root"}, cond))


def _vendor_without_external_id(rng: random.Random) -> Doc:
    return _policy(_assume({"AWS": [f"arn:aws:iam::{rng.choice(VENDORS)}:root"]}))


def _vendor_like_star(rng: random.Random) -> Doc:
    cond = {"StringLike": {"sts:ExternalId": "*"}}
    return _policy(_assume({"AWS": f"arn:aws:iam::{rng.choice(VENDORS)}:root"}, cond))


def _mfa(rng: random.Random) -> Doc:
    operator = "Bool" if rng.random() < 0.8 else "BoolIfExists"
    cond = {operator: {"aws:MultiFactorAuthPresent": "true"}}
    return _policy(_assume({"AWS": f"arn:aws:iam::{rng.choice(VENDORS)}:root"}, cond))


def _wildcard(rng: random.Random) -> Doc:
    if rng.random() < 0.5:
        cond: Doc = {"StringEquals": {"sts:ExternalId": _ext_id(rng)}}
    else:
        cond = {"StringEquals": {"aws:PrincipalOrgID": PARTNER_ORG}}
    return _policy(_assume("*" if rng.random() < 0.5 else {"AWS": "*"}, cond))


def _deny_guard(rng: random.Random) -> Doc:
    vendor = rng.choice(VENDORS)
    return _policy(
        _assume({"AWS": f"arn:aws:iam::{vendor}:root"}),
        {
            "Sid": "RequireExternalId",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"sts:ExternalId": _ext_id(rng)}},
        },
    )


def _multi_statement(rng: random.Random) -> Doc:
    return _policy(
        _assume({"Service": rng.choice(SERVICES)}, Sid="Service"),
        _assume(
            {"AWS": [f"arn:aws:iam::{v}:role/deployer" for v in rng.sample(VENDORS, 2)]},
            {"StringEquals": {"sts:ExternalId": _ext_id(rng)}},
            Sid="Vendors",
        ),
        {
            "Sid": "Sso",
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/okta"},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        },
    )


def _not_action(rng: random.Random) -> Doc:
    statement = _assume({"AWS": f"arn:aws:iam::{rng.choice(VENDORS)}:root"})
    del statement["Action"]
    statement["NotAction"] = "sts:TagSession"
    return _policy(statement)


def _stale(rng: random.Random) -> Doc:
    unique = "AROA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))
    return _policy(_assume({"AWS": [unique, f"arn:aws:iam::{ACCOUNT}:root"]}))


def _malformed(rng: random.Random) -> object:
    return '{"Version": "2012-10-17", "Statement": [' + str(rng.random())


# (weight, maker): the mix of trust policies.
MIX: tuple[tuple[float, Callable[[random.Random], object]], ...] = (
    (0.40, _service),
    (0.15, _own_account),
    (0.12, _vendor_with_external_id),
    (0.05, _vendor_without_external_id),
    (0.01, _vendor_like_star),
    (0.06, _mfa),
    (0.04, _wildcard),
    (0.04, _deny_guard),
    (0.09, _multi_statement),
    (0.02, _not_action),
    (0.0195, _stale),
    (0.0005, _malformed),
)


def _role_id(rng: random.Random, prefix: str = "AROA") -> str:
    return prefix + "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))


def _inline_policy(rng: random.Random, index: int) -> Doc:
    bucket = f"data-{index % 977}"
    return {
        "PolicyName": f"inline-{index}",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": rng.sample(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], 2),
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        },
    }


def make_role(rng: random.Random, index: int, customer_policies: list[str]) -> Doc:
    """One ``RoleDetailList`` entry."""
    weights = [w for w, _ in MIX]
    maker = rng.choices([m for _, m in MIX], weights=weights)[0]
    trust = maker(rng)
    if isinstance(trust, dict) and rng.random() < 0.05:
        trust = quote(json.dumps(trust), safe="")  # as the raw IAM API returns it
    name = f"{maker.__name__.strip('_').replace('_', '-')}-{index:06d}"
    attached = [
        {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn}
        for arn in rng.sample(AWS_MANAGED[:-1], rng.randint(0, 2))
    ]
    if customer_policies and rng.random() < 0.3:
        arn = rng.choice(customer_policies)
        attached.append({"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn})
    if rng.random() < 0.005:
        attached.append({"PolicyName": "AdministratorAccess", "PolicyArn": AWS_MANAGED[-1]})
    role: Doc = {
        "Path": "/service-role/" if maker is _service else "/",
        "RoleName": name,
        "RoleId": _role_id(rng),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": f"2023-{1 + index % 12:02d}-{1 + index % 28:02d}T10:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [_inline_policy(rng, index)] if rng.random() < 0.35 else [],
        "AttachedManagedPolicies": attached,
        "Tags": [{"Key": "team", "Value": f"team-{index % 40}"}],
        "RoleLastUsed": (
            {"LastUsedDate": "2024-05-01T12:00:00+00:00", "Region": "us-east-1"}
            if rng.random() < 0.7
            else {}
        ),
    }
    return role


def make_policy(rng: random.Random, arn: str, admin: bool) -> Doc:
    """One customer-managed ``Policies`` entry with two versions."""
    statement: Doc = (
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
        if admin
        else {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "*"}
    )
    old = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    return {
        "PolicyName": arn.rsplit("/", 1)[1],
        "PolicyId": _role_id(rng, "ANPA"),
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v2",
        "AttachmentCount": 1,
        "IsAttachable": True,
        "PolicyVersionList": [
            {
                "Document": {"Version": "2012-10-17", "Statement": [statement]},
                "VersionId": "v2",
                "IsDefaultVersion": True,
                "CreateDate": "2024-01-01T00:00:00+00:00",
            },
            {
                "Document": old,
                "VersionId": "v1",
                "IsDefaultVersion": False,
                "CreateDate": "2023-01-01T00:00:00+00:00",
            },
        ],
    }


def _users(rng: random.Random, count: int) -> Iterator[Doc]:
    for i in range(count):
        yield {
            "Path": "/",
            "UserName": f"user-{i}",
            "UserId": _role_id(rng, "AIDA"),
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{i}",
            "GroupList": ["developers"],
            "AttachedManagedPolicies": [],
            "Tags": [],
        }


def _write_list(out: TextIO, key: str, items: Iterator[Doc], last: bool = False) -> None:
    out.write(f'    "{key}": [')
    first = True
    for item in items:
        text = json.dumps(item, indent=4).replace("\n", "\n        ")
        out.write(("\n        " if first else ",\n        ") + text)
        first = False
    out.write("\n    ]" + ("\n" if last else ",\n"))


def write_estate(out: TextIO, roles: int, seed: int) -> None:
    """Write an authorization-details document with ``roles`` roles to ``out``."""
    rng = random.Random(seed)
    n_policies = max(1, roles // 200)
    customer = [f"arn:aws:iam::{ACCOUNT}:policy/app-policy-{i}" for i in range(n_policies)]
    out.write("{\n")
    _write_list(out, "UserDetailList", _users(rng, max(1, roles // 500)))
    _write_list(out, "GroupDetailList", iter([{"GroupName": "developers", "Path": "/"}]))
    _write_list(out, "RoleDetailList", (make_role(rng, i, customer) for i in range(roles)))
    _write_list(out, "Policies", (make_policy(rng, a, i % 50 == 0) for i, a in enumerate(customer)))
    out.write('    "IsTruncated": false\n}\n')


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=100_000, help="number of roles")
    parser.add_argument("--seed", type=int, default=7, help="random seed (output is deterministic)")
    parser.add_argument("--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.output is None:
        write_estate(sys.stdout, args.roles, args.seed)
    else:
        with args.output.open("w", encoding="utf-8") as out:
            write_estate(out, args.roles, args.seed)
        size = args.output.stat().st_size
        print(
            f"wrote {args.roles} roles to {args.output} ({size / 2**20:.1f} MiB)", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
