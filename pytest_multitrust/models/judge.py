"""The judge client: asks a judge model a task's judge prompt, with a verdict cache.

``--mt-judge=<model spec>`` names the judge: any model the registry builds
(``openai:<url>#<model>`` for a hosted GPT-4-class model or a local vLLM server,
``hf:<repo-or-path>``, a scripted name, or a ``py:`` factory). It is asked text only,
greedily (temperature 0, fixed seed). Scorers see it through the
:class:`~pytest_multitrust.scoring.judge.Judge` protocol; the prompts and verdicts are
defined in :mod:`pytest_multitrust.scoring.judge`.

Verdicts are cached apart from responses, in the ``judge`` namespace of the run's cache
database (the same :class:`~pytest_multitrust.engine.cache.SQLiteCache` the response
cache uses, handed in), keyed by the judge's fingerprint, the prompt version, the filled
prompt and the decoding settings. So re-judging (another judge, another prompt,
``--mt-rescore``) never regenerates the model's responses, and asking the same judge again
asks nothing.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from pytest_multitrust.models.base import GenerationConfig, Message, Request, Response
from pytest_multitrust.models.batching import generate_one_batch
from pytest_multitrust.models.keys import cache_key, is_cacheable
from pytest_multitrust.models.registry import parse_model_spec
from pytest_multitrust.progress import ProgressStep, ignore_progress
from pytest_multitrust.scoring.judge import failed_verdict, read_verdict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import pytest

    from pytest_multitrust.models.base import MLLM
    from pytest_multitrust.models.registry import ModelSpec
    from pytest_multitrust.progress import ProgressSink
    from pytest_multitrust.scoring.judge import JudgePrompt, JudgeVerdict
    from pytest_multitrust.settings import Settings

__all__ = ["JUDGE_NAMESPACE", "JudgeClient", "JudgeStats", "VerdictStore", "make_judge"]

#: Namespace of judge verdicts in the cache file (responses live in ``responses``).
JUDGE_NAMESPACE = "judge"
#: Version of the verdict key layout; part of every key.
_KEY_VERSION = "judge-v1"


class VerdictStore(Protocol):
    """Where verdicts are kept: a namespaced key-value store (the run's cache database)."""

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, str]:
        """The stored values of those ``keys`` that are present."""
        ...

    def put_many(self, namespace: str, items: Iterable[tuple[str, str]]) -> None:
        """Store several values in one transaction."""
        ...


@dataclass
class JudgeStats:
    """What the judge did in this process."""

    asked: int = 0  # verdicts requested by scorers
    cached: int = 0  # served from the verdict cache
    generated: int = 0  # asked of the judge model
    errors: int = 0  # no verdict (judge failure)


@dataclass
class JudgeClient:
    """Asks a judge model a task's judge prompt, greedily, with a verdict cache.

    Args:
        name: the judge spec as shown in records (credentials masked).
        load: builds the judge model; called once, on the first question.
        cache: the verdict store: the run's own cache database, shared with the response
            cache (``None``: no cache).
        write: store new verdicts (False for ``--mt-cache=read``).
        seed: the seed sent with every judge request.

    Example:
        >>> from pytest_multitrust.models.scripted import ScriptedModel
        >>> from pytest_multitrust.scoring.judge import JudgePrompt
        >>> judge = JudgeClient("always-yes", lambda: ScriptedModel.constant("[Yes]", name="y"))
        >>> prompt = JudgePrompt("demo", "Is {pred} right? [Yes] or [No]")
        >>> [v.label for v in judge.ask(prompt, [{"pred": "A"}, {"pred": "B"}])]
        [True, True]
    """

    name: str  # judge spec, credentials masked
    load: Callable[[], MLLM]  # builds the judge model (once)
    cache: VerdictStore | None = None  # verdict store, None = no cache
    write: bool = True  # store new verdicts
    seed: int = 0  # seed of every judge request
    stats: JudgeStats = field(default_factory=JudgeStats)  # counters for this process
    progress: ProgressSink = field(default=ignore_progress)  # told of each chunk judged
    _model: MLLM | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def model(self) -> MLLM:
        """The judge model (built on first use)."""
        with self._lock:
            if self._model is None:
                self._model = self.load()
            return self._model

    def generation_config(self, prompt: JudgePrompt) -> GenerationConfig:
        """Greedy decoding (temperature 0) with the prompt's token limit and our seed."""
        return GenerationConfig(
            max_new_tokens=prompt.max_new_tokens, do_sample=False, temperature=0.0, seed=self.seed
        )

    def ask(
        self,
        prompt: JudgePrompt,
        values: Sequence[Mapping[str, object]],
        *,
        task_id: str = "",
        sample_ids: Sequence[str] = (),
    ) -> list[JudgeVerdict]:
        """One verdict per item of ``values``, in order; cached verdicts are not asked again.

        A judge failure is a verdict with ``error`` set (never an exception), so a scorer
        can fall back to its rule for that sample.

        Args:
            prompt: the judge prompt.
            values: the fields of each question (``pred``, ``label``, ...).
            task_id: the task asking (sent with the requests, for logs and caches).
            sample_ids: the samples judged, same order as ``values`` (optional).

        Raises:
            KeyError: when a question lacks a field the prompt needs.
        """
        texts = [prompt.render(item) for item in values]
        self.stats.asked += len(texts)
        if not texts:
            return []
        config = self.generation_config(prompt)
        try:
            model = self.model
        except Exception as error:  # the judge cannot be built: every verdict errors
            message = f"judge {self.name} could not be loaded: {type(error).__name__}: {error}"
            self.stats.errors += len(texts)
            return [self._failed(prompt, message) for _ in texts]
        info = model.info
        cacheable = self.cache is not None and is_cacheable(info, config)
        identity = {"backend": info.backend, "fingerprint": info.fingerprint, "dtype": info.dtype}
        keys = [
            cache_key(_KEY_VERSION, identity, prompt.version, text, asdict(config))
            for text in texts
        ]
        found = self.cache.get_many(JUDGE_NAMESPACE, keys) if cacheable and self.cache else {}
        verdicts: list[JudgeVerdict | None] = [
            self._verdict(prompt, found[key], cached=True) if key in found else None for key in keys
        ]
        self.stats.cached += len(found)
        missing = [i for i, verdict in enumerate(verdicts) if verdict is None]
        ids = list(sample_ids) if len(sample_ids) == len(texts) else [""] * len(texts)
        size = max(1, info.default_batch_size)
        fresh: list[tuple[str, str]] = []
        store = self.cache if cacheable and self.write else None
        step = (
            ProgressStep(self.progress, "judge", task_id, total=len(missing), unit="verdicts")
            if missing
            else None
        )
        for start in range(0, len(missing), size):
            chunk = missing[start : start + size]
            requests = [
                Request(messages=(Message("user", texts[i]),), task_id=task_id, sample_id=ids[i])
                for i in chunk
            ]
            stored: set[int] = set()

            def keep(
                j: int, response: Response, chunk: list[int] = chunk, stored: set[int] = stored
            ) -> None:  # a remote judge's verdict is stored as soon as it arrives
                if store is not None and response.error is None:
                    try:
                        store.put_many(JUDGE_NAMESPACE, [(keys[chunk[j]], response.text)])
                    except Exception:  # a failed write: left to the write below
                        return
                    stored.add(chunk[j])

            responses = self._generate(model, requests, config, keep)
            self.stats.generated += len(chunk)
            for i, response in zip(chunk, responses, strict=True):
                if response.error is not None:
                    self.stats.errors += 1
                    verdicts[i] = self._failed(prompt, f"judge {self.name}: {response.error}")
                    continue
                verdicts[i] = self._verdict(prompt, response.text, cached=False)
                if i not in stored:
                    fresh.append((keys[i], response.text))
            if step is not None:
                step.advance(len(chunk))
        if step is not None:
            step.finish()
        if cacheable and self.write and self.cache is not None and fresh:
            self.cache.put_many(JUDGE_NAMESPACE, fresh)
        return [v for v in verdicts if v is not None]

    @staticmethod
    def _generate(
        model: MLLM,
        requests: list[Request],
        config: GenerationConfig,
        keep: Callable[[int, Response], None] | None = None,
    ) -> list[Response]:
        try:  # a remote judge hands each answer to keep as it arrives (interrupts lose none)
            # generate_one_batch checks every answer (Response(text=None) is an error) and
            # raises on something that is no list of len(requests) answers.
            responses = generate_one_batch(model, requests, config, keep)
            if len(responses) != len(requests):
                count = len(responses)
                raise RuntimeError(
                    f"the judge returned {count} answers for {len(requests)} questions"
                )
        except (Exception, SystemExit) as error:  # a judge crash errors this chunk's verdicts
            message = f"{type(error).__name__}: {error}"
            return [Response(text="", finish_reason="error", error=message) for _ in requests]
        return responses

    def _verdict(self, prompt: JudgePrompt, raw: str, *, cached: bool) -> JudgeVerdict:
        return read_verdict(prompt, raw, judge=self.name, cached=cached)

    def _failed(self, prompt: JudgePrompt, message: str) -> JudgeVerdict:
        return failed_verdict(prompt, message, judge=self.name)


def make_judge(
    config: pytest.Config,
    settings: Settings,
    *,
    model_spec: ModelSpec,
    model: Callable[[], MLLM],
    extra_names: tuple[str, ...] = (),
    cache: VerdictStore | None = None,
    progress: ProgressSink = ignore_progress,
) -> tuple[ModelSpec, JudgeClient]:
    """The judge that ``--mt-judge`` names, with its verdict cache; nothing is loaded yet.

    The judge model is built through the ``pytest_multitrust_make_model`` hook (so a
    conftest can supply it) on the first question; when ``--mt-judge`` names the model
    under test itself, that model is reused instead of loaded twice. Verdicts go to the
    ``judge`` namespace of ``cache``, the run's cache database (the one its response
    store uses), and are written only with ``--mt-cache=readwrite``.

    Args:
        config: the pytest config.
        settings: validated settings with ``judge`` set.
        model_spec: the parsed ``--mllm``.
        model: returns the model under test (for a judge that is the same spec).
        extra_names: model names that plugins claim.
        cache: the run's cache database (None: ``--mt-cache=off``, no verdict cache).
        progress: told of the judge model's load and of each task's questions.

    Raises:
        pytest.UsageError: for a malformed or unknown judge spec.
    """
    if settings.judge is None:
        raise ValueError("make_judge() needs settings with --mt-judge")
    spec = parse_model_spec(settings.judge, extra_names=extra_names, option="--mt-judge")

    def load() -> MLLM:
        if spec.raw.strip() == model_spec.raw.strip():
            return model()
        step = ProgressStep(progress, "judge load", spec.display)
        try:
            built: MLLM | None = config.hook.pytest_multitrust_make_model(
                spec=spec, options=settings.model_options(), config=config
            )
        except BaseException:
            step.finish("failed")
            raise
        step.finish()
        if built is None:  # pragma: no cover - the built-in implementation always answers
            raise RuntimeError(f"no plugin could build --mt-judge={spec.display}")
        return built

    judge = JudgeClient(
        name=spec.display,
        load=load,
        cache=cache if settings.cache_mode != "off" else None,
        write=settings.cache_mode == "readwrite",
        seed=settings.seed,
        progress=progress,
    )
    return spec, judge
