"""Cost and effect of the R.4/R.5 PGD attacks on tiny-llava, printed as JSON.

For the first N attacked samples of R.4 (untargeted) and R.5 (targeted) this computes the
attack with the given budget against the embedded tiny LLaVA on the CPU (one torch thread
unless told otherwise) and reports per sample: seconds (wall and process CPU), whether
the loss moved the attack's way, whether the greedy caption changed, and the L∞ change in
grey levels. ``--sheet PNG`` also writes a contact sheet: clean, adversarial, and the
difference amplified 8x, one row per sample.

Example:
    python benchmarks/bench_attack.py --samples 5 --steps 50 --sheet /tmp/adv.png
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5, help="attacked samples per task")
    parser.add_argument("--steps", type=int, default=50, help="PGD steps (default 50)")
    parser.add_argument("--eps", type=float, default=16 / 255, help="L-inf budget in [0, 1]")
    parser.add_argument("--step-size", type=float, default=1 / 255, help="PGD step in [0, 1]")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG")
    args = parser.parse_args(argv)

    import torch

    from pytest_multitrust.imaging import render
    from pytest_multitrust.imaging.adversarial import AttackConfig, pgd_attack
    from pytest_multitrust.models.base import GenerationConfig, Message, Request
    from pytest_multitrust.models.hf import HFModel
    from pytest_multitrust.models.registry import ModelOptions
    from pytest_multitrust.models.tiny import ensure_tiny_llava
    from pytest_multitrust.tasks.data import read_samples
    from pytest_multitrust.tasks.robustness import target_caption

    torch.set_num_threads(args.threads)
    path = ensure_tiny_llava(Path(tempfile.gettempdir()) / "multitrust-bench-models")
    model = HFModel.load(
        str(path), options=ModelOptions(device="cpu", dtype="float32"), spec="tiny-llava"
    )
    config = GenerationConfig(max_new_tokens=32)

    def caption(image: Any, prompt: str) -> str:
        request = Request(messages=(Message("user", prompt, images=(image,)),))
        return model.generate([request], config)[0].text

    rows: list[dict[str, Any]] = []
    sheet: list[tuple[Any, Any, str]] = []
    for task in ("R.4", "R.5"):
        samples = [s for s in read_samples(f"robustness/{task}.jsonl") if s.extra.get("attack")]
        for sample in samples[: args.samples]:
            if sample.image is None:  # every attacked sample has an image; be safe
                continue
            clean = render(sample.image)
            mode = str(sample.extra["attack"])
            attack = AttackConfig(
                mode=mode,  # type: ignore[arg-type]
                prompt=sample.prompt,
                eps=args.eps,
                steps=args.steps,
                step_size=args.step_size,
                target_text=target_caption(str(sample.extra["target"]))
                if mode == "targeted"
                else "",
            )
            wall, cpu = time.perf_counter(), time.process_time()
            outcome = pgd_attack(model, clean, attack)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            before, after = caption(clean, sample.prompt), caption(outcome.image, sample.prompt)
            rows.append(
                {
                    "task": task,
                    "sample": sample.id,
                    "mode": mode,
                    "object": sample.truth,
                    "target": sample.extra.get("target"),
                    "seconds": round(wall, 3),
                    "cpu_seconds": round(cpu, 3),
                    "loss_clean": round(outcome.loss_clean, 4),
                    "loss_adv": round(outcome.loss_adv, 4),
                    "moved": outcome.moved,
                    "caption_changed": before != after,
                    "linf": outcome.linf,
                    "budget": outcome.budget,
                }
            )
            sheet.append(
                (
                    clean,
                    outcome.image,
                    f"{task} {sample.id} {mode} {sample.truth}"
                    + (f" -> {sample.extra['target']}" if mode == "targeted" else "")
                    + f"  loss {outcome.loss_clean:.2f}->{outcome.loss_adv:.2f}"
                    + f"  L∞ {outcome.linf}/255",
                )
            )
    seconds = [r["seconds"] for r in rows]
    cpu_seconds = [r["cpu_seconds"] for r in rows]
    summary = {
        "model": "tiny-llava",
        "device": "cpu",
        "threads": args.threads,
        "steps": args.steps,
        "eps": args.eps,
        "step_size": args.step_size,
        "attacks": len(rows),
        "seconds_per_attack_median": round(statistics.median(seconds), 3),
        "cpu_seconds_per_attack_median": round(statistics.median(cpu_seconds), 3),
        "seconds_per_step_median": round(statistics.median(seconds) / max(1, args.steps), 4),
        "moved_rate": sum(r["moved"] for r in rows) / len(rows),
        "caption_changed_rate": sum(r["caption_changed"] for r in rows) / len(rows),
        "max_linf": max(r["linf"] for r in rows),
        "load_average": os.getloadavg()[0],
        "samples": rows,
    }
    if args.sheet is not None:
        _write_sheet(args.sheet, sheet)
        summary["sheet"] = str(args.sheet)
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _write_sheet(path: Path, rows: list[tuple[Any, Any, str]]) -> None:
    from PIL import Image, ImageChops, ImageDraw

    cell, label = 224, 18
    sheet = Image.new("RGB", (3 * cell, len(rows) * (cell + label)), "white")
    draw = ImageDraw.Draw(sheet)
    for row, (clean, adversarial, text) in enumerate(rows):
        a, b = clean.to_pil().convert("RGB"), adversarial.to_pil().convert("RGB")
        diff = ImageChops.difference(a, b).point(lambda v: min(255, v * 8))
        top = row * (cell + label)
        for column, image in enumerate((a, b, diff)):
            sheet.paste(image.resize((cell, cell)), (column * cell, top))
        draw.text((4, top + cell + 2), text, fill="black")
    sheet.save(path)


if __name__ == "__main__":
    raise SystemExit(main())
