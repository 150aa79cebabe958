#!/usr/bin/python3
"""The PyTorch reference of `vlmd bench model`: one training step of an Idefics3 model (SmolVLM-256M by default).

Plain PyTorch (1.13, Debian's; no transformers): distill_step.py's Idefics3 (SigLIP tower with the
tanh GELU, pixel shuffle + projection, Llama decoder, untied lm_head) built from a config.json with
PyTorch's default random initialisation (weights change no shape and no timing). The work is
ModelBench's (vlmd-app/.../bench/ModelBench.java):
  - fp32, batch 1; one tile at the tower's own size (512 x 512 for SmolVLM: 1024 patches), random
    normal pixels; the sequence is the tile's image tokens (64 after the pixel shuffle) at positions
    1..64 and --text-tokens (192) random ids (never the image token) elsewhere: 256 tokens;
  - forward through tower, connector and decoder, cross entropy of the logits of every position
    against the ids themselves (mean), backward into every parameter (all require gradients); no
    optimizer step. Gradients are dropped (set to None) between steps, as ours makes new ones.
Attention is written out (matmul, softmax, matmul), as transformers' eager attention does: 1.13 has
no scaled_dot_product_attention. Prints each step's time and the peak RSS (VmHWM), --warmup steps
first, then --runs; the median of the runs.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distill_step import IDEFICS3_VISION_DEFAULTS, Idefics3, vm_hwm  # noqa: E402

DEFAULT_CONFIG = (Path(__file__).resolve().parents[2]
                  / "vlmd-app/src/main/resources/org/vlmdistill/vlmd/bench/smolvlm-256m/config.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="an Idefics3 config.json")
    ap.add_argument("--text-tokens", type=int, default=192)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    config = json.loads(a.config.read_text())
    model = Idefics3(config)
    v = {**IDEFICS3_VISION_DEFAULTS, **config["vision_config"]}
    vocab = config["text_config"]["vocab_size"]
    side = v["image_size"]
    image_tokens = (side // v["patch_size"]) ** 2 // model.scale ** 2
    seq = image_tokens + a.text_tokens
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {params:,} parameters; batch 1 x {seq} tokens ({image_tokens} image tokens from one "
          f"{side}x{side} tile + {a.text_tokens} text); torch {torch.__version__}, {a.threads} threads")
    print(f"memory: RSS peak {vm_hwm() / 2**20:.0f} MiB with the weights", flush=True)
    gen = torch.Generator().manual_seed(a.seed)
    times = []
    for i in range(a.warmup + a.runs):
        ids = torch.randint(0, vocab - 1, (1, seq), generator=gen)
        ids[ids >= model.image_token_id] += 1  # never the image token
        ids[0, 1:1 + image_tokens] = model.image_token_id
        pixels = torch.randn(1, v.get("num_channels", 3), side, side, generator=gen)
        mask = torch.ones(1, seq, dtype=torch.long)
        for p in model.parameters():
            p.grad = None
        t0 = time.perf_counter()
        logits = model.lm_head(model.hidden(ids, mask, pixels))
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids.reshape(-1))
        loss.backward()
        s = time.perf_counter() - t0
        kind = "warm-up" if i < a.warmup else f"run {i - a.warmup + 1}"
        print(f"  {kind}: step {s:.2f} s ({seq / s:.0f} tokens/s), loss {loss.item():.3f}, "
              f"peak RSS so far {vm_hwm() / 2**20:.0f} MiB", flush=True)
        if i >= a.warmup:
            times.append(s)
        del logits, loss
    print(f"step median {statistics.median(times):.2f} s over {len(times)} run(s); peak RSS {vm_hwm() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
