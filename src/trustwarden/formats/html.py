"""HTML (``--format html``): one self-contained page that makes no network request.

The page holds the totals, SVG charts by verdict and by account, a sortable and filterable
table of every role (worst first) and, for each role that is not ``pass``, the details: every
finding with its witness and fix, and the trust policy with the offending statements
highlighted. CSS and JavaScript are inline (``templates/report.css``, ``templates/report.js``)
and a Content-Security-Policy meta tag allows only those two, by hash: no other script, style,
image, font, frame or connection. Every string from the input is HTML-escaped (and stripped of
control characters) before it is written.

Totals and charts come first in the page, so rows and details are kept (as rendered text)
until :meth:`HtmlReportWriter.close`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, TextIO

from trustwarden.errors import TrustwardenError
from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import SEVERITY_ORDER, FindingRow, finding_rows, printable
from trustwarden.formats.location import file_line_text, location_text
from trustwarden.model import RoleResult, Skipped, Status
from trustwarden.policy import decode_document

STATUS_ORDER = (Status.FAIL, Status.WARN, Status.ERROR, Status.PASS)
_STATUS_SORT = {Status.ERROR: "0", Status.FAIL: "1", Status.WARN: "2", Status.PASS: "3"}
_SEVERITY_SORT = {s: str(len(SEVERITY_ORDER) - i) for i, s in enumerate(SEVERITY_ORDER)}
CHART_ACCOUNTS = 12
OPEN_DETAILS = 50  # more roles than this with details: they start collapsed


def h(text: object) -> str:
    """``text`` escaped for HTML text and attribute values, without control characters."""
    return html.escape(printable(str(text)), quote=True)


@cache
def _asset(name: str) -> str:
    return (resources.files("trustwarden.formats") / "templates" / name).read_text("utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy() -> str:
    """Nothing but the page's own inline style and script (by hash); no network at all."""
    return (
        f"default-src 'none'; style-src {_csp_hash(_asset('report.css'))}; "
        f"script-src {_csp_hash(_asset('report.js'))}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def policy_html(result: RoleResult, labels: set[str]) -> str:
    """The trust policy as indented JSON, statements named by ``labels`` in ``<mark>``."""
    try:
        document = decode_document(result.role.trust_document)
    except TrustwardenError as exc:
        return f"<p>The trust policy could not be read: {h(exc.message)}</p>"
    statements: Any = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return f"<pre>{html.escape(_dumps(document))}</pre>"
    lines = ["{"]
    lines.extend(
        f"  {html.escape(_dumps(k))}: {html.escape(_dumps(v))},"
        for k, v in document.items()
        if k != "Statement"
    )
    lines.append('  "Statement": [')
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        label = str(sid) if sid else str(index)
        text = "\n".join("    " + line for line in _dumps(statement, indent=2).split("\n"))
        text = html.escape(text) + ("," if index < len(statements) - 1 else "")
        if label in labels:
            text = f'<mark class="hit" title="offending statement">{text}</mark>'
        lines.append(text)
    lines.extend(["  ]", "}"])
    return "<pre>" + "\n".join(lines) + "</pre>"


def _dumps(value: object, indent: int | None = None) -> str:
    """JSON as UTF-8-safe text (a lone surrogate from the input becomes ``?``)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False, default=str)
    return text.encode("utf-8", "replace").decode("utf-8")


def _where(result: RoleResult) -> str:
    """``<br>path:line`` under the ARN for a role read from a file (passes included)."""
    where = location_text(result)
    return f"<br><code>{h(where)}</code>" if where else ""


def _finding_html(row: FindingRow) -> str:
    parts = [
        f'<div class="finding {row.status.value}">',
        f"<h4>{h(row.rule.id)} · {h(row.rule.title)}</h4>",
        f'<p><span class="badge {row.status.value}">{row.status.value}</span> '
        f"{h(row.severity.value)} · {h(row.message)}</p>",
    ]
    if row.statement:
        parts.append(f'<p><span class="label">Statement:</span> {h(row.statement)}</p>')
    if where := file_line_text(row.result.role.origin.file, row.line):
        parts.append(f'<p><span class="label">At:</span> <code>{h(where)}</code></p>')
    if row.principals:
        parts.append(f'<p><span class="label">Who:</span> <code>{h(row.principals)}</code></p>')
    if row.witness:
        parts.append(f'<p><span class="label">Witness:</span> {h(row.witness)}</p>')
    if row.finding is not None:
        parts.extend(f'<p class="label">Note: {h(note)}</p>' for note in row.finding.notes)
    parts.append(f'<p><span class="label">Fix:</span> {h(row.rule.remediation)}</p>')
    if row.rule.compliance:
        parts.append(
            f'<p class="label">Compliance: {h("; ".join(row.rule.compliance))}. '
            f"Rule documentation: <code>{h(row.rule.help_uri)}</code></p>"
        )
    if row.suppressed is not None:
        parts.append(f'<p class="label">Suppressed: {h(row.suppressed.reason)}</p>')
    if row.baseline:
        parts.append('<p class="label">In the baseline.</p>')
    parts.append("</div>")
    return "\n".join(parts)


@dataclass(slots=True)
class _Totals:
    by_status: Counter[Status] = field(default_factory=Counter)
    by_account: dict[str, Counter[Status]] = field(default_factory=dict)

    def add(self, result: RoleResult) -> None:
        self.by_status[result.status] += 1
        self.by_account.setdefault(result.role.account_id, Counter())[result.status] += 1


def _bar_chart(title: str, bars: list[tuple[str, Counter[Status]]]) -> str:
    """A horizontal stacked bar per label, one colour per verdict."""
    label_width, bar_width, row_height = 120, 360, 22
    height = row_height * len(bars) + 8
    widest = max((sum(c.values()) for _, c in bars), default=0) or 1
    parts = [
        f'<div class="chart"><h3>{h(title)}</h3>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 60}" '
        f'height="{height}" role="img" aria-label="{h(title)}">',
    ]
    for i, (label, counts) in enumerate(bars):
        y = 4 + i * row_height
        parts.append(f'<text x="0" y="{y + 15}">{h(label)}</text>')
        x = float(label_width)
        for status in STATUS_ORDER:
            n = counts.get(status, 0)
            if not n:
                continue
            width = bar_width * n / widest
            parts.append(
                f'<rect class="{status.value}" x="{x:.1f}" y="{y}" width="{max(width, 1):.1f}" '
                f'height="{row_height - 6}"><title>{h(label)}: {n} {status.value}</title></rect>'
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{sum(counts.values())}</text>')
    parts.append("</svg></div>")
    return "\n".join(parts)


class HtmlReportWriter:
    """Renders one self-contained HTML page."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del options  # the page is the same everywhere
        self._stream = stream
        self._run = run
        self._rows: list[tuple[tuple[str, str, str, str, int], str]] = []
        self._details: list[tuple[tuple[str, str, str, str, int], str]] = []
        self._skipped: list[Skipped] = []
        self._totals = _Totals()
        self._closed = False

    def add_result(self, result: RoleResult) -> None:
        """Render the role's table row (and details, unless it passes); kept until close."""
        role = result.role
        number = len(self._rows)
        self._totals.add(result)
        rows = finding_rows(result)
        order = (
            _STATUS_SORT[result.status],
            _SEVERITY_SORT[result.severity],
            role.account_id,
            role.name,
            number,
        )
        rules = sorted({r.rule.id for r in rows if r.finding is not None})
        who = sorted({p for r in rows if r.finding for p in r.finding.principals})
        name = h(role.name)
        if result.status is not Status.PASS:
            name = f'<a href="#role-{number}">{name}</a>'
            self._details.append((order, self._details_html(result, rows, number)))
        severity = "" if result.status is Status.PASS else result.severity.value
        self._rows.append(
            (
                order,
                f'<tr data-status="{result.status.value}">'
                f'<td data-sort="{_STATUS_SORT[result.status]}">'
                f'<span class="badge {result.status.value}">{result.status.value}</span></td>'
                f'<td data-sort="{_SEVERITY_SORT[result.severity] if severity else "9"}">'
                f"{h(severity)}</td>"
                f"<td>{h(role.account_id)}</td>"
                f'<td class="arn">{name}<br><code>{h(role.arn)}</code>{_where(result)}</td>'
                f"<td>{h(', '.join(rules))}</td>"
                f"<td><code>{h(', '.join(who))}</code></td></tr>",
            )
        )

    def _details_html(self, result: RoleResult, rows: list[FindingRow], number: int) -> str:
        role = result.role
        origin = role.origin
        where = origin.file or origin.source
        if origin.file and origin.line:
            where = f"{origin.file}:{origin.line}"
        labels = {r.statement for r in rows if r.statement}
        return "\n".join(
            [
                f'<details class="role {result.status.value}" id="role-{number}">',
                f'<summary><span class="badge {result.status.value}">{result.status.value}'
                f"</span> {h(role.name)} <code>{h(role.arn)}</code></summary>",
                f'<p><span class="label">Account:</span> {h(role.account_id)} · '
                f'<span class="label">Severity:</span> {h(result.severity.value)} · '
                f'<span class="label">From:</span> <code>{h(where)}</code>'
                + (
                    f' · <span class="label">Fingerprint:</span> <code>{h(result.fingerprint)}'
                    "</code>"
                    if result.fingerprint
                    else ""
                )
                + "</p>",
                *(_finding_html(r) for r in rows),
                "<h4>Trust policy</h4>",
                policy_html(result, labels),
                "</details>",
            ]
        )

    def add_skipped(self, skipped: Skipped) -> None:
        """Keep a skipped item for its own section."""
        self._skipped.append(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Write the page. Calling it twice does nothing."""
        if self._closed:
            return
        self._closed = True
        write = self._stream.write
        write(self._head())
        write(self._summary(finished_at, complete))
        write(
            '<h2 id="roles">Roles</h2>\n<div class="controls">'
            '<input id="filter-text" type="search" placeholder="Filter: role, account, '
            'rule, principal" aria-label="Filter roles">'
            '<select id="filter-status" aria-label="Verdict"><option value="">every verdict'
            "</option>"
            + "".join(f'<option value="{s.value}">{s.value}</option>' for s in STATUS_ORDER)
            + '</select><span id="shown"></span></div>\n'
            '<table id="roles-table"><thead><tr><th>Verdict</th><th>Severity</th>'
            "<th>Account</th><th>Role</th><th>Rules</th><th>Who can get in</th></tr>"
            "</thead><tbody>\n"
        )
        for _, row in sorted(self._rows):
            write(row + "\n")
        write("</tbody></table>\n")
        if self._details:
            write('<h2 id="details">Details</h2>\n')
            expand = len(self._details) <= OPEN_DETAILS
            for _, detail in sorted(self._details):
                write((detail.replace(">", " open>", 1) if expand else detail) + "\n")
        if self._skipped:
            write('<h2 id="skipped">Not audited</h2>\n<ul>\n')
            for s in self._skipped:
                write(f"<li>{h(s.what)}: {h(s.reason)}</li>\n")
            write("</ul>\n")
        write(
            f"</main>\n<footer>trustwarden {h(self._run.tool_version)}</footer>\n"
            f"<script>{_asset('report.js')}</script>\n</body>\n</html>\n"
        )
        self._stream.flush()

    def _head(self) -> str:
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'
            "<title>trustwarden report</title>\n"
            f"<style>{_asset('report.css')}</style>\n</head>\n<body>\n"
        )

    def _summary(self, finished_at: str, complete: bool) -> str:
        run = self._run
        totals = self._totals
        when = " to ".join(t for t in (run.started_at, finished_at) if t)
        trusted = sorted(run.settings.trusted_accounts) + sorted(run.settings.trusted_orgs)
        meta = [f"{sum(totals.by_status.values())} roles"]
        if when:
            meta.append(f"scanned {when}")
        if trusted:
            meta.append("trusted: " + ", ".join(trusted))
        if not complete:
            meta.append("INCOMPLETE: the scan was interrupted")
        cards = "".join(
            f'<div class="card {s.value}"><b>{totals.by_status.get(s, 0)}</b>{s.value}</div>'
            for s in STATUS_ORDER
        )
        if self._skipped:
            cards += f'<div class="card"><b>{len(self._skipped)}</b>not audited</div>'
        accounts = sorted(
            totals.by_account.items(),
            key=lambda item: (-(sum(item[1].values()) - item[1][Status.PASS]), item[0]),
        )
        bars = [(a, c) for a, c in accounts[:CHART_ACCOUNTS]]
        rest: Counter[Status] = Counter()
        for _, counts in accounts[CHART_ACCOUNTS:]:
            rest.update(counts)
        if rest:
            bars.append((f"{len(accounts) - CHART_ACCOUNTS} more", rest))
        by_status = [(s.value, Counter({s: totals.by_status.get(s, 0)})) for s in STATUS_ORDER]
        return (
            "<header><h1>trustwarden report</h1>"
            f'<p class="meta">{h(" · ".join(meta))}</p></header>\n<main>\n'
            f'<div class="cards">{cards}</div>\n<div class="charts">\n'
            + _bar_chart("Roles by verdict", by_status)
            + "\n"
            + _bar_chart("Roles by account (worst first)", bars)
            + "\n</div>\n"
        )


__all__ = ["HtmlReportWriter", "content_security_policy", "h", "policy_html"]
