"""Inputs and expected uint8 tiles for AlphaProcessorTest: what transformers v4.47.0's image processors
make of an RGBA image and of a palette image with transparency, written out step by step with Pillow
and numpy only (Debian 12: python3-pil 9.4.0, python3-numpy). Run in this folder: python3 make_alpha_tiles.py

Inputs, as the decoder gives them (Pillow's bands):
  rgba.png -> rgba.rgb + rgba.alpha   (97x61; colour under every pixel, alpha with holes, ramps, edges)
  palette.png -> palette.rgb          (97x61, mode P, tRNS: entries 3 and 7 transparent, 5 half)
  palette32.png -> palette32.rgb      (32x32, likewise)
  palette*-composited.rgb             what the decoder gave before it kept alpha (composited onto white)
Expected tiles, row-major RGB, tiles one after another:
  clip-*.rgb      CLIPImageProcessor, shortest_edge 32, crop 32x32, BICUBIC (LLaVA-1.5)
  siglip-*.rgb    SiglipImageProcessor, 32x32, BICUBIC
  idefics3-*.rgb  Idefics3ImageProcessor, longest_edge 64, max_image_size 32, splitting, LANCZOS
                  (palette32: longest_edge 32, so nothing is resized)
"""
import math

import numpy as np
from PIL import Image

W, H = 97, 61
TILE = 32


def rgba_image():
    y, x = np.mgrid[0:H, 0:W]
    r = (x * 255 // (W - 1)).astype(np.uint8)
    g = (y * 255 // (H - 1)).astype(np.uint8)
    b = ((x * 7 + y * 13) % 256).astype(np.uint8)
    a = np.full((H, W), 255, np.uint8)
    a[:, 40:70] = (np.arange(30) * 255 // 29).astype(np.uint8)  # a ramp
    a[(x - 20) ** 2 + (y - 30) ** 2 < 150] = 0  # a hole; vivid colour under it
    a[5:15, 75:95] = 0
    a[40:55, 72:90] = 96
    return Image.fromarray(np.dstack([r, g, b, a]), "RGBA")


def palette_image(w, h):
    entries = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 0, 255), (255, 255, 0), (0, 255, 255),
               (128, 64, 0), (20, 200, 90), (0, 0, 0), (255, 255, 255), (90, 90, 90), (200, 120, 40),
               (40, 120, 200), (120, 40, 200), (10, 10, 120), (250, 180, 180)]
    y, x = np.mgrid[0:h, 0:w]
    idx = ((x // 5 + y // 4) + (x * y) // 37) % 16
    p = Image.fromarray(idx.astype(np.uint8), "P")
    p.putpalette([c for e in entries for c in e])
    alphas = [255] * 16
    alphas[3] = alphas[7] = 0
    alphas[5] = 128
    p.info["transparency"] = bytes(alphas)
    return p


def clip(img):
    rgb = img.convert("RGB")  # image_transforms.convert_to_rgb
    w, h = rgb.size
    short, long_ = min(w, h), max(w, h)
    other = int(TILE * long_ / short)  # get_resize_output_image_size(default_to_square=False)
    rgb = rgb.resize((TILE, other) if w <= h else (other, TILE), Image.BICUBIC)
    a = np.asarray(rgb)
    top, left = (a.shape[0] - TILE) // 2, (a.shape[1] - TILE) // 2  # center_crop
    return [a[top:top + TILE, left:left + TILE]]


def siglip(img):
    return [np.asarray(img.convert("RGB").resize((TILE, TILE), Image.BICUBIC))]


def pil_resize(arr, w, h):
    """Idefics3ImageProcessor.resize: a one-channel array becomes mode P (so Pillow resizes it NEAREST)."""
    mode = "P" if arr.shape[-1] == 1 else None
    im = Image.fromarray(arr[..., 0] if mode else arr, mode)
    out = np.asarray(im.resize((w, h), Image.LANCZOS))
    return out[..., None] if out.ndim == 2 else out


def idefics3(img, longest):
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    arr = arr[..., None] if arr.ndim == 2 else arr
    h, w = arr.shape[:2]
    # longest edge to `longest`, the other in proportion, made even
    if w >= h:
        nw, nh = longest, int(longest / (w / h))
        nh += nh % 2
    else:
        nh, nw = longest, int(longest * (w / h))
        nw += nw % 2
    arr = pil_resize(arr, max(nw, 1), max(nh, 1))
    # both edges up to whole tiles
    h, w = arr.shape[:2]
    if w >= h:
        nw = math.ceil(w / TILE) * TILE
        nh = math.ceil(int(nw / (w / h)) / TILE) * TILE
    else:
        nh = math.ceil(h / TILE) * TILE
        nw = math.ceil(int(nh * (w / h)) / TILE) * TILE
    arr = pil_resize(arr, nw, nh)
    h, w = arr.shape[:2]
    tiles = []
    if h > TILE or w > TILE:
        rows, cols = math.ceil(h / TILE), math.ceil(w / TILE)
        th, tw = math.ceil(h / rows), math.ceil(w / cols)
        for r in range(rows):
            for c in range(cols):
                tiles.append(arr[r * th:min(r * th + th, h), c * tw:min(c * tw + tw, w)])
        tiles.append(pil_resize(arr, TILE, TILE))
    else:
        tiles.append(arr)
    out = []
    for t in tiles:  # convert_to_rgb, after the split
        im = Image.fromarray(t[..., 0], "P") if palette is not None else Image.fromarray(t)
        if palette is not None:
            im.putpalette(palette)  # the RGB palette only: the transparency is not carried over
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255))
        out.append(np.asarray(Image.alpha_composite(white, rgba).convert("RGB")))
    return out


def write(name, tiles):
    with open(name, "wb") as f:
        for t in tiles:
            assert t.shape == (TILE, TILE, 3), (name, t.shape)
            f.write(np.ascontiguousarray(t).tobytes())


rgba = rgba_image()
rgba.save("rgba.png")
palette = palette_image(W, H)
palette.save("palette.png", transparency=palette.info["transparency"])
palette32 = palette_image(TILE, TILE)
palette32.save("palette32.png", transparency=palette32.info["transparency"])
# reopened, as a data file is
rgba, palette, palette32 = Image.open("rgba.png"), Image.open("palette.png"), Image.open("palette32.png")
assert rgba.mode == "RGBA" and palette.mode == "P" and "transparency" in palette.info

with open("rgba.rgb", "wb") as f:
    f.write(rgba.convert("RGB").tobytes())
with open("rgba.alpha", "wb") as f:
    f.write(rgba.getchannel("A").tobytes())
for name, im in (("palette", palette), ("palette32", palette32)):
    with open(name + ".rgb", "wb") as f:
        f.write(im.convert("RGB").tobytes())
    # what the decoder gave before alpha was kept: the palette's alpha composited onto white at decode
    white = Image.new("RGBA", im.size, (255, 255, 255))
    with open(name + "-composited.rgb", "wb") as f:
        f.write(Image.alpha_composite(white, im.convert("RGBA")).convert("RGB").tobytes())

write("clip-rgba.rgb", clip(rgba))
write("siglip-rgba.rgb", siglip(rgba))
write("idefics3-rgba.rgb", idefics3(rgba, 64))
write("clip-palette.rgb", clip(palette))
write("siglip-palette.rgb", siglip(palette))
write("idefics3-palette.rgb", idefics3(palette, 64))
write("idefics3-palette32.rgb", idefics3(palette32, TILE))
