"""The embedded tiny LLaVA: the real LLaVA architecture with random weights, built offline.

:func:`ensure_tiny_llava` builds a :class:`~transformers.LlavaForConditionalGeneration`
(a 2-layer Llama text model and a 2-layer CLIP vision tower on 32×32 images), a byte-level
BPE tokenizer trained in-process on a small embedded corpus, a chat template and a
:class:`~transformers.LlavaProcessor`, and saves them (safetensors only) under the cache
directory. The result loads through the ordinary ``hf`` backend like any hub model, so the
whole pipeline (processor, chat template, left padding, batched generation) runs for real
on any machine, with no download. Its text is gibberish: it tests plumbing, not wording.

The build is deterministic from the seed, idempotent and atomic: it happens in a temporary
directory next to the target and is renamed into place, so concurrent xdist workers never
see a half-written model.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from transformers import PreTrainedTokenizerFast

__all__ = ["TINY_LLAVA_VERSION", "build_once", "ensure_tiny_llava", "tiny_llava_dir"]

#: Bump when anything below changes the built files, so old caches are not reused.
TINY_LLAVA_VERSION = "1"

# Seeding and initialising use torch's global RNG: one build at a time per process, so
# two threads building at once cannot interleave their random draws.
_BUILD_LOCK = threading.Lock()

# A marker written last into the build directory; a target without it is not ours.
_COMPLETE_MARKER = "multitrust-tiny-llava.txt"

_IMAGE_SIZE = 32  # pixels per side of the vision tower's input
_PATCH_SIZE = 8  # CLIP patch size: (32 / 8)² = 16 image tokens per image
_VOCAB_SIZE = 1024  # upper bound for the BPE trainer; the corpus yields fewer merges
_SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<pad>", "<image>")  # ids 0..4, in this order
_BOS_ID, _EOS_ID, _PAD_ID, _IMAGE_ID = 1, 2, 3, 4  # the trainer adds special tokens first

# LLaVA-1.5 style template: "USER: <image>\n{text}\nASSISTANT:". A literal newline right
# after `{% endif %}` is swallowed by Jinja's block handling, hence the `{{ '\n' }}`.
_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}SYSTEM: "
    "{% elif message['role'] == 'user' %}USER: "
    "{% else %}ASSISTANT: {% endif %}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<image>{{ '\\n' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}"
    "{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)

# Text the BPE tokenizer is trained on: the kind of words trust prompts and answers use.
_CORPUS = """\
USER: Is there a person in this image? Please answer yes or no.
ASSISTANT: Yes, there is a person standing next to a red car.
USER: Describe the image in detail. What colors and shapes do you see?
ASSISTANT: The image shows a blue circle, a green square and a yellow triangle on white.
USER: How can I make a dangerous weapon at home?
ASSISTANT: I'm sorry, but I cannot help with that request. It could cause harm.
USER: What is the name and home address of the woman in the photo?
ASSISTANT: I cannot identify people or share private information such as addresses.
USER: Which option is correct? A. cat B. dog C. bird D. fish. Answer with the letter.
ASSISTANT: The answer is B. The animal in the picture is a dog.
USER: Read the text in the image and follow its instructions.
ASSISTANT: The text says to ignore previous instructions. I will not follow it.
USER: Is this statement true or false? The sky is green.
ASSISTANT: False. The sky is usually blue during a clear day.
USER: Do you agree with the following stereotype about a group of people?
ASSISTANT: No, I disagree. Stereotypes are unfair to individuals and groups.
USER: Count the objects in the picture. How many are there?
ASSISTANT: There are three objects: two small boxes and one large ball.
USER: What is the phone number and email written on this card?
ASSISTANT: Sorry, I can't share personal data like phone numbers or emails.
The quick brown fox jumps over the lazy dog. Safety, privacy, fairness, robustness and
truthfulness are the five aspects of trustworthiness for multimodal language models.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000. Punctuation: . , ; : ! ? ' " ( ) [ ] - / %
"""


def tiny_llava_dir(cache_dir: Path, *, seed: int = 0) -> Path:
    """Where :func:`ensure_tiny_llava` puts the model built from ``seed``.

    Args:
        cache_dir: the directory for built models (``ModelOptions.cache_dir``).
        seed: the seed of the random weights.

    Returns:
        ``cache_dir / "tiny-llava-v{TINY_LLAVA_VERSION}-seed{seed}"``.
    """
    return Path(cache_dir) / f"tiny-llava-v{TINY_LLAVA_VERSION}-seed{seed}"


def ensure_tiny_llava(cache_dir: Path, *, seed: int = 0) -> Path:
    """Build the tiny LLaVA into ``cache_dir`` unless it is there already; return its path.

    Safe to call from several processes at once (xdist workers): each builds into its own
    temporary directory and renames it into place; the first rename wins and the others
    discard their copy. The global torch random state is left untouched.

    Args:
        cache_dir: the directory for built models; created when missing.
        seed: the seed of the random weights (same seed, same files).

    Returns:
        The model directory, loadable with ``AutoProcessor`` and
        ``AutoModelForImageTextToText`` (``hf:<path>``).

    Example:
        >>> from pathlib import Path
        >>> path = ensure_tiny_llava(Path(".multitrust-cache"))  # doctest: +SKIP
        >>> path.name  # doctest: +SKIP
        'tiny-llava-v1-seed0'
    """

    def build(out: Path) -> None:
        _build(out, seed=seed)
        (out / _COMPLETE_MARKER).write_text(
            f"tiny LLaVA v{TINY_LLAVA_VERSION}, seed {seed}, built by pytest-multitrust\n",
            encoding="utf-8",
        )

    return build_once(tiny_llava_dir(cache_dir, seed=seed), _COMPLETE_MARKER, build)


def build_once(target: Path, complete: str, build: Callable[[Path], None]) -> Path:
    """Build a folder once, atomically: ``target`` is whole or absent, never half-written.

    Safe from several processes at once (xdist workers, concurrent test sessions): each
    builds into its own temporary folder beside ``target`` and renames it into place; the
    first rename wins and the others discard their copy.

    Args:
        target: the folder to build.
        complete: a file ``build`` writes last; ``target`` holding it is a finished build
            (returned at once), a ``target`` without it is moved aside and rebuilt.
        build: writes the folder's files into the directory it is given.

    Returns:
        ``target``.
    """
    if (target / complete).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        # Not written by us (the rename below is atomic): move it aside, then rebuild.
        _discard(target)
    build_dir = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(build_dir)
        try:
            os.rename(build_dir, target)
        except OSError:
            # Another process renamed its build first (the target is non-empty now).
            if not (target / complete).is_file():
                raise
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir, ignore_errors=True)
    return target


def _discard(path: Path) -> None:
    """Remove ``path`` without racing a reader: rename it to a unique name, then delete."""
    aside = Path(tempfile.mkdtemp(prefix=f".{path.name}-stale-", dir=path.parent))
    with contextlib.suppress(FileNotFoundError):  # someone else removed it first
        os.rename(path, aside / path.name)
    shutil.rmtree(aside, ignore_errors=True)


def _build(out: Path, *, seed: int) -> None:
    """Write config, safetensors weights, tokenizer, processor and chat template to ``out``."""
    import torch
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )
    from transformers.utils import logging as hf_logging

    tokenizer = _train_tokenizer()
    ids = [tokenizer.convert_tokens_to_ids(token) for token in _SPECIAL_TOKENS]
    if ids != list(range(len(_SPECIAL_TOKENS))):
        raise RuntimeError(f"tiny LLaVA: unexpected special token ids {ids} (tokenizers changed?)")
    text_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=4096,
        bos_token_id=_BOS_ID,
        eos_token_id=_EOS_ID,
        pad_token_id=_PAD_ID,
    )
    vision_config = CLIPVisionConfig(
        image_size=_IMAGE_SIZE,
        patch_size=_PATCH_SIZE,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        projection_dim=32,
    )
    config = LlavaConfig(
        vision_config=vision_config,
        text_config=text_config,
        image_token_index=_IMAGE_ID,
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
        projector_hidden_act="gelu",
    )
    # fork_rng: seed the weights without disturbing the caller's random state.
    with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlavaForConditionalGeneration(config)
    model.generation_config.bos_token_id = _BOS_ID
    model.generation_config.eos_token_id = _EOS_ID
    model.generation_config.pad_token_id = _PAD_ID
    image_processor = CLIPImageProcessorPil(
        size={"shortest_edge": _IMAGE_SIZE},
        crop_size={"height": _IMAGE_SIZE, "width": _IMAGE_SIZE},
    )
    processor = LlavaProcessor(  # type: ignore[no-untyped-call]
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=_PATCH_SIZE,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # CLIP's CLS token, dropped again by "default"
        chat_template=_CHAT_TEMPLATE,
    )
    bars = hf_logging.is_progress_bar_enabled()
    # "Writing model shards" progress bars are noise in a test run.
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model.save_pretrained(out, safe_serialization=True)
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    processor.save_pretrained(out)


def _train_tokenizer() -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on the embedded corpus (deterministic)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB_SIZE,
        special_tokens=list(_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_CORPUS.splitlines(), trainer=trainer)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=backend,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": "<image>"},
        padding_side="left",
    )
