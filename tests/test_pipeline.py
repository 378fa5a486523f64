"""The pipeline through the public door: a custom source, selection, order, enrichment."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

import trustwarden
from trustwarden import (
    Opened,
    Role,
    RoleFacts,
    RoleResult,
    Settings,
    Severity,
    Skipped,
    Status,
    scan,
)
from trustwarden.model import Permissions

OWN = "111122223333"


def role(name: str, outsider: str | None = "999999999999") -> Role:
    principal = {"Service": "ec2.amazonaws.com"} if outsider is None else {"AWS": outsider}
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }
    return Role(
        arn=f"arn:aws:iam::{OWN}:role/{name}", name=name, account_id=OWN, trust_document=document
    )


class ListSource:
    """All a source needs: ``open(settings) -> Opened`` (what an IaC source would write)."""

    def __init__(self, items: list[Any], enrich: Any = None) -> None:
        self.items = items
        self.enrich = enrich
        self.opened = 0

    def open(self, settings: Settings) -> Opened:
        self.opened += 1
        return Opened(roles=iter(self.items), settings=settings, enrich=self.enrich)


def test_public_names() -> None:
    assert set(trustwarden.__all__) >= {
        "__version__",
        "analyze_policy",
        "scan",
        "Source",
        "Settings",
        "RoleResult",
        "Skipped",
        "Status",
        "FileSource",
        "SampleSource",
        "AccountSource",
        "OrganizationSource",
    }
    for name in trustwarden.__all__:
        assert getattr(trustwarden, name) is not None
    with pytest.raises(AttributeError):
        trustwarden.nothing_here  # noqa: B018


def test_a_custom_source_streams_results_and_skipped_in_order() -> None:
    source = ListSource([role("a"), Skipped("file x", "unreadable"), role("b", None), role("c")])
    running = scan(source, Settings(fail_on="warn"))
    assert source.opened == 1  # opened at once: set-up errors surface before any output
    events = list(running)
    assert [e.role.name if isinstance(e, RoleResult) else e.what for e in events] == [
        "a",
        "file x",
        "b",
        "c",
    ]
    statuses = [e.status for e in events if isinstance(e, RoleResult)]
    assert statuses == [Status.FAIL, Status.PASS, Status.FAIL]
    assert running.counts == {"fail": 2, "warn": 0, "pass": 1, "error": 0}
    assert running.skipped == 1
    assert running.exit_code() == 2


def test_selection_by_name_arn_and_pattern() -> None:
    roles = [role("deploy-a"), role("Deploy-B"), role("other")]
    settings = Settings(roles=("DEPLOY-*", f"arn:aws:iam::{OWN}:role/other"))
    selected = [e.role.name for e in scan(ListSource(roles), settings) if isinstance(e, RoleResult)]
    assert selected == ["deploy-a", "Deploy-B", "other"]
    missing = list(scan(ListSource(roles), Settings(roles=("deploy-c",))))
    assert missing == [
        Skipped("--role deploy-c", "matches no role (closest: deploy-a, Deploy-B)")
    ] or missing == [Skipped("--role deploy-c", "matches no role (closest: Deploy-B, deploy-a)")]


def test_enrichment_keeps_the_verdict_refreshes_severity_and_skips_pass() -> None:
    fetched: list[str] = []
    threads: set[str] = set()

    def enrich(r: Role) -> Role:
        fetched.append(r.name)
        threads.add(threading.current_thread().name)
        admin = Permissions(managed_policy_arns=("arn:aws:iam::aws:policy/AdministratorAccess",))
        facts = RoleFacts(tags=(("team", "blue"),), last_used="2024-01-02", enriched=True)
        return replace(r, permissions=admin, facts=facts)

    events = list(scan(ListSource([role("a"), role("svc", None), role("b")], enrich), Settings()))
    results = {e.role.name: e for e in events if isinstance(e, RoleResult)}
    assert sorted(fetched) == ["a", "b"]  # pass roles cost no calls
    assert all(t.startswith("trustwarden-enrich") for t in threads)
    assert results["a"].status is Status.FAIL
    assert results["a"].severity is Severity.HIGH
    assert results["a"].role.facts.tags == (("team", "blue"),)
    assert results["svc"].severity is Severity.MEDIUM
    assert [e.role.name for e in events if isinstance(e, RoleResult)] == ["a", "svc", "b"]


def test_closing_the_scan_closes_the_source() -> None:
    closed: list[bool] = []

    def items() -> Any:
        try:
            yield role("a")
            yield role("b")
        finally:
            closed.append(True)

    class GenSource:
        def open(self, settings: Settings) -> Opened:
            return Opened(roles=items(), settings=settings)

    running = scan(GenSource())
    next(running)
    running.close()
    assert closed == [True]


def test_sparse_enrichment_runs_in_parallel() -> None:
    """One role in 20 needs facts: the fetches still overlap (the window counts fetches)."""
    lock = threading.Lock()
    running = [0, 0]  # now, most at once
    gate = threading.Event()

    def slow(r: Role) -> Role:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
            if running[1] >= 4:
                gate.set()
        gate.wait(timeout=2)
        with lock:
            running[0] -= 1
        return r

    roles = [role(f"r{i:03d}", None if i % 20 else "999999999999") for i in range(200)]
    events = list(scan(ListSource(roles, slow), Settings()))
    assert len(events) == 200
    assert running[1] >= 4
