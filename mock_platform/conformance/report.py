"""The conformance report: a line per scenario run and per rule, pass / fail with evidence (issue #17).

`build_report` works on traffic-journal entries (oldest first) and the scenario runs; `render_html` turns the
report into one self-contained page for a hospital's IT department (Jinja2, autoescaped; imported only when
HTML is asked for, so the mock itself does not need it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mock_platform.conformance.rules import RULES, Entry, Facts, Traffic, check
from mock_platform.conformance.scenarios import SCENARIOS, ScenarioRun


def build_report(
    entries: Sequence[Entry],
    runs: Sequence[ScenarioRun],
    *,
    facts: Facts,
    since: str,
    generated_at: str,
    profile: str,
) -> dict[str, Any]:
    scenario_lines: list[dict[str, Any]] = []
    for index, run in enumerate(runs):
        end = runs[index + 1].first_entry_id if index + 1 < len(runs) else None
        traffic = [
            entry
            for entry in entries
            if int(entry["id"]) >= run.first_entry_id and (end is None or int(entry["id"]) < end)
        ]
        scenario = SCENARIOS[run.name]
        wanted = [rule for rule in RULES if rule.id in scenario.rules]
        results = [result.as_dict() for result in check(Traffic(traffic, facts), wanted)]
        verdicts = {result["verdict"] for result in results}
        if "fail" in verdicts:
            verdict = "fail"
        elif not traffic or (
            verdicts <= {"not_applicable", "pass", "warn"} and not _exercised(scenario.name, traffic)
        ):
            verdict = "incomplete"
        else:
            verdict = "pass"
        scenario_lines.append(
            {
                "scenario": run.name,
                "title": scenario.title,
                "expect": scenario.expect,
                "started_at": run.started_at,
                "calls": len(traffic),
                "verdict": verdict,
                "rules": results,
            }
        )
    rule_lines = [result.as_dict() for result in check(Traffic(entries, facts))]
    failed = any(line["verdict"] == "fail" for line in [*scenario_lines, *rule_lines])
    return {
        "generated_at": generated_at,
        "since": since,
        "profile": profile,
        "calls": len(entries),
        "verdict": "fail" if failed else "pass",
        "scenarios": scenario_lines,
        "rules": rule_lines,
    }


def _exercised(name: str, traffic: Sequence[Entry]) -> bool:
    """Whether the run did what the scenario is about (a settlement attempted, at least)."""
    infnos = {entry.get("infno") for entry in traffic}
    if name == "refund-order":
        return "2208" in infnos
    if name == "filing-not-yet-valid":  # declining at the desk after 5301 is a right answer too
        return bool(infnos & {"5301", "2201"})
    return bool(infnos & {"2201", "2204", "2207"})


TEMPLATES = Path(__file__).with_name("templates")


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML page (needs Jinja2: `pip install 'opsp-adapter[conformance]'`)."""
    return render("report.html", report=report)


def render(template: str, **values: Any) -> str:
    """A template of `templates/`, autoescaped (Jinja2 is imported here only: an optional extra)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template(template).render(**values)
