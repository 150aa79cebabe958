"""Writes expected/<file>.rgb: Pillow's RGB bytes for each image, the way Hugging Face prepares it.

transformers.image_utils.load_image applies PIL.ImageOps.exif_transpose (a TIFF's orientation is
applied once, as Pillow >= 10.1 does); Idefics3's convert_to_rgb
composites RGBA over opaque white with Image.alpha_composite, then converts to RGB.
A header line per file (width height) goes to expected/index.txt.
"""
import os
import sys

from PIL import Image, ImageOps

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "index.txt"), "w") as index:
    for name in sorted(sys.argv[2:]):
        image = Image.open(name)
        if image.format == "TIFF":
            # Pillow applies a TIFF's Orientation tag when it loads the pixels; 9.4 (Debian 12)
            # then applies it again in exif_transpose (python-pillow/Pillow#7381, fixed in 10.1).
            image.load()
        else:
            image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255))
            image = Image.alpha_composite(white, rgba).convert("RGB")
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(image.tobytes())
        index.write(f"{name} {image.width} {image.height}\n")
