"""Writes expected/<file>.rgb and, where Pillow gives the image an alpha band, expected/<file>.alpha.

The image as Hugging Face receives it: transformers.image_utils.load_image applies
PIL.ImageOps.exif_transpose (a TIFF's orientation is applied once, as Pillow >= 10.1 does). The .rgb
file is convert("RGB") of that: the colour, also under transparent pixels (what CLIP and SigLIP
processors see); the .alpha file is its alpha band (modes RGBA and LA; palette and colour-key
transparency are no band). A line per file (width height, and "alpha" where there is a band) goes
to expected/index.txt.
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
        alpha = "A" in image.getbands()
        if alpha:
            with open(os.path.join(out, name + ".alpha"), "wb") as f:
                f.write(image.getchannel("A").tobytes())
        image = image.convert("RGB")
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(image.tobytes())
        index.write(f"{name} {image.width} {image.height}{' alpha' if alpha else ''}\n")
