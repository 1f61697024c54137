"""The generative fault test, bounded for the suite: seeded (derandomized), so every run is the same.

The machine and its invariants are in ``tests/execution/fault_machine.py``; a longer run is
``.venv/bin/python -m tests.execution.fault_machine --examples 300 --seed N`` (docs/testing.md).
"""

from __future__ import annotations

from hypothesis.stateful import run_state_machine_as_test

from .fault_machine import FaultMachine, machine_settings


def test_platform_and_journal_agree_under_random_faults_and_crashes() -> None:
    run_state_machine_as_test(FaultMachine, settings=machine_settings(examples=10, steps=8, derandomize=True))
