"""Writes internvit_qknorm_rms/: an InternViT-6B-style tower (RMSNorm, q/k normalisation, no qkv bias),
3 layers, hidden 32, 4 heads, random weights and layer scale, run by OpenGVLab/InternVL's own
modeling_intern_vit.py (snapshot 2410d1dbf208) on Debian's python3-torch 1.13.1 CPU, fp32.

    /usr/bin/python3 make_internvit_qknorm_rms.py DIR_WITH_REFERENCE_FILES OUT_DIR

DIR_WITH_REFERENCE_FILES holds modeling_intern_vit.py and configuration_intern_vit.py from
internvl_chat/internvl/model/internvl_chat/ of that snapshot. The reference imports transformers, timm
and einops only for plumbing (a config base class, a model base class, output records, the GELU of
ACT2FN, DropPath at rate 0, rearrange on the flash-attention path, which is off); those are stubbed
below, the modules' maths is the reference's own.
"""
import json
import struct
import sys
import types

import numpy as np
import torch
from torch import nn

ref_dir, out_dir = sys.argv[1], sys.argv[2]


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class PretrainedConfig:
    def __init__(self, **kwargs):
        self.output_hidden_states = False
        self.use_return_dict = True
        self.__dict__.update(kwargs)


class PreTrainedModel(nn.Module):
    def __init__(self, config, *args, **kwargs):
        super().__init__()
        self.config = config


class Output:
    """transformers' ModelOutput records: fields by name, None where unset."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __getattr__(self, name):
        return None


class Logger:
    def __getattr__(self, name):
        return lambda *a, **k: None


module("transformers")
module("transformers.configuration_utils", PretrainedConfig=PretrainedConfig)
module("transformers.modeling_utils", PreTrainedModel=PreTrainedModel)
module("transformers.modeling_outputs", BaseModelOutput=Output, BaseModelOutputWithPooling=Output)
module("transformers.activations", ACT2FN={"gelu": nn.GELU()})
module("transformers.utils", logging=types.SimpleNamespace(get_logger=lambda name: Logger()))
module("timm")
module("timm.models")
module("timm.models.layers", DropPath=lambda rate: nn.Identity())
module("einops", rearrange=None)
pkg = module("ref")
pkg.__path__ = [ref_dir]
sys.path.insert(0, ref_dir)

import importlib.util  # noqa: E402


def load(name):
    spec = importlib.util.spec_from_file_location("ref." + name, f"{ref_dir}/{name}.py")
    m = importlib.util.module_from_spec(spec)
    sys.modules["ref." + name] = m
    spec.loader.exec_module(m)
    return m


configuration = load("configuration_intern_vit")
modeling = load("modeling_intern_vit")

vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4, image_size=56,
              patch_size=14, num_channels=3, hidden_act="gelu", layer_norm_eps=1e-6, norm_type="rms_norm",
              qkv_bias=False, qk_normalization=True, initializer_factor=0.1, use_flash_attn=False,
              dropout=0.0, drop_path_rate=0.0, attention_dropout=0.0, initializer_range=0.02)
config = configuration.InternVisionConfig(**vision)
torch.manual_seed(20)
model = modeling.InternVisionModel(config).eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        # norms and layer scale around their init, everything else N(0, 0.3): every term matters
        if "norm" in name or ".ls" in name:
            p.copy_(p + 0.3 * torch.randn_like(p))
        else:
            p.copy_(0.3 * torch.randn_like(p))

tensors = {"vision_model." + k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
header, offset, blobs = {}, 0, []
for k in sorted(tensors):
    b = tensors[k].numpy().tobytes()
    header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [offset, offset + len(b)]}
    offset += len(b)
    blobs.append(b)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
import os  # noqa: E402

os.makedirs(f"{out_dir}/model", exist_ok=True)
with open(f"{out_dir}/model/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
config_json = {
    "model_type": "internvl_chat", "ps_version": "v2", "select_layer": -2, "downsample_ratio": 0.5,
    "vision_config": dict(vision, model_type="intern_vit_6b", architectures=["InternVisionModel"]),
    "llm_config": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 16,
                   "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                   "num_key_value_heads": 1, "vocab_size": 32},
}
with open(f"{out_dir}/model/config.json", "w") as f:
    json.dump(config_json, f, indent=2)

torch.manual_seed(21)
inputs = {"56x56": torch.randn(2, 3, 56, 56), "70x84": torch.randn(1, 3, 70, 84)}
with torch.no_grad():
    for size, px in inputs.items():
        out = model(pixel_values=px, output_hidden_states=True, return_dict=True)
        np.save(f"{out_dir}/pixel_values_{size}.npy", px.numpy())
        np.save(f"{out_dir}/expected_last_hidden_{size}.npy", out.last_hidden_state.numpy())
        np.save(f"{out_dir}/expected_hidden_states_m2_{size}.npy", out.hidden_states[-2].numpy())
        print(size, tuple(out.last_hidden_state.shape), float(out.last_hidden_state.abs().max()))
