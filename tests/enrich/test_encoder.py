"""The shared MiniLM encoder: lower and top layers run apart equal the whole pass."""

from __future__ import annotations

import pytest
import torch

from newswatch.enrich.encoder import frozen_states, load_encoder, pad, tokenizer, top_states


@pytest.mark.parametrize("trained", [1, 3, 5])
def test_frozen_then_top_layers_equal_the_full_forward_pass(trained):
    encoder, words = load_encoder().eval(), tokenizer()
    texts = ["A short one.", "A longer sentence about the corridor, its roads, ports and plants."]
    ids, mask = pad([torch.tensor(words(t)["input_ids"]) for t in texts])
    with torch.no_grad():
        full = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        split = top_states(encoder, frozen_states(encoder, ids, mask, trained), mask, trained)
    real = mask.bool()  # padding rows differ and are never read
    assert torch.allclose(full[real], split[real], atol=1e-5)
