#!/usr/bin/env python3
"""Regenerates tests/data/transformers-tied-gptj/: a tiny GPT-J with tie_word_embeddings=True
saved by real transformers' save_pretrained(safe_serialization=True), float16. transformers
writes tied tensors once, so model.safetensors has transformer.wte.weight but no
lm_head.weight. For the core suite's regression test (tests/cli/convert_cli_test.cc) of what
the interop suite found. Run with the interop hf venv (scripts/setup-interop.sh):
    ~/.cache/ckptconv-interop/hf/bin/python tests/data/tools/make_transformers_tied.py
"""
import os
import shutil

import torch
from transformers import GPTJConfig, GPTJForCausalLM

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "transformers-tied-gptj")

torch.manual_seed(5)
model = GPTJForCausalLM(GPTJConfig(vocab_size=16, n_positions=8, n_embd=8, n_layer=1, n_head=2,
                                   rotary_dim=2, tie_word_embeddings=True))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.randn(p.shape) * 0.3)
shutil.rmtree(OUT, ignore_errors=True)
model.half().save_pretrained(OUT, safe_serialization=True)
os.remove(os.path.join(OUT, "generation_config.json"))
print(sorted(os.listdir(OUT)))
