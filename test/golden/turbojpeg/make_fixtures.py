"""JPEG fixtures for turbojpeg.ts and Pillow's decode of each, the pixels it must give exactly.

Small odd sizes (61×47, 100×75), so that the right and bottom iMCUs are partial, in each layout a
decoder treats differently: 4:2:0, 4:2:2, 4:4:4, grayscale, progressive and restart markers. The
expected pixels are `Image.open(f).convert('RGB')`: Pillow's default decode, libjpeg's accurate
integer IDCT and fancy upsampling. Regenerate from the repository root with
    python3 test/golden/turbojpeg/make_fixtures.py
(Pillow and numpy: python3 -m venv venv && venv/bin/pip install pillow numpy).
"""
import json
from pathlib import Path

from PIL import Image, features

here = Path(__file__).parent
source = "sample/photos/nature/photo-020.jpg"  # a real photo, 448×376
photo = Image.open(here.parent.parent.parent / source).convert("RGB")

sizes = {
    # a crop at full detail, and the whole photo shrunk (more detail per pixel)
    "61x47": photo.crop((150, 120, 211, 167)),
    "100x75": photo.resize((100, 75), Image.LANCZOS, box=(0, 0, 448, 336)),
}
kinds = {
    "420": dict(subsampling=2),
    "422": dict(subsampling=1),
    "444": dict(subsampling=0),
    "gray": dict(subsampling=0),
    "progressive": dict(subsampling=2, progressive=True),
    "restart": dict(subsampling=2, restart_marker_blocks=3),
}

fixtures = []
for size, image in sizes.items():
    for kind, params in kinds.items():
        name = f"{kind}-{size}"
        (image.convert("L") if kind == "gray" else image).save(here / f"{name}.jpg", quality=90, **params)
        with Image.open(here / f"{name}.jpg") as decoded:
            rgb = decoded.convert("RGB")
        (here / f"{name}.rgb").write_bytes(rgb.tobytes())
        fixtures.append({"name": name, "kind": kind, "width": rgb.width, "height": rgb.height})

meta = {
    "source": source,
    "pillow": Image.__version__,
    "libjpeg_turbo": features.version("libjpeg_turbo"),
    "fixtures": fixtures,
}
(here / "fixtures.json").write_text(json.dumps(meta, indent=2) + "\n")
