"""The bundled sample estate: present, loadable, and one role per engine case."""

from __future__ import annotations

from pathlib import Path

from trustwarden.config import build_settings, load_config
from trustwarden.engine import analyze_roles
from trustwarden.model import Role, RoleResult, Settings, Status
from trustwarden.sources.offline import load_files
from trustwarden.sources.sample import sample_config_path, sample_paths

# role name -> (status without config, finding codes, severity); the partner 222222222222
# is trusted only by the example configuration.
EXPECTED: dict[str, tuple[str, tuple[str, ...], str]] = {
    "datadog-integration": ("pass", (), "medium"),
    "legacy-monitoring-vendor": ("fail", ("TW001",), "medium"),
    "cost-tool-any-external-id": ("fail", ("TW001",), "medium"),
    "vendor-with-deny-guard": ("pass", (), "medium"),
    "vendor-notaction": ("fail", ("TW001",), "medium"),
    "vendor-admin-access": ("fail", ("TW001",), "high"),
    "url-encoded-vendor": ("pass", (), "medium"),
    "security-audit-vendor": ("pass", (), "medium"),
    "contractor-mfa-ifexists": ("fail", ("TW001",), "medium"),
    "auditor-mfa-required": ("pass", (), "medium"),
    "public-with-external-id": ("warn", ("TW002",), "medium"),
    "org-wide-readonly": ("fail", ("TW001",), "medium"),
    "partner-account-narrowed": ("fail", ("TW001",), "medium"),
    "partner-data-sync": ("fail", ("TW001",), "medium"),
    "partner-reporting": ("pass", (), "medium"),
    "ci-deployer": ("pass", (), "medium"),
    "account-root-admin": ("pass", (), "high"),
    "breakglass-admin": ("pass", (), "high"),
    "stale-principal-role": ("warn", ("TW003",), "low"),  # TW003 is a low-severity rule
    "lambda-orders-processor": ("pass", (), "medium"),
    "ecs-task-execution": ("pass", (), "medium"),
    "ec2-app-server": ("pass", (), "medium"),
    "saml-sso-admin": ("pass", (), "high"),
    "github-oidc-deploy": ("pass", (), "medium"),
    "multi-statement-mixed": ("fail", ("TW001",), "medium"),
}
PASS_WITH_PARTNER_TRUSTED = {"partner-account-narrowed", "partner-data-sync"}
PASS_WITH_ORG_TRUSTED = {"org-wide-readonly"}


def sample_roles() -> list[Role]:
    items = list(load_files(sample_paths()))
    assert all(isinstance(i, Role) for i in items)
    return [i for i in items if isinstance(i, Role)]


def results(settings: Settings) -> dict[str, RoleResult]:
    return {r.role.name: r for r in analyze_roles(sample_roles(), settings)}


def test_sample_files_ship_with_the_package() -> None:
    paths = sample_paths()
    assert [p.name for p in paths] == ["authorization-details.json"]
    assert all(p.is_file() for p in paths)
    assert sample_config_path().is_file()
    assert sample_config_path().parent == paths[0].parent


def test_sample_is_one_account_in_input_order() -> None:
    roles = sample_roles()
    assert [r.name for r in roles] == list(EXPECTED)
    assert {r.account_id for r in roles} == {"111111111111"}
    assert all(r.permissions is not None for r in roles)


def test_sample_verdicts_without_config() -> None:
    got = results(Settings())
    for name, (status, codes, severity) in EXPECTED.items():
        result = got[name]
        assert result.status.value == status, name
        assert tuple(f.code for f in result.findings) == codes, name
        assert result.severity.value == severity, name
    assert [
        n for n, r in got.items() if r.severity.value == "high" and r.status is Status.FAIL
    ] == ["vendor-admin-access"]


def test_every_fail_in_the_sample_has_a_witness() -> None:
    for result in results(Settings()).values():
        for finding in result.findings:
            if finding.code == "TW001":
                assert finding.witness is not None


def test_example_config_trusts_the_partner() -> None:
    config = load_config(sample_config_path(), Path.cwd())
    assert config.trusted_accounts == ("222222222222",)
    got = results(build_settings(config, [], []))
    for name, (status, _, _) in EXPECTED.items():
        expected = "pass" if name in PASS_WITH_PARTNER_TRUSTED else status
        assert got[name].status.value == expected, name


def test_trusting_the_org_clears_the_org_wide_role() -> None:
    got = results(Settings(trusted_orgs=frozenset({"o-a1b2c3d4e5"})))
    for name, (status, _, _) in EXPECTED.items():
        expected = "pass" if name in PASS_WITH_ORG_TRUSTED else status
        assert got[name].status.value == expected, name


def test_sample_covers_every_verdict_but_error() -> None:
    # The sample demonstrates findings (exit 1); the malformed document is a separate example.
    assert {s for s, _, _ in EXPECTED.values()} == {"pass", "warn", "fail"}
    resolved = next(r for r in sample_roles() if r.name == "breakglass-admin")
    assert resolved.permissions is not None
    assert resolved.permissions.documents  # customer-managed default version resolved


def test_malformed_example_is_an_error_result() -> None:
    path = Path(__file__).resolve().parents[2] / "examples" / "malformed-trust-document.json"
    (role,) = [i for i in load_files([path]) if isinstance(i, Role)]
    (result,) = analyze_roles([role], Settings())
    assert result.status is Status.ERROR
    assert [f.code for f in result.findings] == ["TW005"]
