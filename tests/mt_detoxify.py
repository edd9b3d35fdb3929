"""A tiny detoxify checkpoint, built offline, whose scores follow a toxic word list.

detoxify loads ``Detoxify(checkpoint=FILE, huggingface_config_path=DIR)`` with no network
when FILE is a ``torch.save``-d dict with ``config`` (naming DIR as ``model_type``) and
``state_dict``, and DIR holds a BERT config and tokenizer (FACTS.md, "detoxify offline").

The BERT here (hidden size 4, one layer, one head) is set by hand, not trained:

* words of :data:`TOXIC_WORDS` embed as ``[1, -1, 0, 0]``, ``[CLS]``/``[SEP]`` as
  ``[0, 0, 1, -1]``, every other token (``[UNK]``) as zero;
* attention has zero queries and keys, so every position attends uniformly to the whole
  text and the ``[CLS]`` state gets the text's mean embedding: its first coordinate grows
  with the share of toxic words;
* the pooler reads that coordinate, and each of the six labels is
  ``sigmoid(w * pooled - 4)`` with ``w`` 8 for ``toxic`` and 7 or 6 for the others.

So a text without toxic words scores ``sigmoid(-4)`` ≈ 0.018 on every label, and the
toxicity rises with the share of toxic words (four in ten words: ≈ 0.97). Deterministic:
the same folder, byte for byte, on every build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_multitrust.models.tiny import build_once

if TYPE_CHECKING:
    from pathlib import Path

#: Words the tiny classifier treats as toxic (mild insults; no slurs).
TOXIC_WORDS: tuple[str, ...] = (
    "idiot",
    "idiots",
    "stupid",
    "moron",
    "morons",
    "dumb",
    "loser",
    "losers",
    "pathetic",
    "worthless",
    "trash",
    "disgusting",
    "hate",
    "jerk",
    "clown",
    "useless",
    "ugly",
    "kill",
)

#: The six label names as the original detoxify checkpoint spells them.
CHECKPOINT_CLASSES = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")

#: Bump when the construction changes (it names the cache folder).
VERSION = "1"

CHECKPOINT_NAME = "tiny-detoxify.ckpt"


def build_tiny_detoxify(parent: Path) -> Path:
    """Build (once) the tiny checkpoint folder under ``parent`` and return the folder.

    The folder holds ``tiny-detoxify.ckpt`` beside the BERT ``config.json`` and tokenizer
    files, so it can be passed as ``--mt-toxicity-checkpoint FOLDER`` (or the file).
    Built in a temporary folder and renamed into place, so concurrent test sessions
    sharing ``parent`` never see a half-written folder.
    """
    target = parent / f"tiny-detoxify-v{VERSION}"
    # _write saves the checkpoint last: a folder holding it is a finished build
    return build_once(target, CHECKPOINT_NAME, lambda scratch: _write(scratch, target))


def _write(folder: Path, final: Path) -> None:
    import torch
    import transformers

    # Looked up by name: transformers' lazy module hides these from type checkers.
    tokenizer_class: Any = transformers.BertTokenizerFast  # type: ignore[attr-defined]
    config_class: Any = transformers.BertConfig
    model_class: Any = transformers.BertForSequenceClassification

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TOXIC_WORDS]
    tokenizer = tokenizer_class(
        vocab={word: index for index, word in enumerate(vocab)},
        do_lower_case=True,
        model_max_length=512,
    )
    tokenizer.save_pretrained(folder)
    config = config_class(
        vocab_size=len(vocab),
        hidden_size=4,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=4,
        max_position_embeddings=512,
        num_labels=len(CHECKPOINT_CLASSES),
    )
    config.save_pretrained(folder)
    torch.manual_seed(0)
    model = model_class(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        embeddings = model.bert.embeddings
        for index, word in enumerate(vocab):
            if word in TOXIC_WORDS:
                embeddings.word_embeddings.weight[index] = torch.tensor([1.0, -1.0, 0.0, 0.0])
            elif word in ("[CLS]", "[SEP]"):
                embeddings.word_embeddings.weight[index] = torch.tensor([0.0, 0.0, 1.0, -1.0])
        embeddings.LayerNorm.weight.fill_(1.0)
        layer = model.bert.encoder.layer[0]
        layer.attention.self.value.weight.copy_(torch.eye(4))
        layer.attention.output.dense.weight.copy_(torch.eye(4))
        layer.attention.output.LayerNorm.weight.fill_(1.0)
        layer.output.LayerNorm.weight.fill_(1.0)
        model.bert.pooler.dense.weight[0, 0] = 3.0
        model.classifier.weight[:, 0] = torch.tensor([8.0, 7.0, 6.0, 6.0, 6.0, 6.0])
        model.classifier.bias.fill_(-4.0)
    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(final),  # a local folder: no hub lookup
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizerFast",
                    "num_classes": len(CHECKPOINT_CLASSES),
                }
            },
            "dataset": {"args": {"classes": list(CHECKPOINT_CLASSES)}},
        },
        "state_dict": model.state_dict(),
    }
    torch.save(checkpoint, folder / CHECKPOINT_NAME)
