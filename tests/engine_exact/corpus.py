"""The hand-written adversarial corpus: one or more policies per class of issue #11.

Accounts: 111111111111 owns the role, 333333333333 and o-trusted0001 are trusted,
222222222222 and 444444444444 are outside. Each case says why AWS's documentation gives
its verdict.
"""

from __future__ import annotations

from tests.engine_exact.judge import OTHER, OUTSIDER
from tests.engine_exact.policies import ANYONE, EXT, allow, case, deny, doc, root
from trustwarden.model import Status

FAIL, PASS, WARN, ERROR = Status.FAIL, Status.PASS, Status.WARN, Status.ERROR
OUT = {"AWS": root(OUTSIDER)}

FILLERS_EXCLUDED = [
    case(
        "deny-lists-external-id-fillers",
        doc(
            allow(OUT, {"StringLike": {EXT: "acme-*"}}),
            deny(
                {
                    "StringEquals": {
                        EXT: [
                            "acme-x",
                            "acme-",
                            "acme-Q7z",
                            "acme-0",
                            "acme-9",
                            "acme-q",
                            "attacker-chosen-id",
                            "Q7zQ7z",
                        ]
                    }
                }
            ),
        ),
        FAIL,
        why="StringLike 'acme-*' admits 'acme-k3', which no Deny value equals and which is not "
        "a literal ID the policy names (the Deny's values are); explicit Deny only stops the "
        "listed values.",
    ),
    case(
        "deny-lists-account-pattern-fillers",
        doc(
            allow("*", {"StringLike": {"aws:PrincipalAccount": "55555555555?"}}),
            deny(
                {
                    "StringEquals": {
                        "aws:PrincipalAccount": [
                            "555555555550",
                            "555555555559",
                            "555555555555",
                            "555555555551",
                        ]
                    }
                }
            ),
        ),
        FAIL,
        why="'?' is one character: account 555555555552 matches the Allow and is not denied; "
        "no External ID or MFA is asked.",
    ),
    case(
        "deny-lists-principal-arn-fillers",
        doc(
            allow(ANYONE, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}}),
            deny(
                {
                    "ArnLike": {
                        "aws:PrincipalArn": [
                            f"arn:aws:iam::*:role/ci-{s}" for s in ("x", "", "Q7z", "0", "9", "q")
                        ]
                    }
                }
            ),
        ),
        FAIL,
        why="ArnLike matches each ARN component with wildcards: any account's role 'ci-deploy' "
        "matches 'role/ci-*' and none of the denied names; aws:PrincipalArn of a role session "
        "is the role ARN.",
    ),
    case(
        "deny-lists-principal-tag-fillers",
        doc(
            allow(OUT, {"StringLike": {"aws:PrincipalTag/team": "ops-*"}}),
            deny(
                {
                    "StringEquals": {
                        "aws:PrincipalTag/team": [
                            "ops-x",
                            "ops-",
                            "ops-Q7z",
                            "ops-0",
                            "ops-9",
                            "OPS-X",
                            "trustwarden-any-value",
                            "",
                        ]
                    }
                }
            ),
        ),
        FAIL,
        why="The outsider's admins tag their principal team=ops-k3: the Allow's pattern "
        "matches, the Deny's list does not.",
    ),
    case(
        "other-tenants-literals-hide-a-pattern",
        doc(
            allow(
                {"AWS": root(OTHER)},
                {"StringEquals": {EXT: ["cust-x", "cust-", "cust-Q7z", "cust-0", "cust-9"]}},
            ),
            allow(OUT, {"StringLike": {EXT: "cust-*"}}),
        ),
        FAIL,
        why="Statement 1 names another tenant's exact IDs; statement 2 lets 222222222222 in "
        "with any 'cust-…' ID, e.g. 'cust-k3', which is none of those literals.",
    ),
]

NUMERIC_GAPS = [
    case(
        "decimal-between-two-integers",
        doc(
            allow(
                OUT,
                {
                    "NumericGreaterThan": {"aws:PrincipalTag/clearance": "3"},
                    "NumericLessThan": {"aws:PrincipalTag/clearance": "4"},
                },
            )
        ),
        FAIL,
        why="Numeric operators compare integer or decimal values (AWS: condition operators): "
        "clearance=3.5 is > 3 and < 4. (A tag is a string key; if IAM would not compare it as "
        "a number, the contract still makes the unevaluable condition TW004: fail.)",
    ),
    case(
        "account-strictly-between-two-others",
        doc(
            allow(
                "*",
                {
                    "NumericGreaterThan": {"aws:PrincipalAccount": "444444444444"},
                    "NumericLessThan": {"aws:PrincipalAccount": "444444444446"},
                },
            )
        ),
        FAIL,
        why="Account IDs are decimal digit strings: a caller in 444444444445 satisfies both "
        "bounds; nothing else is asked. (AWS documents no conversion for a numeric operator "
        "on a string key; then the contract makes it TW004: fail either way.)",
    ),
]

MULTIVALUED = [
    case(
        "tag-keys-need-two-values",
        doc(
            allow(
                OUT,
                {
                    "ForAnyValue:StringEquals": {"aws:TagKeys": "project"},
                    "ForAnyValue:StringLike": {"aws:TagKeys": "cost-*"},
                },
                Action=["sts:AssumeRole", "sts:TagSession"],
            )
        ),
        FAIL,
        why="aws:TagKeys is multivalued: session tags {project, cost-center} satisfy both "
        "ForAnyValue conditions; no single tag key does.",
    ),
    case(
        "tag-keys-all-listed-two-required",
        doc(
            allow(
                OUT,
                {
                    "ForAllValues:StringLike": {"aws:TagKeys": ["env*", "team*"]},
                    "ForAnyValue:StringEquals": {"aws:TagKeys": "env"},
                    "ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": "TEAM"},
                },
                Action=["sts:AssumeRole", "sts:TagSession"],
            )
        ),
        FAIL,
        why="Tag keys {env, team}: each matches env*/team* (ForAllValues) and both "
        "ForAnyValue conditions hold.",
    ),
]

VARIABLES = [
    case(
        "external-id-from-principal-tag",
        doc(allow(OUT, {"StringEquals": {EXT: "${aws:PrincipalTag/tenant-id}"}})),
        FAIL,
        why="The caller's admins set tag tenant-id=t1234 and send ExternalId t1234: the "
        "variable is replaced by the request's own tag (policy variables, Version 2012-10-17).",
    ),
    case(
        "session-name-from-userid",
        doc(allow(OUT, {"StringEquals": {"sts:RoleSessionName": "${aws:userid}"}})),
        FAIL,
        why="An IAM user knows its unique ID (AIDA…) and passes it as RoleSessionName.",
    ),
    case(
        "external-id-from-principal-org",
        doc(allow(OUT, {"StringEquals": {EXT: "${aws:PrincipalOrgID}"}})),
        FAIL,
        why="222222222222 in organisation o-… sends its own org ID as ExternalId: no "
        "customer-specific value is required.",
    ),
    case(
        "principal-org-equals-resource-org",
        doc(allow(ANYONE, {"StringEquals": {"aws:PrincipalOrgID": "${aws:ResourceOrgID}"}})),
        FAIL,
        why="Any account in the role's organisation gets in without ID or MFA; that "
        "organisation is not among the trusted ones (the contract gives the attacker every "
        "key trustwarden cannot know).",
    ),
]

ARN_PATTERNS = [
    case(
        "principal-arn-pattern-without-arn-prefix",
        doc(allow("*", {"StringLike": {"aws:PrincipalArn": "*:role/deployer"}})),
        FAIL,
        why="StringLike matches the whole ARN: arn:aws:iam::<any>:role/deployer ends in "
        "':role/deployer'.",
    ),
    case(
        "principal-arn-pattern-account-prefix",
        doc(allow("*", {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::1234567890*"}})),
        FAIL,
        why="Every principal of accounts 1234567890xx (e.g. 123456789022) matches the prefix.",
    ),
    case(
        "principal-arn-upper-case-ignorecase",
        doc(
            allow(
                "*",
                {
                    "StringEqualsIgnoreCase": {
                        "aws:PrincipalArn": "ARN:AWS:IAM::222222222222:ROLE/AUDITOR"
                    }
                },
            )
        ),
        FAIL,
        why="StringEqualsIgnoreCase: role 'auditor' of 222222222222 (an outsider) matches.",
    ),
]

VERSION = [
    case(
        "version-2012-variable-in-allow",
        doc(allow(OUT, {"StringLike": {EXT: "${aws:PrincipalAccount}*"}})),
        FAIL,
        why="With 2012-10-17 the variable is the caller's account: ExternalId "
        "'222222222222' matches.",
    ),
    case(
        "version-2008-variable-is-literal-in-allow",
        doc(allow(OUT, {"StringLike": {EXT: "${aws:PrincipalAccount}*"}}), version="2008-10-17"),
        PASS,
        why="AWS (Version): under 2008-10-17 '${aws:PrincipalAccount}' is literal text; every "
        "matching ExternalId starts with '$', which STS refuses: nobody gets in.",
    ),
    case(
        "version-missing-variable-is-literal-in-allow",
        doc(allow(OUT, {"StringLike": {EXT: "${aws:PrincipalAccount}*"}}), version=None),
        PASS,
        why="No Version means 2008-10-17: same as above.",
    ),
    case(
        "version-2012-variable-in-deny",
        doc(
            allow(OUT),
            deny({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}),
        ),
        FAIL,
        why="With 2012-10-17 every caller's ARN is in its own account: the Deny never fires.",
    ),
    case(
        "version-2008-variable-is-literal-in-deny",
        doc(
            allow(OUT),
            deny({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}),
            version="2008-10-17",
        ),
        PASS,
        why="Under 2008-10-17 the pattern is literal: no real principal ARN contains "
        "'${aws:PrincipalAccount}', so StringNotLike holds and the Deny stops everyone.",
    ),
    case(
        "version-missing-variable-is-literal-in-deny",
        doc(
            allow(OUT),
            deny({"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"}}),
            version=None,
        ),
        PASS,
        why="No Version means 2008-10-17: same as above.",
    ),
]

UNICODE = [
    case(
        "fullwidth-digit-account-principal",
        doc(allow({"AWS": "\uff12" * 12})),
        ERROR,
        why="Account IDs are 12 ASCII digits; IAM refuses anything else as a principal "
        "('Invalid principal in policy').",
    ),
    case(
        "arabic-indic-digit-root-arn-principal",
        doc(allow({"AWS": "arn:aws:iam::" + "\u0662" * 12 + ":root"})),
        ERROR,
        why="Not an account ID: IAM refuses the principal.",
    ),
    case(
        "superscript-digit-account-principal",
        doc(allow({"AWS": "\u00b2" * 12})),
        ERROR,
        why="'²' is Latin-1 (IAM accepts the characters) and str.isdigit() says it is a "
        "digit, but it is no ASCII digit: IAM refuses the principal.",
    ),
    case(
        "trailing-newline-account-principal",
        doc(allow({"AWS": "222222222222\n"})),
        ERROR,
        why="'222222222222\\n' is not an account ID or ARN: IAM refuses the principal.",
    ),
    case(
        "arabic-indic-digits-in-account-condition",
        doc(allow("*", {"StringEquals": {"aws:PrincipalAccount": "\u0664" * 12}})),
        PASS,
        ERROR,
        why="aws:PrincipalAccount is always 12 ASCII digits, so it never equals this value: "
        "nobody gets in (pass); IAM also refuses characters above U+00FF in a policy "
        "(error).",
    ),
    case(
        "non-ascii-external-id-pattern",
        doc(allow(OUT, {"StringLike": {EXT: "é*"}})),
        PASS,
        why="Every matching ExternalId starts with 'é'; STS allows only [A-Za-z0-9_+=,.@:/-].",
    ),
    case(
        "external-id-pattern-ending-in-newline",
        doc(allow(OUT, {"StringLike": {EXT: "ok-*\n"}})),
        PASS,
        why="Every matching ExternalId ends in a newline, which STS refuses.",
    ),
]

REALISM = [
    case(
        "principal-arn-root-only",
        doc(allow("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}})),
        PASS,
        why="Only root users match, and the root user cannot call AssumeRole (AWS: "
        "AssumeRole needs an IAM user's or role's credentials).",
    ),
    case(
        "principal-type-account-only",
        doc(allow(OUT, {"StringEquals": {"aws:PrincipalType": "Account"}})),
        PASS,
        why="aws:PrincipalType is Account only for the root user, who cannot call AssumeRole.",
    ),
    case(
        "role-session-cannot-lack-the-mfa-key",
        doc(
            allow(
                {"AWS": f"arn:aws:iam::{OUTSIDER}:role/pipeline"},
                {"Null": {"aws:MultiFactorAuthPresent": "true"}},
            )
        ),
        PASS,
        why="A role session uses temporary credentials, so aws:MultiFactorAuthPresent is "
        "present (AWS: global condition keys); the Allow wants it absent.",
    ),
]

REFUSED = [
    case(
        "resource-in-trust-policy",
        doc(allow(OUT, Resource="*")),
        ERROR,
        why="IAM: 'MalformedPolicyDocument: Has prohibited field Resource'.",
        error_names="Resource",
    ),
    case(
        "notresource-in-trust-policy",
        doc(allow(OUT, NotResource="arn:aws:iam::111111111111:role/other")),
        ERROR,
        why="IAM refuses NotResource in a trust policy the same way.",
        error_names="NotResource",
    ),
]

WILDCARD_NARROWED = [
    case(
        "wildcard-exact-id-one-named-org",
        doc(
            allow(
                "*", {"StringEquals": {EXT: "vendor-7Hq2", "aws:PrincipalOrgID": "o-vendor00001"}}
            )
        ),
        PASS,
        why="TW002.md: a wildcard narrowed to one named organisation is judged like the named "
        "account, which passes with the exact External ID.",
    ),
    case(
        "wildcard-exact-id-one-named-account",
        doc(allow("*", {"StringEquals": {EXT: "vendor-7Hq2", "aws:PrincipalAccount": OTHER}})),
        PASS,
        why="TW002.md: narrowed to one named account, the exact External ID protects it like "
        "naming the account as the principal.",
    ),
    case(
        "wildcard-narrowed-to-trusted-org",
        doc(allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-trusted0001"}})),
        PASS,
        why="Only accounts of the trusted organisation match: no outsider.",
    ),
]

NOT_PRINCIPAL = [
    case(
        "deny-notprincipal-account-root-only",
        doc(
            allow({"AWS": [OUTSIDER, root(OTHER)]}),
            deny(principal=None, NotPrincipal={"AWS": root(OUTSIDER)}),
        ),
        PASS,
        ERROR,
        why="AWS (NotPrincipal): the account ARN exempts the account, not each user and role "
        "in it, so every caller but 222222222222's root user is denied, and the root user "
        "cannot call AssumeRole: pass. IAM also refuses NotPrincipal in role trust policies: "
        "error is right too. fail is wrong either way.",
    ),
    case(
        "deny-notprincipal-user-and-account",
        doc(
            allow(OUT),
            deny(
                principal=None,
                NotPrincipal={"AWS": [root(OUTSIDER), f"arn:aws:iam::{OUTSIDER}:user/bob"]},
            ),
        ),
        FAIL,
        ERROR,
        why="User bob with his account listed is exempt (the documented NotPrincipal form) and "
        "the Allow admits him: fail with bob as witness; or error, as IAM refuses NotPrincipal "
        "in trust policies.",
    ),
]

REALISTIC = [
    case(
        "vendor-exact-external-id",
        doc(allow(OUT, {"StringEquals": {EXT: "vendor-issued-7f3a"}})),
        PASS,
        why="The named account must send the exact ID (AWS: external ID guidance).",
    ),
    case(
        "account-root-no-condition",
        doc(allow(OUT)),
        FAIL,
        why="Every user and role of 222222222222 gets in.",
    ),
    case(
        "mfa-bool-true",
        doc(allow(OUT, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        PASS,
        why="Bool true needs MFA; the attacker has none.",
    ),
    case(
        "mfa-boolifexists",
        doc(allow(OUT, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})),
        FAIL,
        why="Long-term keys: the key is absent and IfExists makes it true.",
    ),
    case(
        "external-id-presence-only",
        doc(allow(OUT, {"StringLike": {EXT: "*"}})),
        FAIL,
        why="Any External ID matches '*'.",
    ),
    case(
        "wildcard-with-external-id",
        doc(allow("*", {"StringEquals": {EXT: "vendor-issued-7f3a"}})),
        WARN,
        why="TW002: any account that reads the ID gets in.",
    ),
    case(
        "trusted-account",
        doc(allow({"AWS": root("333333333333")})),
        PASS,
        why="333333333333 is trusted.",
    ),
    case(
        "service-principal",
        doc(allow({"Service": "ec2.amazonaws.com"})),
        PASS,
        why="Not an AWS-account principal.",
    ),
    case(
        "deny-guard-external-id",
        doc(allow(OUT), deny({"StringNotEquals": {EXT: "vendor-issued-7f3a"}})),
        PASS,
        why="The Deny fires when the ID is missing or wrong.",
    ),
    case(
        "deny-guard-mfa",
        doc(allow(OUT), deny({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})),
        PASS,
        why="AWS's recommended Deny: stops long-term keys and sessions without MFA.",
    ),
    case(
        "stale-unique-id",
        doc(allow({"AWS": "AROAABCDEFGHIJKLMNOPQ"})),
        WARN,
        why="A deleted principal matches nobody; TW003.",
    ),
    case(
        "org-id-named-outside-org",
        doc(allow("*", {"StringEquals": {"aws:PrincipalOrgID": "o-partner0001"}})),
        FAIL,
        why="Every account of a foreign organisation gets in without ID or MFA.",
    ),
    case(
        "not-action-covers-assume",
        doc({"Effect": "Allow", "Principal": OUT, "NotAction": "sts:TagSession"}),
        FAIL,
        why="NotAction allows everything but TagSession, AssumeRole included.",
    ),
    case(
        "ip-condition-only",
        doc(allow(OUT, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        FAIL,
        why="The outsider calls from that range; IPs are not a deputy control.",
    ),
    case(
        "username-condition",
        doc(allow(OUT, {"StringEquals": {"aws:username": "deployer"}})),
        FAIL,
        why="222222222222 creates a user named deployer.",
    ),
]

CORPUS = [
    *FILLERS_EXCLUDED,
    *NUMERIC_GAPS,
    *MULTIVALUED,
    *VARIABLES,
    *ARN_PATTERNS,
    *VERSION,
    *UNICODE,
    *REFUSED,
    *WILDCARD_NARROWED,
    *NOT_PRINCIPAL,
]
