"""The judge: a model that grades responses with a task's original judge prompt.

MultiTrust scores several tasks by asking GPT-4 a question about each response ("answer
[Yes] or [No]: is the response consistent with the ground truth?", or a 0-100 rating).
Our default scorers are rules; ``--mt-judge=<model spec>`` brings the judge back with the
original prompts. The judge is any model the registry builds: ``openai:<url>#<model>``
(a hosted GPT-4-class model or a local vLLM server), ``hf:<repo-or-path>``, a scripted
name, or a ``py:`` factory. It is asked text only, greedily (temperature 0, fixed seed).

A task scorer consults :attr:`ScoringContext.judge
<pytest_multitrust.scoring.context.ScoringContext.judge>` and keeps its rule path when it
is ``None``::

    if ctx.judge is not None:
        verdicts = ctx.judge.ask(OCR_JUDGE, [{"pred": r.text, "label": s.truth} ...])

Each :class:`JudgeVerdict` keeps the judge's raw answer, the parsed yes/no or 0-100 score,
the judge model and the prompt version; :attr:`JudgeVerdict.scorer` is the text a
:class:`~pytest_multitrust.tasks.base.SampleScore` records, so every number in the report
says which judge and which prompt produced it.

Verdicts are cached apart from responses, in the ``judge`` namespace of the response
cache's SQLite file (:class:`~pytest_multitrust.engine.cache.SQLiteCache`), keyed by the
judge's fingerprint, the prompt version, the filled prompt and the decoding settings. So
re-judging (another judge, another prompt, ``--mt-rescore``) never regenerates the model's
responses, and asking the same judge again asks nothing.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from pytest_multitrust.models.base import GenerationConfig, Message, Request

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import pytest

    from pytest_multitrust.engine.cache import SQLiteCache
    from pytest_multitrust.models.base import MLLM, Response
    from pytest_multitrust.models.registry import ModelSpec
    from pytest_multitrust.settings import Settings

__all__ = [
    "JUDGE_NAMESPACE",
    "Judge",
    "JudgeKind",
    "JudgePrompt",
    "JudgeStats",
    "JudgeVerdict",
    "make_judge",
    "parse_score",
    "warn_judge_failed",
]

#: Namespace of judge verdicts in the cache file (responses live in ``responses``).
JUDGE_NAMESPACE = "judge"
#: Version of the verdict key layout; part of every key.
_KEY_VERSION = "judge-v1"

JudgeKind = Literal["yes_no", "score"]

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCORE = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)(?!\d|\.\d|[A-Za-z_])")


@dataclass(frozen=True)
class JudgePrompt:
    """One original judge prompt of a task.

    The template is filled with :meth:`str.format`-style ``{name}`` fields (``{pred}`` the
    response, ``{label}`` the ground truth, or any other field the task passes).

    Example:
        >>> p = JudgePrompt("T.1/ocr", "Response:{pred}, truth:{label}. [Yes] or [No]?")
        >>> p.render({"pred": "A7", "label": "A7"})
        'Response:A7, truth:A7. [Yes] or [No]?'
        >>> p.version.startswith("T.1/ocr@")
        True
    """

    name: str  # stable id within the project, e.g. "T.1/ocr"
    template: str  # the original prompt, with {pred}, {label} and other fields
    kind: JudgeKind = "yes_no"  # a yes/no verdict or a 0-100 score
    max_new_tokens: int = 16  # what the judge may answer (the original allowed 10-200)
    source: str = ""  # where it comes from in MMTrustEval

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The field names the template needs, in order of first use."""
        return tuple(dict.fromkeys(_FIELD.findall(self.template)))

    @cached_property
    def version(self) -> str:
        """``<name>@<hash>``: changes whenever the template, kind or limit changes."""
        text = f"{self.kind}\n{self.max_new_tokens}\n{self.template}"
        return f"{self.name}@{hashlib.sha256(text.encode()).hexdigest()[:8]}"

    def render(self, values: Mapping[str, object]) -> str:
        """The prompt with its fields filled.

        Raises:
            KeyError: naming the fields that ``values`` lacks.
        """
        missing = [name for name in self.fields if name not in values]
        if missing:
            raise KeyError(f"judge prompt {self.name}: no value for {', '.join(missing)}")
        return _FIELD.sub(lambda m: str(values[m.group(1)]), self.template)


def parse_score(text: str) -> float | None:
    """The first number from 0 to 100 in a judge's answer, or None.

    Example:
        >>> parse_score("Score: 75/100")
        75.0
        >>> parse_score("no idea") is None
        True
    """
    for match in _SCORE.finditer(text):
        value = float(match.group(1))
        if 0.0 <= value <= 100.0:
            return value
    return None


@dataclass(frozen=True)
class JudgeVerdict:
    """What the judge said about one response."""

    raw: str  # the judge's answer, exactly as given ("" on error)
    label: bool | None  # yes/no prompts: the original rule's reading; None on error
    score: float | None  # score prompts: 0-100; None when unreadable or on error
    judge: str  # the judge model spec, credentials masked
    prompt_version: str  # JudgePrompt.version of the prompt asked
    cached: bool = False  # served from the verdict cache, not asked again
    error: str | None = None  # why there is no verdict (judge unreachable, crashed)

    @property
    def scorer(self) -> str:
        """The scorer label for records: ``judge:<prompt version> by <judge spec>``."""
        return f"judge:{self.prompt_version} by {self.judge}"


@dataclass
class JudgeStats:
    """What the judge did in this process."""

    asked: int = 0  # verdicts requested by scorers
    cached: int = 0  # served from the verdict cache
    generated: int = 0  # asked of the judge model
    errors: int = 0  # no verdict (judge failure)


@dataclass
class Judge:
    """Asks a judge model a task's judge prompt, greedily, with a verdict cache.

    Args:
        name: the judge spec as shown in records (credentials masked).
        load: builds the judge model; called once, on the first question.
        cache: the verdict store (``None``: no cache).
        write: store new verdicts (False for ``--mt-cache=read``).
        seed: the seed sent with every judge request.

    Example:
        >>> from pytest_multitrust.models.scripted import ScriptedModel
        >>> judge = Judge("always-yes", lambda: ScriptedModel.constant("[Yes]", name="y"))
        >>> prompt = JudgePrompt("demo", "Is {pred} right? [Yes] or [No]")
        >>> [v.label for v in judge.ask(prompt, [{"pred": "A"}, {"pred": "B"}])]
        [True, True]
    """

    name: str  # judge spec, credentials masked
    load: Callable[[], MLLM]  # builds the judge model (once)
    cache: SQLiteCache | None = None  # verdict store, None = no cache
    write: bool = True  # store new verdicts
    seed: int = 0  # seed of every judge request
    stats: JudgeStats = field(default_factory=JudgeStats)  # counters for this process
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
        from pytest_multitrust.engine.cache import cache_key, is_cacheable

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
        from pytest_multitrust.engine.batching import generate_one_batch
        from pytest_multitrust.models.base import Response

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
        label: bool | None = None
        score: float | None = None
        if prompt.kind == "yes_no":
            from pytest_multitrust.scoring.yesno import yes_no_v1

            label = yes_no_v1(raw)  # the original feeds the judge's answer to this rule
        else:
            score = parse_score(raw)
        return JudgeVerdict(
            raw=raw,
            label=label,
            score=score,
            judge=self.name,
            prompt_version=prompt.version,
            cached=cached,
        )

    def _failed(self, prompt: JudgePrompt, message: str) -> JudgeVerdict:
        return JudgeVerdict(
            raw="",
            label=None,
            score=None,
            judge=self.name,
            prompt_version=prompt.version,
            error=message,
        )


def warn_judge_failed(task_id: str, failed: Sequence[str], instead: str) -> None:
    """Warn once per scoring call that the judge failed on some answers.

    Every judged scorer treats a failed verdict (unreachable judge, unreadable answer) the
    same way: the sample keeps its rule score, its detail says ``judge failed, rule used``,
    and this :class:`~pytest_multitrust.errors.MultitrustWarning` counts them.

    Args:
        task_id: the task, e.g. ``"S.5"``.
        failed: ``"<sample id>: <error>"`` per failed answer (nothing happens when empty).
        instead: what scored them instead, e.g. ``"their rule score was used instead"``.
    """
    if not failed:
        return
    import warnings

    from pytest_multitrust.errors import MultitrustWarning
    from pytest_multitrust.reliability import terminal_safe

    warnings.warn(
        MultitrustWarning(
            terminal_safe(  # the first failure is a judge server's text
                f"{task_id}: the judge failed on {len(failed)} answer(s); {instead} "
                f"(first: {failed[0]})"
            )
        ),
        stacklevel=3,
    )


def make_judge(
    config: pytest.Config,
    settings: Settings,
    *,
    model_spec: ModelSpec,
    model: Callable[[], MLLM],
    extra_names: tuple[str, ...] = (),
) -> tuple[ModelSpec, Judge]:
    """The judge that ``--mt-judge`` names, with its verdict cache; nothing is loaded yet.

    The judge model is built through the ``pytest_multitrust_make_model`` hook (so a
    conftest can supply it) on the first question; when ``--mt-judge`` names the model
    under test itself, that model is reused instead of loaded twice. Verdicts go to the
    ``judge`` namespace of the response cache file, following ``--mt-cache``.

    Args:
        config: the pytest config.
        settings: validated settings with ``judge`` set.
        model_spec: the parsed ``--mllm``.
        model: returns the model under test (for a judge that is the same spec).
        extra_names: model names that plugins claim.

    Raises:
        pytest.UsageError: for a malformed or unknown judge spec.
    """
    from pytest_multitrust.models.registry import parse_model_spec

    if settings.judge is None:
        raise ValueError("make_judge() needs settings with --mt-judge")
    spec = parse_model_spec(settings.judge, extra_names=extra_names, option="--mt-judge")

    def load() -> MLLM:
        if spec.raw.strip() == model_spec.raw.strip():
            return model()
        built: MLLM | None = config.hook.pytest_multitrust_make_model(
            spec=spec, options=settings.model_options(), config=config
        )
        if built is None:  # pragma: no cover - the built-in implementation always answers
            raise RuntimeError(f"no plugin could build --mt-judge={spec.display}")
        return built

    cache: SQLiteCache | None = None
    if settings.cache_mode != "off":
        from pytest_multitrust.engine.cache import SQLiteCache, cache_path

        cache = SQLiteCache(cache_path(config, settings))
        config.add_cleanup(cache.close)
    judge = Judge(
        name=spec.display,
        load=load,
        cache=cache,
        write=settings.cache_mode == "readwrite",
        seed=settings.seed,
    )
    return spec, judge
