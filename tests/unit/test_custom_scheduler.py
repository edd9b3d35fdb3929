"""The xdist scheduler holds a custom task's threshold tests back until all else finished.

Driven with fake workers, the way xdist's DSession drives a scheduler: add nodes, register
their collections, schedule, then report each test complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_multitrust.distributed import task_scope_scheduler

COLLECTION = [
    "multitrust/safety/S.4::sample[0]",
    "multitrust/safety/S.4::sample[1]",
    "multitrust/safety/S.4::threshold[rta]",
    "tests/test_pii.py::test_ticket[a]",  # samples of the custom task team.pii
    "tests/test_pii.py::test_ticket[b]",
    "tests/test_redact.py::test_plain",
    "multitrust/privacy/team.pii::threshold[leak]",
]
HELD = COLLECTION.index("multitrust/privacy/team.pii::threshold[leak]")


@dataclass(eq=False)
class FakeNode:
    """What the scheduler uses of an xdist WorkerController."""

    name: str
    sent: list[int] = field(default_factory=list)  # collection indices, in order
    shutting_down: bool = False

    @property
    def gateway(self) -> Any:
        return SimpleNamespace(id=self.name)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def config(workers: int) -> Any:
    return SimpleNamespace(
        getvalue=lambda name: [f"{workers}*popen"], option=SimpleNamespace(loadscopereorder=False)
    )


def start(workers: int) -> tuple[Any, list[FakeNode]]:
    scheduler = task_scope_scheduler(config(workers), None, frozenset({"S.4"}))
    nodes = [FakeNode(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, COLLECTION)
    scheduler.schedule()
    return scheduler, nodes


def run_all(scheduler: Any, nodes: list[FakeNode]) -> list[int]:
    """Complete every sent test, oldest first, until none is left; the completion order."""
    done: list[int] = []
    finished: set[tuple[str, int]] = set()
    while True:
        pending = [(node, i) for node in nodes for i in node.sent if (node.name, i) not in finished]
        if not pending:
            return done
        node, index = pending[0]
        if index == HELD:  # judged only after every other test has finished
            assert sorted(done) == [i for i in range(len(COLLECTION)) if i != HELD]
        finished.add((node.name, index))
        done.append(index)
        scheduler.mark_test_complete(node, index)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_custom_threshold_test_is_sent_last_to_one_worker(workers: int) -> None:
    scheduler, nodes = start(workers)
    assert all(HELD not in node.sent for node in nodes)  # not in the first distribution
    done = run_all(scheduler, nodes)
    assert done[-1] == HELD
    assert sorted(done) == list(range(len(COLLECTION)))
    holders = [node for node in nodes if HELD in node.sent]
    assert len(holders) == 1
    assert holders[0].sent[-1] == HELD
    assert all(node.shutting_down for node in nodes)
    assert scheduler.tests_finished


def test_the_threshold_waits_for_a_slow_worker() -> None:
    scheduler, (fast, slow) = start(2)
    slow_tests = list(slow.sent)
    for index in list(fast.sent):
        scheduler.mark_test_complete(fast, index)
    assert HELD not in fast.sent + slow.sent  # the slow worker still runs samples
    for index in slow_tests[:-1]:
        scheduler.mark_test_complete(slow, index)
    assert HELD not in fast.sent + slow.sent
    scheduler.mark_test_complete(slow, slow_tests[-1])
    assert HELD in fast.sent + slow.sent
