"""Golden outputs of Pillow's antialiased bilinear resize, the reference of remux's crop/resize/flip kernel.

Pillow's `Image.resize(size, BILINEAR, box=...)` is what torchvision's PIL path runs for
RandomResizedCrop and Resize. Regenerate (Debian: apt-get install python3-pil) with
    /usr/bin/python3 test/golden/make_golden.py
"""
import json
from pathlib import Path
from PIL import Image

here = Path(__file__).parent
source = "sample/photos/animal/photo-009.png"  # lossless, so every decoder sees the same pixels
image = Image.open(here.parent.parent / source).convert("RGB")

cases = [
    {"name": "crop-shrink", "box": [37, 20, 337, 270], "size": [224, 224], "flip": False},
    {"name": "whole-shrink-4x", "box": [0, 0, 451, 300], "size": [100, 60], "flip": False},
    {"name": "crop-enlarge", "box": [100, 50, 180, 110], "size": [224, 168], "flip": False},
    {"name": "crop-shrink-flip", "box": [37, 20, 337, 270], "size": [224, 224], "flip": True},
    {"name": "fractional-box", "box": [10.5, 20.25, 211.0, 170.25], "size": [128, 96], "flip": False},
]
for case in cases:
    out = image.resize(tuple(case["size"]), Image.BILINEAR, box=tuple(case["box"]))
    if case["flip"]:
        out = out.transpose(Image.FLIP_LEFT_RIGHT)
    out.save(here / f"{case['name']}.png")
(here / "cases.json").write_text(json.dumps({"source": source, "pillow": Image.__version__, "cases": cases}, indent=2) + "\n")
