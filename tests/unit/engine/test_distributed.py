"""The worker -> GPU mapping and the other pure helpers of distributed.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_multitrust.distributed import (
    DevicePlan,
    auto_worker_count,
    gpus_from_nvidia_smi,
    parse_visible_devices,
    plan_worker_devices,
    visible_gpus,
    worker_index,
)
from pytest_multitrust.report.model import ModelFacts, WorkerFacts
from pytest_multitrust.report.worker import PlacementFacts, WorkerRecord

SMI = (
    "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0a1b)\n"
    "GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-2c3d)\n"
    "  MIG 1g.10gb     Device  0: (UUID: MIG-aaaa)\n"
    "GPU 2: NVIDIA H100 80GB HBM3 (UUID: GPU-4e5f)\n"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", ()),
        ("3,5", ("3", "5")),
        (" 3 , 5 ", ("3", "5")),
        ("0,-1,2", ("0",)),
        ("-1", ()),
        ("1,,2", ("1",)),
        ("GPU-0a1b,MIG-aaaa", ("GPU-0a1b", "MIG-aaaa")),
    ],
)
def test_cuda_visible_devices_is_read_like_cuda(
    value: str | None, expected: tuple[str, ...] | None
) -> None:
    assert parse_visible_devices(value) == expected


def test_nvidia_smi_listing_gives_gpu_indices_not_mig_lines() -> None:
    assert gpus_from_nvidia_smi(SMI) == ("0", "1", "2")
    assert gpus_from_nvidia_smi("") == ()


def test_outer_cuda_visible_devices_wins_over_nvidia_smi() -> None:
    calls: list[bool] = []

    def smi() -> str:
        calls.append(True)
        return SMI

    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "3,5"}, smi) == ("3", "5")
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": ""}, smi) == ()
    assert calls == []  # never asked when the variable is set
    assert visible_gpus({}, smi) == ("0", "1", "2")
    assert visible_gpus({}, lambda: None) == ()


def test_auto_worker_count_is_gpus_divided_by_gpus_per_worker() -> None:
    assert auto_worker_count(8, 1) == 8
    assert auto_worker_count(8, 2) == 4
    assert auto_worker_count(7, 2) == 3
    assert auto_worker_count(0, 1) is None  # CPU: xdist's own rule
    with pytest.raises(pytest.UsageError, match="--mt-gpus-per-worker=4: only 2 GPU"):
        auto_worker_count(2, 4)


def test_each_worker_gets_its_own_slice_of_the_outer_devices() -> None:
    plan = plan_worker_devices(2, ("3", "5"))
    assert [plan.for_worker(i) for i in range(2)] == [("3",), ("5",)]
    assert not plan.shared
    assert plan.unused == ()


def test_gpus_per_worker_gives_consecutive_groups_and_leaves_the_rest_unused() -> None:
    plan = plan_worker_devices(2, ("0", "1", "2", "3", "4"), gpus_per_worker=2)
    assert plan.slices == (("0", "1"), ("2", "3"))
    assert plan.unused == ("4",)
    assert not plan.shared


def test_fewer_workers_than_gpus_leaves_the_last_gpus_unused() -> None:
    plan = plan_worker_devices(2, ("0", "1", "2", "3"))
    assert plan.slices == (("0",), ("1",))
    assert plan.unused == ("2", "3")


def test_more_workers_than_gpus_share_round_robin() -> None:
    plan = plan_worker_devices(5, ("3", "5"))
    assert plan.shared
    assert [plan.for_worker(i) for i in range(5)] == [("3",), ("5",), ("3",), ("5",), ("3",)]


def test_a_worker_needing_more_gpus_than_visible_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match=r"--mt-gpus-per-worker=3: only 2 GPU\(s\) visible"):
        plan_worker_devices(1, ("0", "1"), gpus_per_worker=3)


def test_no_visible_gpu_gives_an_empty_plan() -> None:
    plan = plan_worker_devices(4, ())
    assert plan == DevicePlan(slices=(), shared=False, unused=())
    assert plan.for_worker(3) == ()


@given(
    gpus=st.lists(st.integers(0, 63), min_size=1, max_size=16, unique=True),
    per_worker=st.integers(1, 4),
    data=st.data(),
)
def test_up_to_one_worker_per_group_never_share_a_gpu(
    gpus: list[int], per_worker: int, data: st.DataObject
) -> None:
    visible = tuple(str(g) for g in gpus)
    groups = len(visible) // per_worker
    if groups == 0:
        with pytest.raises(pytest.UsageError):
            plan_worker_devices(1, visible, per_worker)
        return
    workers = data.draw(st.integers(1, groups))
    plan = plan_worker_devices(workers, visible, per_worker)
    handed_out = [device for devices in plan.slices for device in devices]
    assert all(len(devices) == per_worker for devices in plan.slices)
    assert len(handed_out) == len(set(handed_out)) == workers * per_worker
    assert set(handed_out) | set(plan.unused) == set(visible)
    assert not plan.shared


def test_worker_index() -> None:
    assert worker_index("gw0") == 0
    assert worker_index("gw12") == 12
    with pytest.raises(ValueError, match="not an xdist worker id"):
        worker_index("main")


def test_placement_facts_round_trip_through_json() -> None:
    facts = PlacementFacts(
        worker_id="gw1",
        cuda_visible_devices="5",
        device="cuda:0",
        torch_threads=0,
        cache_hits=3,
        cache_misses=1,
        cache_writes=1,
    )
    assert PlacementFacts.from_json(facts.to_json()) == facts
    assert PlacementFacts.from_json(
        '{"worker_id": "gw0", "cuda_visible_devices": null, "future_field": 1}'
    ) == PlacementFacts("gw0", None)
    with pytest.raises(ValueError, match="not a placement record"):
        PlacementFacts.from_json('{"worker": "gw0", "load_s": 1.0}')


def test_a_worker_record_round_trips_through_json() -> None:
    record = WorkerRecord(
        facts=WorkerFacts(
            "gw1",
            ModelFacts("oracle", "scripted", "oracle", "fp", "n/a", "n/a"),
            0.5,
            57.0,
            cuda_visible_devices="1",
        ),
        placement=PlacementFacts("gw1", "1", "cuda:0", 4, cache_hits=2, cache_writes=1),
        custom_tasks=(("team.pii-email", "privacy", "leakage"),),
    )
    assert WorkerRecord.from_json(record.to_json()) == record
    with pytest.raises(ValueError, match="not a worker record"):
        WorkerRecord.from_json('{"worker": "gw0"}')
    with pytest.raises(ValueError, match="not a placement record"):
        WorkerRecord.from_json('{"facts": {"worker": "gw0"}, "placement": {}}')
