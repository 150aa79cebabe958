#!/usr/bin/env bash
# Regenerates the image fixtures here (see README.md). Needs Debian's imagemagick, webp,
# libimage-exiftool-perl and python3-pil. Run from this directory.
set -euo pipefail
convert=/usr/bin/convert
py=/usr/bin/python3

# The 24x16 pattern: 8x8 cells, one colour each, aligned to JPEG's 8x8 blocks so that a 4:4:4 JPEG
# keeps every cell flat; six different colours, so any flip or rotation is visible.
#   red   green  blue
#   black grey   white
$convert -size 8x8 xc:'rgb(255,0,0)' xc:'rgb(0,255,0)' xc:'rgb(0,0,255)' +append \
  \( -size 8x8 xc:'rgb(0,0,0)' xc:'rgb(128,128,128)' xc:'rgb(255,255,255)' +append \) -append PNG24:pattern.png
# The same with alpha (128/255 = 0.50196):
#   red a=255  red a=128    red a=0
#   blue a=255 green a=64   black a=128
$convert -size 8x8 xc:'rgba(255,0,0,1)' xc:'rgba(255,0,0,0.50196)' xc:'rgba(255,0,0,0)' +append \
  \( -size 8x8 xc:'rgba(0,0,255,1)' xc:'rgba(0,255,0,0.25098)' xc:'rgba(0,0,0,0.50196)' +append \) -append PNG32:pattern-alpha.png

# A 64x48 photo-like image (smooth colour field plus noise) for the lossy codecs' rounding and
# chroma upsampling, where flat cells show nothing.
$convert -seed 7 -size 64x48 plasma:fuchsia-yellow -seed 7 -attenuate 0.5 +noise Gaussian PNG24:photo.png

# JPEG: ImageMagick writes CMYK as YCCK (Adobe APP14 transform 2); Pillow writes plain CMYK
# (transform 0) from ImageMagick's CMYK TIFF, whose K channel is not zero.
$convert pattern.png -colorspace CMYK -quality 95 -sampling-factor 1x1 jpeg-ycck.jpg
$convert pattern.png -colorspace CMYK -compress lzw tiff-cmyk.tif
$py -c "from PIL import Image; Image.open('tiff-cmyk.tif').save('jpeg-cmyk.jpg', quality=95, subsampling=0)"
$convert pattern.png -quality 90 -interlace JPEG jpeg-progressive.jpg     # 4:2:0, progressive
for sf in 2x2 2x1 1x2; do                                                   # 4:2:0, 4:2:2, 4:4:0
  $convert photo.png -quality 85 -sampling-factor $sf photo-$sf.jpg
done
$convert photo.png -quality 85 -interlace JPEG photo-progressive.jpg
$convert photo.png -colorspace Gray -type Grayscale -quality 85 photo-gray.jpg
# Stored so that applying the EXIF orientation gives the upright pattern back (-orient alone
# writes no EXIF to a JPEG, so exiftool writes the tag).
inverse=(x "" "-flop" "-rotate 180" "-flip" "-transpose" "-rotate -90" "-transverse" "-rotate 90")
for o in 1 2 3 4 5 6 7 8; do
  $convert pattern.png ${inverse[$o]} -quality 95 -sampling-factor 1x1 jpeg-orient-$o.jpg
  exiftool -q -overwrite_original -n -Orientation=$o jpeg-orient-$o.jpg
done

# PNG
$convert pattern.png -depth 16 PNG48:png-rgb16.png
$convert pattern-alpha.png -depth 16 PNG64:png-rgba16.png
$convert pattern-alpha.png PNG8:png-palette-trns.png

# WebP
cwebp -quiet -q 90 pattern.png -o webp-lossy.webp
cwebp -quiet -lossless pattern.png -o webp-lossless.webp
cwebp -quiet -q 80 photo.png -o photo-lossy.webp
cwebp -quiet -lossless -exact pattern-alpha.png -o webp-alpha-lossless.webp
cwebp -quiet -q 90 -alpha_q 100 pattern-alpha.png -o webp-alpha-lossy.webp
exiftool -q -b -EXIF jpeg-orient-6.jpg > /tmp/orient-6.exif
$convert pattern.png -rotate -90 PNG24:/tmp/stored-6.png
cwebp -quiet -lossless /tmp/stored-6.png -o /tmp/stored-6.webp
webpmux -set exif /tmp/orient-6.exif /tmp/stored-6.webp -o webp-orient-6.webp >/dev/null 2>&1

# TIFF
$convert pattern.png -compress lzw tiff-rgb-lzw.tif
$convert pattern.png -depth 16 -compress zip tiff-rgb16-zip.tif
$convert pattern.png -colorspace Gray -compress none tiff-gray.tif
$convert pattern-alpha.png -compress lzw tiff-rgba.tif
$convert pattern.png -rotate -90 -orient RightTop -compress none tiff-orient-6.tif
$convert photo.png -compress jpeg -quality 90 tiff-jpeg.tif

# GIF: a first frame smaller than the logical screen, at an offset (Pillow pastes it on the screen;
# outside it, the transparent index when there is one, else index 0)
$convert -size 10x6 gradient:red-blue -colors 4 -repage 20x16+5+4 gif-framed.gif
$convert -size 10x6 gradient:red-blue -colors 4 -transparent blue -repage 20x16+5+4 gif-framed-transparent.gif

# What Pillow makes of each: transformers' load_image (ImageOps.exif_transpose) and Idefics3's
# convert_to_rgb (alpha composited over white), raw RGB bytes, row-major.
$py pil_reference.py expected *.jpg *.png *.webp *.tif *.gif

# Pillow resize references (see pil_resize_reference.py)
$py pil_resize_reference.py
