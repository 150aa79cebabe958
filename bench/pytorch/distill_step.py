#!/usr/bin/python3
"""The PyTorch reference of `vlmd bench distill`: one TAID distillation step on the tiny Idefics3 pair.

Plain PyTorch (1.13, Debian's; no transformers). Run it on a directory that
`vlmd bench distill --keep DIR` wrote: DIR/student and DIR/teacher (config.json,
model.safetensors, tokenizer.json, preprocessor_config.json) and DIR/shapes/train.jsonl. So the
models have our shapes by construction, and start from our weights (model.safetensors is parsed
by hand below; --random-init skips that, which changes no shape and no timing).

What one step does, as our Trainer does it (distill/.../train/Trainer.java):
  - batch of 8 Shapes samples, rendered with the tokenizer_config.json chat template, the <image>
    placeholder expanded per model (Idefics3 layout): the student (longest edge 64, tiles of 32,
    scale factor 2) gets a 2x2 grid + a global tile, 5 x 4 = 20 image tokens plus 11 marker
    tokens, pixel_values [5, 3, 32, 32] per image; the teacher (longest edge 32, one tile, scale
    factor 1) gets one global tile, 16 image tokens plus 3 markers, pixel_values [1, 3, 32, 32].
    Tokenized like our WordLevel tokenizer (specials as added tokens, then \\w+|[^\\w\\s]+ words),
    labels on the assistant turn (its words and <end_of_utterance>), right padding;
  - the loss rows: student positions whose next token is labelled; the teacher's row for each is
    the teacher position with the same index among text positions (outside image spans);
  - the teacher's forward under no_grad (its lm_head on those rows only), the student's forward
    with the vision tower frozen (no gradient; the connector and the text model train), the
    lm_head on the loss rows only, both logits cut to the shared tokenizer vocabulary;
  - TAID per docs (shared/design/TAID.md): p_t = softmax((1-t) stopgrad(z_s) + t z_t) in fp32,
    loss = -sum p_t log_softmax(z_s), masked token mean; t_start 0.4, t_end 1, alpha 5e-4,
    beta 0.99, the adaptive update once per step with t_linear over --steps total steps; the
    cross entropy on the labels is computed alongside (no gradient) as ours logs "lm";
  - backward, global grad-norm clip 1.0, AdamW (lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight decay).
Time per step: from the start of the teacher's forward to the end of the optimizer step. Batches
(ids, masks, labels, pixel_values from the PNGs with PIL) are made before timing; ours makes them
in a prefetch thread, overlapped with the step, so neither side counts them in the step.

Tokens/s: the student's real (unpadded) tokens of a step over the step's wall time, the median
of the steps after --warmup, as ours defines it. The batches hold the same samples as ours, drawn
in a seeded order of our Shapes file, not in our loader's order, so the tokens a step differ a
little step by step; the script prints its median tokens/step, and bench/vs-pytorch prints ours
(from metrics.jsonl) beside it.

At published shapes (`vlmd bench distill --keep DIR` without --tiny: SmolVLM-500M teaching SmolVLM-256M from
their published config.json, random weights; run this with --batch 1) the same code runs the same
directories: each model's processor resizes a Shapes image to 2048 and cuts 4 x 4 tiles of 512 plus the
global one, 64 image tokens a tile after the pixel shuffle (scale factor 4); the word-level tokenizer is
padded to the config's 49,280 words, so both sides' loss runs over the whole vocabulary. --split --no-ops
times each phase of every step, for bench/vs-pytorch --published.

Differences that remain: attention is written out (matmul, mask, softmax, matmul: 1.13 has no
scaled_dot_product_attention; ours calls libtorch's); ours also runs a loss in chunks of rows
(one chunk at this size) and writes metrics.jsonl each step (inside its step time).
"""
import argparse
import json
import math
import random
import re
import resource
import statistics
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

IMAGE_PLACEHOLDER = "<image>"


# ---------------------------------------------------------------- weights
def read_safetensors_into(path, params):
    """Reads an F32 safetensors file (8-byte header length, JSON header, raw data) straight into the
    parameters: params(name) gives the tensor a stored name goes to; each tensor's bytes are read into
    its storage, so loading holds nothing beside the model (a 2 GB teacher is not held twice, which
    would raise the peak RSS this benchmark compares)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        seen = set()
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] != "F32":
                raise SystemExit(f"{path}: {name} is {info['dtype']}, this reader knows F32 only")
            target = params(name)
            if list(target.shape) != info["shape"]:
                raise SystemExit(f"{path}: {name} has shape {info['shape']}, the model's is {list(target.shape)}")
            a, b = info["data_offsets"]
            f.seek(8 + n + a)
            with torch.no_grad():
                if f.readinto(memoryview(target.detach().numpy()).cast("B")) != b - a:
                    raise SystemExit(f"{path}: {name} is cut short")
            seen.add(name)
    return seen


# ---------------------------------------------------------------- model
class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class VisionLayer(nn.Module):
    def __init__(self, d, inter, heads, eps):
        super().__init__()
        self.heads = heads
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)
        self.self_attn = nn.ModuleDict({k: nn.Linear(d, d) for k in ("q_proj", "k_proj", "v_proj", "out_proj")})
        self.mlp = nn.ModuleDict({"fc1": nn.Linear(d, inter), "fc2": nn.Linear(inter, d)})

    def forward(self, x):
        b, l, d = x.shape
        h = self.layer_norm1(x)
        a = self.self_attn
        q, k, v = (a[n](h).view(b, l, self.heads, -1).transpose(1, 2) for n in ("q_proj", "k_proj", "v_proj"))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), -1) @ v
        x = x + a["out_proj"](att.transpose(1, 2).reshape(b, l, d))
        h = self.layer_norm2(x)
        return x + self.mlp["fc2"](F.gelu(self.mlp["fc1"](h), approximate="tanh"))


class VisionTower(nn.Module):
    """SigLIP as Idefics3 uses it: patch embedding, learned positions, pre-LN layers, post-LN."""

    def __init__(self, c):
        super().__init__()
        d, p, eps = c["hidden_size"], c["patch_size"], c.get("layer_norm_eps", 1e-6)
        self.patch_embedding = nn.Conv2d(c.get("num_channels", 3), d, p, stride=p)
        self.position_embedding = nn.Embedding((c["image_size"] // p) ** 2, d)
        self.layers = nn.ModuleList(VisionLayer(d, c["intermediate_size"], c["num_attention_heads"], eps)
                                    for _ in range(c["num_hidden_layers"]))
        self.post_layernorm = nn.LayerNorm(d, eps=eps)

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2) + self.position_embedding.weight
        for layer in self.layers:
            x = layer(x)
        return self.post_layernorm(x)


def rope(seq, dim, theta):
    inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    f = torch.outer(torch.arange(seq, dtype=torch.float32), inv)
    e = torch.cat((f, f), -1)
    return e.cos(), e.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, i = c["hidden_size"], c["intermediate_size"]
        self.heads, self.kv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.hd = c.get("head_dim", d // self.heads)
        eps = c.get("rms_norm_eps", 1e-6)
        self.input_layernorm = RMSNorm(d, eps)
        self.post_attention_layernorm = RMSNorm(d, eps)
        self.self_attn = nn.ModuleDict({
            "q_proj": nn.Linear(d, self.heads * self.hd, bias=False),
            "k_proj": nn.Linear(d, self.kv * self.hd, bias=False),
            "v_proj": nn.Linear(d, self.kv * self.hd, bias=False),
            "o_proj": nn.Linear(self.heads * self.hd, d, bias=False)})
        self.mlp = nn.ModuleDict({"gate_proj": nn.Linear(d, i, bias=False), "up_proj": nn.Linear(d, i, bias=False),
                                  "down_proj": nn.Linear(i, d, bias=False)})

    def forward(self, x, cos, sin, bias):
        b, s, _ = x.shape
        h = self.input_layernorm(x)
        a = self.self_attn
        q = a["q_proj"](h).view(b, s, self.heads, self.hd).transpose(1, 2)
        k = a["k_proj"](h).view(b, s, self.kv, self.hd).transpose(1, 2)
        v = a["v_proj"](h).view(b, s, self.kv, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias, -1) @ v
        x = x + a["o_proj"](att.transpose(1, 2).reshape(b, s, -1))
        h = self.post_attention_layernorm(x)
        m = self.mlp
        return x + m["down_proj"](F.silu(m["gate_proj"](h)) * m["up_proj"](h))


# transformers' Idefics3VisionConfig defaults, for the fields a published config.json leaves out (SmolVLM's
# gives no num_hidden_layers: 12); vlm-core's SiglipVisionConfig.readIdefics3 reads the same ones
IDEFICS3_VISION_DEFAULTS = {"hidden_size": 1152, "intermediate_size": 3072, "num_hidden_layers": 12,
                            "num_attention_heads": 16, "num_channels": 3, "image_size": 224, "patch_size": 32,
                            "layer_norm_eps": 1e-6}


class Idefics3(nn.Module):
    """Idefics3ForConditionalGeneration's computation: vision tower, pixel shuffle + bias-free
    projection, image features put at the image tokens, Llama decoder, untied lm_head."""

    def __init__(self, config):
        super().__init__()
        t, v = config["text_config"], {**IDEFICS3_VISION_DEFAULTS, **config["vision_config"]}
        self.image_token_id = config["image_token_id"]
        self.scale = config.get("scale_factor", 2)
        self.theta = t.get("rope_theta", 10000.0)
        self.vision_model = VisionTower(v)
        self.proj = nn.Linear(v["hidden_size"] * self.scale ** 2, t["hidden_size"], bias=False)
        self.embed_tokens = nn.Embedding(t["vocab_size"], t["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(t) for _ in range(t["num_hidden_layers"]))
        self.norm = RMSNorm(t["hidden_size"], t.get("rms_norm_eps", 1e-6))
        self.lm_head = nn.Linear(t["hidden_size"], t["vocab_size"], bias=False)
        self.head_dim = self.layers[0].hd

    def load_hf(self, path):
        """Our model.safetensors (HF Idefics3 names) read into this model's parameters, every one of them."""
        own = dict(self.named_parameters())

        def param(k):
            if k in ("lm_head.weight",):
                n = k
            elif k == "model.connector.modality_projection.proj.weight":
                n = "proj.weight"
            elif k.startswith("model.text_model."):
                n = k[len("model.text_model."):]
            elif k.startswith("model.vision_model."):
                n = "vision_model." + k[len("model.vision_model."):].replace("encoder.", "").replace(
                    "embeddings.", "")
            else:
                raise SystemExit(f"{path}: unexpected tensor {k}")
            if n not in own:
                raise SystemExit(f"{path}: {k} ({n}) is not a parameter of the model")
            return own[n]

        read = read_safetensors_into(path, param)
        if len(read) != len(own):
            raise SystemExit(f"{path}: {len(read)} tensors for the model's {len(own)} parameters")

    def pixel_shuffle(self, x):
        b, seq, d = x.shape
        s, side = self.scale, int(math.isqrt(seq))
        x = x.view(b, side, side // s, d * s).permute(0, 2, 1, 3)
        x = x.reshape(b, side // s, side // s, d * s * s).permute(0, 2, 1, 3)
        return x.reshape(b, seq // (s * s), d * s * s)

    def hidden(self, ids, mask, pixels):
        embeds = self.embed_tokens(ids)
        features = self.proj(self.pixel_shuffle(self.vision_model(pixels)))
        embeds = embeds.masked_scatter((ids == self.image_token_id).unsqueeze(-1),
                                       features.reshape(-1, features.shape[-1]))
        b, s = ids.shape
        cos, sin = rope(s, self.head_dim, self.theta)
        causal = torch.ones(s, s, dtype=torch.bool).tril()
        allowed = causal.unsqueeze(0) & mask.bool().unsqueeze(1)
        bias = torch.zeros(b, 1, s, s).masked_fill(~allowed.unsqueeze(1), torch.finfo(torch.float32).min)
        x = embeds
        for layer in self.layers:
            x = layer(x, cos, sin, bias)
        return self.norm(x)


# ---------------------------------------------------------------- data
class Tokenizer:
    """Our tiny WordLevel tokenizer.json: added (special) tokens matched first, then the Whitespace
    pre-tokenizer's \\w+|[^\\w\\s]+ pieces looked up, unknown -> <unk>."""

    def __init__(self, model_dir):
        t = json.loads((model_dir / "tokenizer.json").read_text())
        self.vocab = t["model"]["vocab"]
        self.unk = self.vocab[t["model"].get("unk_token", "<unk>")]
        specials = sorted((a["content"] for a in t["added_tokens"]), key=len, reverse=True)
        self.special = re.compile("(" + "|".join(re.escape(s) for s in specials) + ")")
        self.words = re.compile(r"\w+|[^\w\s]+", re.ASCII)
        self.added = {a["content"]: a["id"] for a in t["added_tokens"]}

    def encode(self, text):
        out = []
        for piece in self.special.split(text):
            if piece in self.added:
                out.append(self.added[piece])
            else:
                out.extend(self.vocab.get(w, self.unk) for w in self.words.findall(piece))
        return out


def image_layout(model_dir, config):
    """(tile grid rows, cols) of a 64x64 Shapes image and the Idefics3 expansion, per Idefics3ImageTokens."""
    pre = json.loads((model_dir / "preprocessor_config.json").read_text())
    v = {**IDEFICS3_VISION_DEFAULTS, **config["vision_config"]}
    per_tile = (v["image_size"] // v["patch_size"]) ** 2 // config["scale_factor"] ** 2
    return pre["size"]["longest_edge"], pre["max_image_size"]["longest_edge"], per_tile


def expansion(rows, cols, per_tile):
    run = "<image>" * per_tile
    glob = "<fake_token_around_image><global-img>" + run + "<fake_token_around_image>"
    if rows == 0:
        return glob
    s = ""
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            s += f"<fake_token_around_image><row_{r}_col_{c}>" + run
        s += "\n"
    return s + "\n" + glob


def tiles(image, longest, tile):
    """Idefics3ImageProcessor for a square image: resize to the longest edge, split into whole tiles
    plus the global image squashed to one tile (LANCZOS, resample 1), normalized with mean = std = 0.5."""
    from PIL import Image
    import numpy as np
    im = image.convert("RGB").resize((longest, longest), Image.LANCZOS)
    parts, grid = [], (0, 0)
    if longest > tile:
        n = math.ceil(longest / tile)
        grid = (n, n)
        parts = [im.crop((c * tile, r * tile, (c + 1) * tile, (r + 1) * tile)) for r in range(n) for c in range(n)]
        parts.append(im.resize((tile, tile), Image.LANCZOS))
    else:
        parts = [im.resize((tile, tile), Image.LANCZOS)]
    arr = np.stack([np.asarray(p, dtype=np.float32) / 255.0 for p in parts])  # [n, h, w, 3]
    return torch.from_numpy((arr - 0.5) / 0.5).permute(0, 3, 1, 2).contiguous(), grid


def encode_sample(record, tok, layout, image_dir):
    from PIL import Image
    longest, tile, per_tile = layout
    pixels, grid = tiles(Image.open(image_dir / record["image"]), longest, tile)
    exp = expansion(grid[0], grid[1], per_tile)
    ids, labels, in_image = [tok.added["<|im_start|>"]], [-100], [False]
    for turn in record["conversations"]:
        user = turn["from"] == "human"
        head = tok.encode("User:" if user else "Assistant:")
        ids += head; labels += [-100] * len(head); in_image += [False] * len(head)
        text = turn["value"]
        if IMAGE_PLACEHOLDER in text:
            before, after = text.split(IMAGE_PLACEHOLDER, 1)
            for part, image in ((before, False), (exp, True), (after, False)):
                p = tok.encode(part)
                ids += p; labels += [-100] * len(p); in_image += [image] * len(p)
            body = []
        else:
            body = tok.encode(text)
        body += [tok.added["<end_of_utterance>"]]
        ids += body
        labels += [-100] * len(body) if user else body
        in_image += [False] * len(body)
    return ids, labels, in_image, pixels


def collate(samples):
    t = max(len(s[0]) for s in samples)
    b = len(samples)
    ids = torch.zeros(b, t, dtype=torch.long)
    mask = torch.zeros(b, t, dtype=torch.long)
    for i, s in enumerate(samples):
        ids[i, :len(s[0])] = torch.tensor(s[0])
        mask[i, :len(s[0])] = 1
    pixels = torch.cat([s[3] for s in samples])
    return ids, mask, pixels


def align(student, teacher):
    """Loss rows (flat student index, flat teacher index, label), as StreamAlignment matches them."""
    ts = max(len(s[0]) for s in student)
    tt = max(len(s[0]) for s in teacher)
    si, ti, lab = [], [], []
    for b, (s, t) in enumerate(zip(student, teacher)):
        s_text = [i for i in range(len(s[0])) if not s[2][i]]
        t_text = [i for i in range(len(t[0])) if not t[2][i]]
        if [s[0][i] for i in s_text] != [t[0][i] for i in t_text]:
            raise SystemExit("student and teacher texts differ")
        t_of = {p: t_text[k] for k, p in enumerate(s_text)}
        for i in range(len(s[0]) - 1):
            if s[1][i + 1] != -100:
                si.append(b * ts + i); ti.append(b * tt + t_of[i]); lab.append(s[1][i + 1])
    return torch.tensor(si), torch.tensor(ti), torch.tensor(lab)


# ---------------------------------------------------------------- TAID
class Taid:
    def __init__(self, total_steps, t_start=0.4, t_end=1.0, alpha=5e-4, beta=0.99):
        self.t, self.t_start, self.t_end, self.alpha, self.beta = t_start, t_start, t_end, alpha, beta
        self.total, self.prev, self.m, self.first = total_steps, float("inf"), 0.0, True

    def loss(self, z_s, z_t, mask):
        z_s, z_t = z_s.float(), z_t.float()
        p_t = torch.softmax((1 - self.t) * z_s.detach() + self.t * z_t, -1)
        logq = torch.log_softmax(z_s, -1)
        x = torch.masked_fill(p_t * logq, torch.isinf(z_s), 0).sum(-1)
        return -(x * mask).sum() / mask.sum()

    def update(self, j, step):
        """Once per loss call, J detached; step = optimizer steps taken before this one."""
        if self.first:
            self.prev, self.first = j, False
            return
        delta = (self.prev - j) / (self.prev + 1e-15)
        self.m = self.beta * self.m + (1 - self.beta) * delta
        dt = self.alpha * (1 / (1 + math.exp(-self.m))) * (1 - self.t)
        t_linear = self.t_start + (self.t_end - self.t_start) * step / self.total
        self.t = min(self.t_end, max(t_linear, self.t + dt))
        self.prev = j


def vm_hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="a directory `vlmd bench distill --keep DIR` wrote")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random-init", action="store_true", help="do not load model.safetensors")
    ap.add_argument("--verbose", action="store_true", help="a line per step")
    ap.add_argument("--split", action="store_true",
                    help="also time the step's phases (medians) and count the aten ops a step calls")
    ap.add_argument("--no-ops", action="store_true",
                    help="with --split: do not profile a step to count its aten ops (every step is then timed)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    models, toks, layouts = {}, {}, {}
    for role in ("student", "teacher"):
        d = a.dir / role
        config = json.loads((d / "config.json").read_text())
        m = Idefics3(config)
        if not a.random_init:
            m.load_hf(d / "model.safetensors")
        models[role], toks[role], layouts[role] = m, Tokenizer(d), image_layout(d, config)
    student, teacher = models["student"], models["teacher"]
    teacher.requires_grad_(False).eval()
    student.vision_model.requires_grad_(False)
    vocab = len(toks["student"].vocab)
    if toks["teacher"].vocab != toks["student"].vocab:
        raise SystemExit("the two tokenizers differ")
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    taid = Taid(a.steps)

    data = a.dir / "shapes" / "train.jsonl"
    records = [json.loads(l) for l in data.read_text().splitlines() if l.strip()]
    order = list(range(len(records)))
    random.Random(a.seed).shuffle(order)
    need = a.batch * a.steps
    order = (order * (need // len(order) + 1))[:need]

    def batches():
        """Each step's batch, made just before the step, outside its time (at published shapes a sample is 17
        tiles of 3 x 512 x 512 per model: all steps' batches made up front would add to the peak RSS)."""
        for s in range(a.steps):
            recs = [records[i] for i in order[s * a.batch:(s + 1) * a.batch]]
            enc = {r: [encode_sample(x, toks[r], layouts[r], data.parent) for x in recs] for r in ("student", "teacher")}
            yield enc, collate(enc["student"]), collate(enc["teacher"])

    seconds, tokens, phases = [], [], []
    for step, (enc, (s_ids, s_mask, s_pix), (t_ids, t_mask, t_pix)) in enumerate(batches()):
        marks = []
        mark = (lambda: marks.append(time.perf_counter())) if a.split else (lambda: None)
        prof = None
        if a.split and not a.no_ops and step == a.warmup:
            from torch.profiler import profile
            prof = profile()
            prof.__enter__()
        t0 = time.perf_counter()
        si, ti, labels = align(enc["student"], enc["teacher"])
        mark()
        with torch.no_grad():
            th = teacher.hidden(t_ids, t_mask, t_pix)
            z_t = teacher.lm_head(th.reshape(-1, th.shape[-1])[ti])[:, :vocab]
        mark()
        sh = student.hidden(s_ids, s_mask, s_pix)
        z_s = student.lm_head(sh.reshape(-1, sh.shape[-1])[si])[:, :vocab]
        mark()
        rows = torch.ones(len(si))
        loss = taid.loss(z_s, z_t, rows)
        with torch.no_grad():
            lm = F.cross_entropy(z_s.float(), labels).item()
        mark()
        loss.backward()
        mark()
        j = loss.item()
        taid.update(j, step)
        norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        if prof is not None:
            prof.__exit__(None, None, None)
            ev = [e for e in prof.events() if e.name.startswith("aten::")]
            top = [e for e in ev if e.cpu_parent is None or not e.cpu_parent.name.startswith("aten::")]
            print(f"aten ops in step {step + 1} (profiled, not in the medians): {len(ev)} in all, "
                  f"{len(top)} called from Python or the autograd engine (not from inside another aten op)")
        elif a.split:
            mark()
            edges = [t0] + marks
            phases.append([y - x for x, y in zip(edges, edges[1:])])
        n = int(s_mask.sum())
        seconds.append(dt)
        tokens.append(n)
        if a.verbose:
            print(f"step {step + 1}: loss {j:.4f} lm {lm:.4f} t {taid.t:.4f} grad_norm {float(norm):.4f} "
                  f"tokens {n} rows {len(si)} {dt:.4f} s", flush=True)
    if a.split and a.no_ops:
        phases = phases[a.warmup:]
    elif a.split:
        phases, seconds, tokens = phases[a.warmup:], seconds[:a.warmup] + seconds[a.warmup + 1:], \
            tokens[:a.warmup] + tokens[a.warmup + 1:]
    if a.split:
        names = ("align", "teacher forward", "student forward", "loss (+lm metric)", "backward",
                 "clip + AdamW + t update")
        print("phases (median s a step): " + ", ".join(
            f"{n} {statistics.median(p[i] for p in phases):.4f}" for i, n in enumerate(names)))
    s, tk = seconds[a.warmup:], tokens[a.warmup:]
    rate = [n / x for n, x in zip(tk, s)]
    print(f"student {sum(p.numel() for p in student.parameters()):,} / teacher "
          f"{sum(p.numel() for p in teacher.parameters()):,} parameters, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"pytorch distill step (taid), batch {a.batch}, {statistics.median(tk):.0f} tokens a step: "
          f"{statistics.median(s):.4f} s a step, {statistics.median(rate):.0f} tokens/s "
          f"(medians of {len(s)} steps after {a.warmup} warm-up)")
    print(f"peak RSS {vm_hwm() / 2**20:.1f} MiB (VmHWM of this process)")


if __name__ == "__main__":
    sys.exit(main())
