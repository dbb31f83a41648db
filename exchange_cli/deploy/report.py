"""``exchange check`` output: text for people, JSON and JUnit XML for CI."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from exchange_cli.deploy.findings import Report


def human(reports: list[Report]) -> str:
    """One block per customer: each finding with its place, what is wrong and what to do; then a summary line."""
    lines = []
    for report in reports:
        status = "FAILED" if report.errors else "ok"
        functions = ", ".join(report.functions) or "none indexed"
        lines.append(f"{report.customer}: {status} ({len(report.functions)} function(s): {functions})")
        for finding in report.findings:
            where = f"{finding.location()}: " if finding.location() else ""
            lines.append(f"  {finding.severity}: {where}{finding.message} [{finding.code}]")
            lines.append(f"    fix: {finding.hint}")
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(len(r.findings) - len(r.errors) for r in reports)
    lines.append(f"{len(reports)} deployment(s) checked: {errors} error(s), {warnings} warning(s).")
    return "\n".join(lines)


def as_json(reports: list[Report]) -> str:
    """``{"ok": bool, "deployments": [Report.to_dict(), ...]}``."""
    return json.dumps(
        {"ok": not any(r.errors for r in reports), "deployments": [r.to_dict() for r in reports]}, indent=2
    )


def junit(reports: list[Report]) -> str:
    """One test suite per customer; a test case per check family that found nothing, and one per finding.

    Errors are failures; warnings are passing cases with the warning as system-out, so CI shows them.
    """
    suites = ET.Element("testsuites", name="exchange check")
    for report in reports:
        cases = []
        for family in report.checks:
            found = [f for f in report.findings if f.check == family]
            if not found:
                cases.append(ET.Element("testcase", classname=f"check.{report.customer}", name=family))
            for finding in found:
                case = ET.Element(
                    "testcase",
                    classname=f"check.{report.customer}.{family}",
                    name=f"{finding.code} {finding.location()}".strip(),
                )
                body = f"{finding.message}\nfix: {finding.hint}"
                if finding.severity == "error":
                    ET.SubElement(case, "failure", message=finding.message, type=finding.code).text = body
                else:
                    ET.SubElement(case, "system-out").text = f"warning: {body}"
                cases.append(case)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"exchange check {report.customer}",
            tests=str(len(cases)),
            failures=str(len(report.errors)),
            errors="0",
            skipped="0",
        )
        suite.extend(cases)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
