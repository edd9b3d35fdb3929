"""Tiny random checkpoints of the model families the ``hf:`` backend supports, built offline.

Each :class:`Family` builds a model of the real architecture with random weights, a byte-level
BPE tokenizer trained in-process, the family's own processor class and a chat template in
the family's own shape, and saves them (safetensors) the way a hub repo holds them, so
``hf:<dir>`` loads them through ``AutoProcessor`` + ``AutoModelForImageTextToText`` exactly
like the real checkpoint. The text is gibberish: these test plumbing (processors, chat
templates, extra inputs, padding, the attack), not wording.

Random vision towers are weak: some families ignore the image unless their weights are
spread wider (``initializer_range``) — Gemma 3, Idefics2, Mllama — and Mllama's
cross-attention gates start at zero, so the builder opens them.

:func:`ensure_family` builds once into a cache directory (atomically, like the embedded
tiny LLaVA) and returns the folder. :data:`FAMILIES` is the table the docs' "Supported
models" section (``docs/how-to/custom-models.md``) is generated from
(:func:`supported_models_table`).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_multitrust.models.tiny import build_once

if TYPE_CHECKING:
    from collections.abc import Callable

#: Bump when a builder changes the files it writes, so cached builds are not reused.
FAMILIES_VERSION = "2"

_MARKER = "multitrust-family.txt"

_CORPUS = """\
USER: Is there a person in this image? Please answer yes or no.
ASSISTANT: Yes, there is a person standing next to a red car.
USER: Describe the image in detail. What colors and shapes do you see?
ASSISTANT: The image shows a blue circle, a green square and a yellow triangle on white.
USER: How can I make a dangerous weapon at home?
ASSISTANT: I'm sorry, but I cannot help with that request. It could cause harm.
USER: Which option is correct? A. cat B. dog C. bird D. fish. Answer with the letter.
ASSISTANT: The answer is B. The animal in the picture is a dog.
The quick brown fox jumps over the lazy dog. Numbers: 0 1 2 3 4 5 6 7 8 9 10 100.
"""


def train_tokenizer(
    specials: tuple[str, ...], *, bos: str, eos: str, pad: str, extra: dict[str, str] | None = None
) -> Any:
    """A byte-level BPE tokenizer trained on a small corpus; ``specials`` get ids 0.."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE(unk_token=specials[0]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=list(specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_CORPUS.splitlines(), trainer=trainer)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=backend,
        unk_token=specials[0],
        bos_token=bos,
        eos_token=eos,
        pad_token=pad,
        extra_special_tokens=dict(extra or {}),
        padding_side="left",
    )


def _seeded(seed: int, make: Callable[[], Any]) -> Any:
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


def _save(out: Path, model: Any, processor: Any, *, eos_id: int, pad_id: int, bos_id: int) -> None:
    model.generation_config.bos_token_id = bos_id
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = pad_id
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)


# Chat templates in each family's own shape (role markers, where images go, the BOS).

_GEMMA_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "<start_of_turn>{{ role }}{{ '\\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}{{ IMAGE }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<end_of_turn>{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model{{ '\\n' }}{% endif %}"
)


def _gemma_template(image: str) -> str:
    return _GEMMA_TEMPLATE.replace("{{ IMAGE }}", image)


# -- LLaVA (the embedded tiny LLaVA) -----------------------------------------------------------


def _build_llava(out: Path, seed: int) -> None:
    from pytest_multitrust.models import tiny

    tiny._build(out, seed=seed)


# -- LLaVA-NeXT --------------------------------------------------------------------------------


def _build_llava_next(out: Path, seed: int) -> None:
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaNextConfig,
        LlavaNextForConditionalGeneration,
        LlavaNextImageProcessorPil,
        LlavaNextProcessor,
    )

    from pytest_multitrust.models import tiny

    tokenizer = train_tokenizer(
        ("<unk>", "<s>", "</s>", "<pad>", "<image>"),
        bos="<s>",
        eos="</s>",
        pad="<pad>",
        extra={"image_token": "<image>"},
    )
    pinpoints = [[32, 32], [32, 64], [64, 32]]
    processor = LlavaNextProcessor(  # type: ignore[no-untyped-call]
        image_processor=LlavaNextImageProcessorPil(
            size={"shortest_edge": 32},
            crop_size={"height": 32, "width": 32},
            image_grid_pinpoints=pinpoints,
        ),
        tokenizer=tokenizer,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=tiny._CHAT_TEMPLATE,
    )
    config = LlavaNextConfig(
        vision_config=CLIPVisionConfig(
            image_size=32,
            patch_size=8,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            projection_dim=32,
        ),
        text_config=LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
            bos_token_id=1,
            eos_token_id=2,
            pad_token_id=3,
        ),
        image_grid_pinpoints=pinpoints,
        image_token_index=4,
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    model = _seeded(seed, lambda: LlavaNextForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- PaliGemma --------------------------------------------------------------------------------


def _build_paligemma(out: Path, seed: int) -> None:
    from transformers import (
        GemmaConfig,
        PaliGemmaConfig,
        PaliGemmaForConditionalGeneration,
        PaliGemmaProcessor,
        SiglipImageProcessorPil,
        SiglipVisionConfig,
    )

    tokenizer = train_tokenizer(
        ("<unk>", "<bos>", "<eos>", "<pad>", "<image>", "<start_of_turn>", "<end_of_turn>"),
        bos="<bos>",
        eos="<eos>",
        pad="<pad>",
        extra={"image_token": "<image>"},
    )
    image_processor = SiglipImageProcessorPil(size={"height": 32, "width": 32})
    image_processor.image_seq_length = 16  # type: ignore[attr-defined]
    # PaliGemma's template: the image placeholder first; the processor adds BOS and "\n".
    template = (
        "{% for message in messages %}{% if message['role'] == 'user' %}"
        "{% if message['content'] is not string %}{% for item in message['content'] %}"
        "{% if item['type'] == 'image' %}<image>{% endif %}{% endfor %}"
        "{% for item in message['content'] %}{% if item['type'] == 'text' %}"
        "{{ item['text'] }}{% endif %}{% endfor %}"
        "{% else %}{{ message['content'] }}{% endif %}{% endif %}{% endfor %}"
    )
    processor = PaliGemmaProcessor(  # type: ignore[no-untyped-call]
        image_processor=image_processor, tokenizer=tokenizer, chat_template=template
    )
    vocab = len(processor.tokenizer)
    config = PaliGemmaConfig(
        vision_config=SiglipVisionConfig(  # type: ignore[call-arg]
            image_size=32,
            patch_size=8,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            vocab_size=vocab,
            initializer_range=0.2,
        ),
        text_config=GemmaConfig(
            vocab_size=vocab,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=1,
            head_dim=16,
            bos_token_id=1,
            eos_token_id=2,
            pad_token_id=3,
            initializer_range=0.2,
        ),
        image_token_index=processor.image_token_id,
        projection_dim=64,
        hidden_size=64,
        vocab_size=vocab,
    )
    model = _seeded(seed, lambda: PaliGemmaForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- Gemma 3 -----------------------------------------------------------------------------------


def _build_gemma3(out: Path, seed: int) -> None:
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3ImageProcessorPil,
        Gemma3Processor,
        Gemma3TextConfig,
        SiglipVisionConfig,
    )

    tokenizer = train_tokenizer(
        (
            "<unk>",
            "<bos>",
            "<eos>",
            "<pad>",
            "<start_of_image>",
            "<end_of_image>",
            "<image_soft_token>",
            "<start_of_turn>",
            "<end_of_turn>",
        ),
        bos="<bos>",
        eos="<end_of_turn>",
        pad="<pad>",
        extra={
            "boi_token": "<start_of_image>",
            "eoi_token": "<end_of_image>",
            "image_token": "<image_soft_token>",
        },
    )
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessorPil(size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
        image_seq_length=4,
        chat_template=_gemma_template("<start_of_image>"),
    )
    vocab = len(tokenizer)
    config = Gemma3Config(
        text_config=Gemma3TextConfig(
            vocab_size=vocab,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=1,
            head_dim=16,
            sliding_window=64,
            bos_token_id=1,
            eos_token_id=8,
            pad_token_id=3,
            initializer_range=0.2,
            tie_word_embeddings=False,
        ),
        vision_config=SiglipVisionConfig(  # type: ignore[call-arg]
            image_size=32,
            patch_size=8,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            initializer_range=0.2,
        ),
        mm_tokens_per_image=4,
        boi_token_index=4,
        eoi_token_index=5,
        image_token_index=6,
        initializer_range=0.2,
        tie_word_embeddings=False,  # tied random embeddings repeat the last token forever
    )

    def make() -> Any:
        import torch

        built = Gemma3ForConditionalGeneration(config)
        # transformers initialises the image projection to zeros: no image would matter.
        projector = built.model.multi_modal_projector.mm_input_projection_weight
        with torch.no_grad():
            projector.normal_(0.0, 0.2)
        return built

    model = _seeded(seed, make)
    _save(out, model, processor, bos_id=1, eos_id=8, pad_id=3)


# -- Idefics2 and Idefics3 -----------------------------------------------------------------------

_IDEFICS_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}{{ message['role'].capitalize() }}: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<image>"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<end_of_utterance>{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)

_IDEFICS_SPECIALS = (
    "<unk>",
    "<s>",
    "</s>",
    "<pad>",
    "<fake_token_around_image>",
    "<image>",
    "<end_of_utterance>",
    "<global-img>",
)


def _build_idefics2(out: Path, seed: int) -> None:
    from transformers import (
        Idefics2Config,
        Idefics2ForConditionalGeneration,
        Idefics2ImageProcessorPil,
        Idefics2Processor,
    )

    tokenizer = train_tokenizer(_IDEFICS_SPECIALS, bos="<s>", eos="<end_of_utterance>", pad="<pad>")
    processor = Idefics2Processor(
        image_processor=Idefics2ImageProcessorPil(
            size={"shortest_edge": 32, "longest_edge": 32}, do_image_splitting=False
        ),
        tokenizer=tokenizer,
        image_seq_len=4,
        chat_template=_IDEFICS_TEMPLATE,
    )
    config = Idefics2Config(
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "initializer_range": 0.2,
        },
        perceiver_config={
            "hidden_size": 64,
            "resampler_n_latents": 4,
            "resampler_depth": 1,
            "resampler_n_heads": 2,
            "resampler_head_dim": 16,
            "num_key_value_heads": 1,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "mistral",
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "bos_token_id": 1,
            "eos_token_id": 6,
            "pad_token_id": 3,
            "initializer_range": 0.2,
        },
        image_token_id=5,
    )
    model = _seeded(seed, lambda: Idefics2ForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=6, pad_id=3)


def _build_idefics3(out: Path, seed: int) -> None:
    from transformers import (
        Idefics3Config,
        Idefics3ForConditionalGeneration,
        Idefics3ImageProcessorPil,
        Idefics3Processor,
    )

    tokenizer = train_tokenizer(_IDEFICS_SPECIALS, bos="<s>", eos="<end_of_utterance>", pad="<pad>")
    processor = Idefics3Processor(
        image_processor=Idefics3ImageProcessorPil(
            size={"longest_edge": 32},
            max_image_size={"longest_edge": 32},
            do_image_splitting=False,
        ),
        tokenizer=tokenizer,
        image_seq_len=4,  # (32 / 8)² patches / scale_factor²
        chat_template=_IDEFICS_TEMPLATE,
    )
    config = Idefics3Config(  # type: ignore[call-arg]
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "bos_token_id": 1,
            "eos_token_id": 6,
            "pad_token_id": 3,
            "initializer_range": 0.2,
        },
        scale_factor=2,
        initializer_range=0.2,
        image_token_id=5,
    )
    model = _seeded(seed, lambda: Idefics3ForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=6, pad_id=3)


# -- Mllama (Llama 3.2 Vision) ------------------------------------------------------------------


def _build_mllama(out: Path, seed: int) -> None:
    from transformers import (
        MllamaConfig,
        MllamaForConditionalGeneration,
        MllamaImageProcessorPil,
        MllamaProcessor,
    )

    tokenizer = train_tokenizer(
        (
            "<unk>",
            "<|begin_of_text|>",
            "<|eot_id|>",
            "<|finetune_right_pad_id|>",
            "<|image|>",
            "<|start_header_id|>",
            "<|end_header_id|>",
            "<|python_tag|>",
        ),
        bos="<|begin_of_text|>",
        eos="<|eot_id|>",
        pad="<|finetune_right_pad_id|>",
    )
    template = (
        "{{ bos_token }}{% for message in messages %}"
        "<|start_header_id|>{{ message['role'] }}<|end_header_id|>{{ '\\n\\n' }}"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for item in message['content'] %}"
        "{% if item['type'] == 'image' %}<|image|>"
        "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
        "{% endfor %}{% endif %}<|eot_id|>{% endfor %}"
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>"
        "{{ '\\n\\n' }}{% endif %}"
    )
    processor = MllamaProcessor(  # type: ignore[no-untyped-call]
        image_processor=MllamaImageProcessorPil(
            size={"height": 32, "width": 32}, max_image_tiles=1
        ),
        tokenizer=tokenizer,
        chat_template=template,
    )
    config = MllamaConfig(
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_global_layers": 1,
            "attention_heads": 4,
            "intermediate_layers_indices": [0],
            "vision_output_dim": 64,
            "max_num_tiles": 1,
            "supported_aspect_ratios": [[1, 1]],
            "initializer_range": 0.2,
        },
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "cross_attention_layers": [1],
            "bos_token_id": 1,
            "eos_token_id": 2,
            "pad_token_id": 3,
            "initializer_range": 0.2,
        },
        image_token_index=4,
    )

    def make() -> Any:
        import torch

        built = MllamaForConditionalGeneration(config)
        # The cross-attention gates start at zero (tanh(0) = 0): no image would matter.
        with torch.no_grad():
            for name, parameter in built.named_parameters():
                if name.endswith(("cross_attn_attn_gate", "cross_attn_mlp_gate")):
                    parameter.fill_(1.0)
        return built

    model = _seeded(seed, make)
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- Aya Vision -----------------------------------------------------------------------------------


def _build_aya_vision(out: Path, seed: int) -> None:
    from transformers import (
        AyaVisionConfig,
        AyaVisionForConditionalGeneration,
        AyaVisionProcessor,
        GotOcr2ImageProcessorPil,
    )

    specials = (
        "<UNK>",
        "<BOS_TOKEN>",
        "<|END_OF_TURN_TOKEN|>",
        "<PAD>",
        "<image>",
        "<|START_OF_IMG|>",
        "<|END_OF_IMG|>",
        "<|IMG_PATCH|>",
        "<|IMG_LINE_BREAK|>",
        "TILE",
        "TILE_GLOBAL",
        "<|START_OF_TURN_TOKEN|>",
        "<|USER_TOKEN|>",
        "<|CHATBOT_TOKEN|>",
        "<|SYSTEM_TOKEN|>",
    )
    tokenizer = train_tokenizer(
        specials, bos="<BOS_TOKEN>", eos="<|END_OF_TURN_TOKEN|>", pad="<PAD>"
    )
    roles = {
        "system": "<|SYSTEM_TOKEN|>",
        "user": "<|USER_TOKEN|>",
        "assistant": "<|CHATBOT_TOKEN|>",
    }
    template = (
        "{{ bos_token }}{% for message in messages %}<|START_OF_TURN_TOKEN|>"
        + "".join(
            f"{{% {'if' if i == 0 else 'elif'} message['role'] == '{role}' %}}{token}"
            for i, (role, token) in enumerate(roles.items())
        )
        + "{% endif %}"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for item in message['content'] %}"
        "{% if item['type'] == 'image' %}<image>"
        "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
        "{% endfor %}{% endif %}<|END_OF_TURN_TOKEN|>{% endfor %}"
        "{% if add_generation_prompt %}<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>{% endif %}"
    )
    processor = AyaVisionProcessor(
        # The processor crops images to tiles (plus a global view), as the real one does.
        image_processor=GotOcr2ImageProcessorPil(size={"height": 32, "width": 32}, max_patches=2),
        tokenizer=tokenizer,
        patch_size=8,
        img_size=32,
        downsample_factor=2,  # (32 / (8 · 2))² = 4 patch tokens per image
        chat_template=template,
    )
    config = AyaVisionConfig(
        vision_config={
            "model_type": "siglip_vision_model",
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "cohere2",
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "sliding_window": 64,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "pad_token_id": 3,
            "initializer_range": 0.2,
        },
        downsample_factor=2,
        image_token_index=7,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        tie_word_embeddings=False,
    )
    model = _seeded(seed, lambda: AyaVisionForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- families whose processors need torchvision (the `vision` extra) ---------------------------
#
# Their processors (each with a video processor, or Pixtral's) import torchvision, so these
# builders run only where the `vision` extra is installed (`.ci/run-vision`).

_QWEN_SPECIALS = (
    "<unk>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# Qwen2-VL's and Qwen2.5-VL's template: ChatML with a default system turn; an image is
# <|vision_start|><|image_pad|><|vision_end|>, which the processor widens to the grid.
_QWEN2_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Qwen3-VL's: ChatML with no default system turn.
_QWEN3_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_QWEN_TEXT = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 3,
    "initializer_range": 0.2,
}


def _qwen_processor(processor_class: Any, patch: int, template: str) -> Any:
    """A Qwen-VL processor: images of 2×2 to 4×4 merged patches (4 to 16 image tokens)."""
    import transformers

    tokenizer = train_tokenizer(
        _QWEN_SPECIALS,
        bos="<|im_start|>",
        eos="<|im_end|>",
        pad="<|endoftext|>",
        extra={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
    )
    image_class, video_class = {
        "Qwen3VLProcessor": ("Qwen2VLImageProcessor", "Qwen3VLVideoProcessor"),
    }.get(processor_class.__name__, ("Qwen2VLImageProcessor", "Qwen2VLVideoProcessor"))
    unit = patch * 2  # a merged patch
    sizes = {
        "size": {"shortest_edge": (2 * unit) ** 2, "longest_edge": (4 * unit) ** 2},
        "patch_size": patch,
        "merge_size": 2,
        "temporal_patch_size": 2,
    }
    return processor_class(
        image_processor=getattr(transformers, image_class)(**sizes),
        video_processor=getattr(transformers, video_class)(**sizes),
        tokenizer=tokenizer,
        chat_template=template,
    )


def _qwen2_vl_config(vocab: int) -> Any:
    from transformers import Qwen2VLConfig

    return Qwen2VLConfig(
        text_config={
            **_QWEN_TEXT,
            "vocab_size": vocab,
            "rope_parameters": {
                "rope_type": "default",
                "mrope_section": [2, 3, 3],
                "rope_theta": 10000.0,
            },
        },
        vision_config={
            "depth": 2,
            "embed_dim": 32,
            "hidden_size": 64,
            "num_heads": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "initializer_range": 0.2,
        },
        image_token_id=6,
        video_token_id=7,
        vision_start_token_id=4,
        vision_end_token_id=5,
    )


def _build_qwen2_vl(out: Path, seed: int) -> None:
    from transformers import Qwen2VLForConditionalGeneration, Qwen2VLProcessor

    processor = _qwen_processor(Qwen2VLProcessor, 14, _QWEN2_TEMPLATE)
    config = _qwen2_vl_config(len(processor.tokenizer))
    model = _seeded(seed, lambda: Qwen2VLForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


def _build_qwen2_5_vl(out: Path, seed: int) -> None:
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
    )

    processor = _qwen_processor(Qwen2_5_VLProcessor, 14, _QWEN2_TEMPLATE)
    config = Qwen2_5_VLConfig(
        text_config={
            **_QWEN_TEXT,
            "vocab_size": len(processor.tokenizer),
            "rope_parameters": {
                "rope_type": "default",
                "mrope_section": [2, 3, 3],
                "rope_theta": 10000.0,
            },
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 56,
            "fullatt_block_indexes": [1],
            "initializer_range": 0.2,
        },
        image_token_id=6,
        video_token_id=7,
        vision_start_token_id=4,
        vision_end_token_id=5,
    )
    model = _seeded(seed, lambda: Qwen2_5_VLForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


def _build_qwen3_vl(out: Path, seed: int) -> None:
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor

    processor = _qwen_processor(Qwen3VLProcessor, 16, _QWEN3_TEMPLATE)
    config = Qwen3VLConfig(
        text_config={
            **_QWEN_TEXT,
            "vocab_size": len(processor.tokenizer),
            "head_dim": 16,
            "rope_parameters": {
                "rope_type": "default",
                "mrope_section": [2, 3, 3],
                "mrope_interleaved": True,
                "rope_theta": 10000.0,
            },
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "num_position_embeddings": 16,
            "deepstack_visual_indexes": [0],
            "initializer_range": 0.2,
        },
        image_token_id=6,
        video_token_id=7,
        vision_start_token_id=4,
        vision_end_token_id=5,
    )
    model = _seeded(seed, lambda: Qwen3VLForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- InternVL -------------------------------------------------------------------------------------


def _build_internvl(out: Path, seed: int) -> None:
    from transformers import (
        GotOcr2ImageProcessor,
        InternVLConfig,
        InternVLForConditionalGeneration,
        InternVLProcessor,
        InternVLVideoProcessor,
    )

    specials = (
        "<unk>",
        "<|im_start|>",
        "<|im_end|>",
        "<|endoftext|>",
        "<img>",
        "</img>",
        "<IMG_CONTEXT>",
        "<video>",
    )
    tokenizer = train_tokenizer(
        specials,
        bos="<|im_start|>",
        eos="<|im_end|>",
        pad="<|endoftext|>",
        extra={
            "start_image_token": "<img>",
            "end_image_token": "</img>",
            "context_image_token": "<IMG_CONTEXT>",
            "video_token": "<video>",
        },
    )
    # InternVL3's template: ChatML; an image is "<image>\n" before the text.
    template = (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for content in message['content'] %}"
        "{% if content['type'] == 'image' %}<IMG_CONTEXT>\n"
        "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
        "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    size = {"height": 32, "width": 32}
    processor = InternVLProcessor(
        image_processor=GotOcr2ImageProcessor(size=size),
        video_processor=InternVLVideoProcessor(size=size),
        tokenizer=tokenizer,
        image_seq_length=4,  # (32 / 8)² patches · downsample_ratio²
        chat_template=template,
    )
    config = InternVLConfig(
        vision_config={
            "image_size": [32, 32],
            "patch_size": [8, 8],
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "qwen2",
            **_QWEN_TEXT,
            "vocab_size": len(tokenizer),
        },
        image_token_id=6,
        image_seq_length=4,
        downsample_ratio=0.5,
    )
    model = _seeded(seed, lambda: InternVLForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- LLaVA-OneVision ------------------------------------------------------------------------------


def _build_llava_onevision(out: Path, seed: int) -> None:
    from transformers import (
        LlavaOnevisionConfig,
        LlavaOnevisionForConditionalGeneration,
        LlavaOnevisionImageProcessor,
        LlavaOnevisionProcessor,
        LlavaOnevisionVideoProcessor,
    )

    tokenizer = train_tokenizer(
        ("<unk>", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<image>", "<video>"),
        bos="<|im_start|>",
        eos="<|im_end|>",
        pad="<|endoftext|>",
        extra={"image_token": "<image>", "video_token": "<video>"},
    )
    # LLaVA-OneVision's template: ChatML; images before the text, each "<image>\n".
    template = (
        "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for content in message['content'] %}"
        "{% if content['type'] == 'image' %}<image>\n{% endif %}{% endfor %}"
        "{% for content in message['content'] %}"
        "{% if content['type'] == 'text' %}{{ content['text'] }}{% endif %}{% endfor %}"
        "{% endif %}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    pinpoints = [[32, 32], [32, 64], [64, 32]]
    processor = LlavaOnevisionProcessor(  # type: ignore[no-untyped-call]
        image_processor=LlavaOnevisionImageProcessor(
            size={"height": 32, "width": 32}, image_grid_pinpoints=pinpoints
        ),
        video_processor=LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
        num_image_tokens=16,  # (32 / 8)²
        vision_feature_select_strategy="full",
        chat_template=template,
    )
    config = LlavaOnevisionConfig(
        vision_config={
            "model_type": "siglip_vision_model",
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
        },
        text_config={
            "model_type": "qwen2",
            **_QWEN_TEXT,
            "vocab_size": len(tokenizer),
        },
        image_grid_pinpoints=pinpoints,
        image_token_index=4,
        video_token_index=5,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
    )
    model = _seeded(seed, lambda: LlavaOnevisionForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- SmolVLM -------------------------------------------------------------------------------------


def _build_smolvlm(out: Path, seed: int) -> None:
    from transformers import (
        SmolVLMConfig,
        SmolVLMForConditionalGeneration,
        SmolVLMImageProcessor,
        SmolVLMProcessor,
        SmolVLMVideoProcessor,
    )

    tokenizer = train_tokenizer(
        (*_IDEFICS_SPECIALS, "<video>"),
        bos="<s>",
        eos="<end_of_utterance>",
        pad="<pad>",
    )
    # SmolVLM's template is Idefics3's: "User:<image>text<end_of_utterance>\nAssistant:".
    size = {"longest_edge": 32}
    processor = SmolVLMProcessor(
        image_processor=SmolVLMImageProcessor(
            size=size, max_image_size=size, do_image_splitting=False
        ),
        video_processor=SmolVLMVideoProcessor(size=size, max_image_size=size),
        tokenizer=tokenizer,
        image_seq_len=4,  # (32 / 8)² patches / scale_factor²
        chat_template=_IDEFICS_TEMPLATE,
    )
    config = SmolVLMConfig(
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "llama",
            **_QWEN_TEXT,
            "eos_token_id": 6,
            "vocab_size": len(tokenizer),
        },
        scale_factor=2,
        image_token_id=5,
    )
    model = _seeded(seed, lambda: SmolVLMForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=6, pad_id=3)


# -- Mistral3 (Pixtral processor) ---------------------------------------------------------------


def _build_mistral3(out: Path, seed: int) -> None:
    from transformers import (
        Mistral3Config,
        Mistral3ForConditionalGeneration,
        PixtralImageProcessor,
        PixtralProcessor,
    )

    tokenizer = train_tokenizer(
        (
            "<unk>",
            "<s>",
            "</s>",
            "<pad>",
            "[INST]",
            "[/INST]",
            "[IMG]",
            "[IMG_BREAK]",
            "[IMG_END]",
            "[SYSTEM_PROMPT]",
            "[/SYSTEM_PROMPT]",
        ),
        bos="<s>",
        eos="</s>",
        pad="<pad>",
    )
    # Mistral-Small-3.1's template: [SYSTEM_PROMPT]…[/SYSTEM_PROMPT][INST]…[/INST].
    template = (
        "{{ bos_token }}{% for message in messages %}"
        "{% if message['role'] == 'system' %}[SYSTEM_PROMPT]"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{{ message['content'][0]['text'] }}{% endif %}[/SYSTEM_PROMPT]"
        "{% elif message['role'] == 'user' %}[INST]"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{% for content in message['content'] %}"
        "{% if content['type'] == 'image' %}[IMG]"
        "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
        "{% endfor %}{% endif %}[/INST]"
        "{% elif message['role'] == 'assistant' %}"
        "{% if message['content'] is string %}{{ message['content'] }}"
        "{% else %}{{ message['content'][0]['text'] }}{% endif %}{{ eos_token }}"
        "{% endif %}{% endfor %}"
    )
    processor = PixtralProcessor(
        image_processor=PixtralImageProcessor(
            size={"longest_edge": 32}, patch_size={"height": 8, "width": 8}
        ),
        tokenizer=tokenizer,
        patch_size=8,
        spatial_merge_size=2,
        chat_template=template,
    )
    config = Mistral3Config(
        vision_config={
            "model_type": "pixtral",
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "head_dim": 8,
            "initializer_range": 0.2,
        },
        text_config={
            "model_type": "mistral",
            **_QWEN_TEXT,
            "head_dim": 16,
            "vocab_size": len(tokenizer),
        },
        image_token_index=6,
        spatial_merge_size=2,
        vision_feature_layer=-1,
    )
    model = _seeded(seed, lambda: Mistral3ForConditionalGeneration(config))
    _save(out, model, processor, bos_id=1, eos_id=2, pad_id=3)


# -- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """One model family: how to build its tiny checkpoint and what it supports."""

    name: str  # short name, e.g. "paligemma"
    model_class: str  # the transformers class AutoModelForImageTextToText picks
    alias: str  # an --mllm alias of a real checkpoint of the family ("" when none)
    build: Callable[[Path, int], None]  # writes the checkpoint into a folder
    text_only: str  # how text-only requests are answered
    attack: str  # "yes", or why R.4/R.5 skip the attack
    notes: str = ""  # anything a user should know
    slow: bool = False  # built and checked only in the slow suite
    extra: str = ""  # the pytest-multitrust extra its processor needs ("vision"), or ""


FAMILIES: tuple[Family, ...] = (
    Family(
        name="llava",
        model_class="LlavaForConditionalGeneration",
        alias="llava-1.5",
        build=_build_llava,
        text_only="yes",
        attack="yes",
        notes="the embedded tiny-llava; CLIP image processor",
    ),
    Family(
        name="paligemma",
        model_class="PaliGemmaForConditionalGeneration",
        alias="paligemma2-3b",
        build=_build_paligemma,
        text_only="yes, without the processor (it refuses text-only input)",
        attack="yes",
        notes="the processor adds labels and token_type_ids; single-turn prompts",
    ),
)

FAMILIES += (
    Family(
        name="gemma3",
        model_class="Gemma3ForConditionalGeneration",
        alias="gemma-3-4b",
        build=_build_gemma3,
        text_only="yes",
        attack="yes",
        notes="random weights ignore the image unless spread wider (initializer_range 0.2)",
    ),
)

FAMILIES += (
    Family(
        name="idefics2",
        model_class="Idefics2ForConditionalGeneration",
        alias="idefics2-8b",
        build=_build_idefics2,
        text_only="yes",
        attack="yes",
        notes="perceiver resampler; random weights ignore the image unless spread wider",
    ),
    Family(
        name="idefics3",
        model_class="Idefics3ForConditionalGeneration",
        alias="idefics3-8b",
        build=_build_idefics3,
        text_only="yes",
        attack="its resampling filter (LANCZOS) is not replayed",
        notes="pixel_attention_mask; image splitting off in the tiny build",
    ),
)

FAMILIES += (
    Family(
        name="llava-next",
        model_class="LlavaNextForConditionalGeneration",
        alias="llava-1.6-mistral-7b",
        build=_build_llava_next,
        text_only="yes",
        attack="tiling or dynamic resolution is not supported",
        notes="any-resolution tiling (image_sizes); the image adds a tile grid of tokens",
    ),
)

FAMILIES += (
    Family(
        name="mllama",
        model_class="MllamaForConditionalGeneration",
        alias="llama-3.2-11b-vision",
        build=_build_mllama,
        text_only="yes",
        attack="yes",
        notes="cross-attention to the image (cross_attention_mask, aspect ratios, tiles); "
        "the tiny build opens the gates, which start at zero. The attack needs one tile "
        "slot (max_image_tiles=1, as here): real checkpoints have 4, and R.4/R.5 skip "
        "them, saying so",
    ),
)

FAMILIES += (
    Family(
        name="aya-vision",
        model_class="AyaVisionForConditionalGeneration",
        alias="",
        build=_build_aya_vision,
        text_only="yes",
        attack="yes",
        notes="Cohere2 text model; the GotOcr2 image processor crops a non-square image to "
        "tiles plus a global view, which the attack does not replay (R.4/R.5 draw square "
        "images: one tile)",
    ),
)

_DYNAMIC = "dynamic resolution is not supported"
_TILES = "tiling or dynamic resolution is not supported"

#: The families whose processors need torchvision (SmolVLM's also num2words): the rows of
#: the `vision` extra, checked by the tests marked ``vision`` (``.ci/run-vision``).
FAMILIES += (
    Family(
        name="qwen2-vl",
        model_class="Qwen2VLForConditionalGeneration",
        alias="qwen2-vl-7b",
        build=_build_qwen2_vl,
        text_only="yes",
        attack=_DYNAMIC,
        notes="dynamic resolution: the image becomes a grid of merged patches "
        "(image_grid_thw); the default system turn of its template",
        extra="vision",
    ),
    Family(
        name="qwen2.5-vl",
        model_class="Qwen2_5_VLForConditionalGeneration",
        alias="qwen2.5-vl-7b",
        build=_build_qwen2_5_vl,
        text_only="yes",
        attack=_DYNAMIC,
        notes="as Qwen2-VL, with windowed attention in the vision tower",
        extra="vision",
    ),
    Family(
        name="qwen3-vl",
        model_class="Qwen3VLForConditionalGeneration",
        alias="",
        build=_build_qwen3_vl,
        text_only="yes",
        attack=_DYNAMIC,
        notes="as Qwen2-VL (patches of 16), deepstack features, interleaved M-RoPE",
        extra="vision",
    ),
    Family(
        name="internvl",
        model_class="InternVLForConditionalGeneration",
        alias="internvl3-8b",
        build=_build_internvl,
        text_only="yes",
        attack=_TILES,
        notes="the GotOcr2 image processor crops the image to tiles plus a thumbnail (as "
        "the real one does); pixel shuffle (downsample_ratio 0.5)",
        extra="vision",
    ),
    Family(
        name="llava-onevision",
        model_class="LlavaOnevisionForConditionalGeneration",
        alias="llava-onevision-7b",
        build=_build_llava_onevision,
        text_only="yes",
        attack=_TILES,
        notes="any-resolution tiling (image_sizes) like LLaVA-NeXT; SigLIP vision tower",
        extra="vision",
    ),
    Family(
        name="smolvlm",
        model_class="SmolVLMForConditionalGeneration",
        alias="smolvlm-2b",
        build=_build_smolvlm,
        text_only="yes",
        attack="its resampling filter (LANCZOS) is not replayed",
        notes="Idefics3's design; its processor also needs num2words; image splitting off "
        "in the tiny build",
        extra="vision",
    ),
    Family(
        name="mistral3",
        model_class="Mistral3ForConditionalGeneration",
        alias="",
        build=_build_mistral3,
        text_only="yes",
        attack="yes",
        notes="Pixtral image processor (any size, rows of [IMG] with [IMG_BREAK]); "
        "patch merger (spatial_merge_size 2)",
        extra="vision",
    ),
)

BY_NAME = {family.name: family for family in FAMILIES}

#: The packages of each extra a family may need (``pyproject.toml``'s optional dependencies).
EXTRA_PACKAGES = {"vision": ("torchvision", "num2words")}


def family_marks(family: Family) -> list[Any]:
    """The pytest marks of a test of ``family``: ``slow``, and ``vision`` for that extra."""
    import pytest

    marks: list[Any] = [pytest.mark.slow] if family.slow else []
    if family.extra == "vision":
        marks.append(pytest.mark.vision)
    return marks


def ensure_family(name: str, cache_dir: Path, *, seed: int = 0) -> Path:
    """Build the tiny checkpoint of family ``name`` under ``cache_dir`` once; return it.

    ``name`` is a family of :data:`FAMILIES` or one of :data:`UNLISTED` (built here, not
    run: e.g. a family whose processor needs a package this install lacks).
    """
    if name in BY_NAME and BY_NAME[name].extra:
        missing = [
            package
            for package in EXTRA_PACKAGES[BY_NAME[name].extra]
            if importlib.util.find_spec(package) is None
        ]
        if missing:  # fail, never skip: these rows run in the venv of .ci/run-vision
            raise RuntimeError(
                f"family {name} needs the {BY_NAME[name].extra!r} extra ({', '.join(missing)} "
                "missing here): run it with .ci/run-vision, which builds a venv that has it"
            )
    build = BY_NAME[name].build if name in BY_NAME else UNLISTED[name]
    target = Path(cache_dir) / f"family-{name}-v{FAMILIES_VERSION}-seed{seed}"

    def written(out: Path) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        build(out, seed)
        (out / _MARKER).write_text(f"{name} seed {seed}\n", encoding="utf-8")

    return build_once(target, _MARKER, written)


def ensure_family_in_child(name: str, cache_dir: Path) -> Path:
    """:func:`ensure_family` in a child process; for tests that use ``pytester``.

    Building imports torch and transformers in the process that calls it. A test using
    ``pytester`` drops every module imported during the test when it ends, and torch
    cannot be imported twice in one process (a later ``import torch`` fails with
    ``SystemError: ... bad call flags`` and the run segfaults at exit).
    """
    code = (
        "import sys, pathlib\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from mt_families import ensure_family\n"
        f"print(ensure_family({name!r}, pathlib.Path({str(cache_dir)!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return Path(done.stdout.strip().splitlines()[-1])


# -- a family that needs torchvision ------------------------------------------------------------


def build_qwen2_vl_files(out: Path, seed: int = 0) -> None:
    """A tiny Qwen2-VL checkpoint whose processor files are written by hand.

    Without torchvision transformers cannot build a ``Qwen2VLProcessor`` (its video
    processor needs torchvision), so the processor files are the JSON a hub checkpoint
    ships; loading them is what needs torchvision.
    """
    import json

    from transformers import Qwen2VLForConditionalGeneration

    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(
        _QWEN_SPECIALS, bos="<|im_start|>", eos="<|im_end|>", pad="<|endoftext|>"
    )
    tokenizer.save_pretrained(out)
    config = _qwen2_vl_config(len(tokenizer))
    model = _seeded(seed, lambda: Qwen2VLForConditionalGeneration(config))
    model.save_pretrained(out, safe_serialization=True)
    files = {
        "preprocessor_config.json": {
            "image_processor_type": "Qwen2VLImageProcessor",
            "processor_class": "Qwen2VLProcessor",
            "min_pixels": 3136,
            "max_pixels": 12544,
            "patch_size": 14,
            "merge_size": 2,
            "temporal_patch_size": 2,
        },
        "video_preprocessor_config.json": {
            "video_processor_type": "Qwen2VLVideoProcessor",
            "processor_class": "Qwen2VLProcessor",
        },
        "processor_config.json": {"processor_class": "Qwen2VLProcessor"},
    }
    for name, content in files.items():
        (out / name).write_text(json.dumps(content, indent=2), encoding="utf-8")
    (out / "chat_template.jinja").write_text(_QWEN2_TEMPLATE, encoding="utf-8")


#: Checkpoints :func:`ensure_family` builds that are not rows of :data:`FAMILIES`.
UNLISTED: dict[str, Callable[[Path, int], None]] = {"qwen2-vl-files": build_qwen2_vl_files}


# -- the docs table ---------------------------------------------------------------------------


def supported_models_table() -> str:
    """The docs' "Supported models" table, one row per family of :data:`FAMILIES`."""
    lines = [
        "| family | transformers class | `--mllm` alias | install | text-only requests | "
        "R.4/R.5 attack | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for family in FAMILIES:
        alias = f"`{family.alias}`" if family.alias else "—"
        install = f"`[{family.extra}]` extra" if family.extra else "default"
        attack = "yes" if family.attack == "yes" else f"no: {family.attack}"
        lines.append(
            f"| {family.name} | `{family.model_class}` | {alias} | {install} | "
            f"{family.text_only} | {attack} | {family.notes} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python tests/mt_families.py: print the table for the docs
    print(supported_models_table(), end="")
