"""Writes resize/<FILTER>-<w>x<h>.rgb: Pillow's Image.resize of the 29x19 test card, raw RGB bytes.

The card is a formula, computed the same way by ImageResizeTest:
    v(x, y, c) = (37 x + 91 y + 53 c + 11 ((x y (c + 1)) mod 23)) mod 256
"""
import os

from PIL import Image

W, H = 29, 19
card = bytes((37 * x + 91 * y + 53 * c + 11 * ((x * y * (c + 1)) % 23)) % 256
             for y in range(H) for x in range(W) for c in range(3))
image = Image.frombytes("RGB", (W, H), card)
os.makedirs("resize", exist_ok=True)
filters = {"BILINEAR": Image.BILINEAR, "BICUBIC": Image.BICUBIC, "LANCZOS": Image.LANCZOS}
sizes = [(13, 7), (41, 31), (35, 9), (29, 5), (8, 19), (1, 1)]
for name, f in filters.items():
    for w, h in sizes:
        with open(f"resize/{name}-{w}x{h}.rgb", "wb") as out:
            out.write(image.resize((w, h), f).tobytes())
