"""A tiny random copy model for tests: no download, builds in well under a second.

Name its folder as the local copywriter's ``PATH``::

    folder = build_tiny_copy_model(tmp_path)
    AI_ASSIST = {"COPYWRITERS": {"local": {"PATH": str(folder)}}}

It writes random words from a small vocabulary that includes a price and
the prompt's own labels, so what it writes exercises the copy filter.
"""

from pathlib import Path

VOCABULARY = [
    "<pad>",
    "<eos>",
    "<bos>",
    "<unk>",
    # transformers' stop-string support probes the vocabulary with this.
    "abcdef",
    "###",
    "Headline:",
    "Description:",
    "Call",
    "to",
    "action:",
    "\n",
    "Warm",
    "red",
    "hoodie",
    "fleece",
    "Shop",
    "now",
    "£9.99",
    "20%",
    "off",
    "标题：",
    "描述：",
    "按钮：",
    "连帽衫",
    "立即选购",
]


def build_tiny_copy_model(folder, seed=0):
    """Save a 1-layer Gemma-3 with a word-level tokenizer into ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        Gemma3ForCausalLM,
        Gemma3TextConfig,
        PreTrainedTokenizerFast,
    )

    folder = Path(folder)
    vocab = {word: index for index, word in enumerate(VOCABULARY)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    # A prefix no token uses, so "###" is not read as a word continuation.
    backend.decoder = decoders.WordPiece(prefix="\u0001")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        eos_token="<eos>",
        bos_token="<bos>",
        unk_token="<unk>",
    )
    torch.manual_seed(seed)
    config = Gemma3TextConfig(
        vocab_size=len(VOCABULARY),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=8,
        max_position_embeddings=512,
        sliding_window=64,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    Gemma3ForCausalLM(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
