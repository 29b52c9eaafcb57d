"""The payoff: a PyTorch training input loop reading a remuxed dataset against the same loop
decoding and augmenting the source on the fly.

    npm run build
    python benchmarks/training_loop.py --photos <photos256 dir> --photos <photos dir> --work <scratch dir>

For each photo folder: a source dataset of the photos repeated to --rows rows (written by
`datasets`, Image feature), remuxed once with `--preset imagenet-train --size 224`; then, in
alternated rounds, two loops over `datasets` + `torch.utils.data.DataLoader` (--workers worker
processes, batches of --batch-size, shuffled), each ending in a normalised float CHW tensor:

- remuxed: decode the 224² JPEG, to tensor (with --raw also: `--format raw`'s Array3D pixels,
  through datasets' numpy format, to tensor);
- on the fly: decode the source photo, RandomResizedCrop 224 (scale 0.08–1, ratio 3/4–4/3,
  bilinear) + horizontal flip + ColorJitter(0.4, 0.4, 0.4), to tensor: what imagenet-train bakes.

The augmentations are torchvision.transforms.v2 when torchvision imports, else the same steps
on Pillow written out here (torchvision's PIL path: crop + bilinear resize, ImageEnhance for the
jitter, in a random order). Reports images/s and images per CPU-second (the main process and
its DataLoader workers), median and min–max of the rounds, as a markdown table.
"""
import argparse
import glob
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import time

import datasets
import numpy as np
import torch
from PIL import Image, ImageEnhance

try:
    from torchvision.transforms import v2 as tv
except Exception as error:  # noqa: BLE001 - a torchvision that does not match torch fails in many ways
    tv = None
    TORCHVISION_ERROR = f"{type(error).__name__}: {error}"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 224
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def to_tensor(pixels):
    """uint8 HWC → normalised float CHW, the last step of every loop."""
    return torch.from_numpy(pixels).permute(2, 0, 1).float().div_(255).sub_(MEAN).div_(STD)


def random_resized_crop_box(rng, width, height, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    """torchvision's RandomResizedCrop.get_params: (left, top, width, height)."""
    area = width * height
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_ratio))
        w, h = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
        if 0 < w <= width and 0 < h <= height:
            return rng.randint(0, width - w), rng.randint(0, height - h), w, h
    in_ratio = width / height
    w, h = (width, int(round(width / ratio[0]))) if in_ratio < ratio[0] else (int(round(height * ratio[1])), height) if in_ratio > ratio[1] else (width, height)
    return (width - w) // 2, (height - h) // 2, w, h


def pil_augment(image, rng):
    """RandomResizedCrop 224 + flip + ColorJitter(0.4, 0.4, 0.4) on Pillow, as torchvision's PIL path does it."""
    left, top, w, h = random_resized_crop_box(rng, *image.size)
    image = image.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR, box=(left, top, left + w, top + h))
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    jitters = [ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color]
    rng.shuffle(jitters)
    for enhance in jitters:
        image = enhance(image).enhance(rng.uniform(0.6, 1.4))
    return image


class Loop(torch.utils.data.Dataset):
    """One row of a `datasets` split as (tensor, label). `kind`: `source` decodes and augments,
    `jpeg` decodes a remuxed image, `raw` takes remuxed pixels (Array3D) as they are."""

    def __init__(self, path, kind):
        ds = datasets.load_dataset(path, split="train")
        # datasets' numpy format widens integers to int64 unless told the dtype.
        self.ds = ds.with_format("numpy", dtype=np.uint8) if kind == "raw" else ds
        self.kind = kind
        self.torchvision = tv and tv.Compose([tv.RandomResizedCrop(SIZE, antialias=True), tv.RandomHorizontalFlip(), tv.ColorJitter(0.4, 0.4, 0.4)])

    def __len__(self):
        return len(self.ds)

    def __getitems__(self, indices):
        """A batch read at once (what DataLoader asks for when it can): one Arrow slice per batch."""
        batch = self.ds[indices]
        return [(self.tensor(image, i), int(label)) for image, i, label in zip(batch["image"], indices, batch["label"])]

    def __getitem__(self, i):
        return self.__getitems__([i])[0]

    def tensor(self, image, i):
        if self.kind == "source":
            image = self.torchvision(image.convert("RGB")) if self.torchvision else pil_augment(image, random.Random(i))
        return to_tensor(image if self.kind == "raw" else np.array(image.convert("RGB"), dtype=np.uint8))


def cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_round(dataset, args):
    """One pass over the split; DataLoader workers exit (and are counted) at its end."""
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)
    cpu, start = cpu_seconds(), time.perf_counter()
    images = 0
    for batch, _labels in loader:
        images += batch.shape[0]
    del loader
    wall, used = time.perf_counter() - start, cpu_seconds() - cpu
    return images / wall, images / used


def make_source(photos, path, rows):
    files = sorted(f for f in glob.glob(os.path.join(photos, "*")) if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp")))
    if not files:
        sys.exit(f"training_loop: no .jpg/.jpeg/.png/.webp photos in {photos}")
    blobs = [open(f, "rb").read() for f in files]
    picks = [i % len(blobs) for i in range(rows)]
    features = datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=["photo"])})
    table = {"image": [{"bytes": blobs[i], "path": os.path.basename(files[i])} for i in picks], "label": [0] * rows}
    os.makedirs(path, exist_ok=True)
    datasets.Dataset.from_dict(table, features=features).to_parquet(os.path.join(path, "train.parquet"))


def summary(values):
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", action="append", required=True, help="a folder of photos (repeatable)")
    ap.add_argument("--work", required=True, help="scratch folder for the source and remuxed datasets")
    ap.add_argument("--rows", type=int, default=1024, help="rows of each source dataset (the photos repeated); default 1024")
    ap.add_argument("--rounds", type=int, default=5, help="alternated rounds of each loop; default 5")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes; default 2")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--raw", action="store_true", help="also remux with --format raw and time reading its pixels as they are")
    args = ap.parse_args()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    torch.set_num_threads(1)
    print(f"augmentations: {'torchvision ' + __import__('torchvision').__version__ if tv else 'Pillow, by hand (torchvision does not import: ' + TORCHVISION_ERROR + ')'}; torch {torch.__version__}, datasets {datasets.__version__}", file=sys.stderr)
    lines = ["| photos | loop | images/s | images per CPU-second |", "|---|---|---|---|"]
    for photos in args.photos:
        name = os.path.basename(os.path.normpath(photos))
        source = os.path.join(args.work, name, "source")
        make_source(photos, source, args.rows)
        loops = {"on the fly (decode + augment the source)": Loop(source, "source")}
        for fmt, label in [("jpeg", "remuxed JPEG (decode 224²)"), ("raw", "remuxed raw (Array3D, no decode)")][: 2 if args.raw else 1]:
            remuxed = os.path.join(args.work, name, f"remuxed-{fmt}")
            subprocess.run(["node", os.path.join(ROOT, "dist/src/cli/main.js"), "run", source, "--out", remuxed, "--preset", "imagenet-train", "--size", str(SIZE), "--format", fmt, "--overwrite", "--quiet"], check=True)
            loops[label] = Loop(remuxed, fmt)
        results = {label: [] for label in loops}
        for round_no in range(args.rounds):
            for label, dataset in loops.items():
                results[label].append(one_round(dataset, args))
                print(f"{name} round {round_no + 1} {label}: {results[label][-1][0]:.0f} images/s", file=sys.stderr)
        for label, runs in results.items():
            lines.append(f"| {name} | {label} | {summary([r[0] for r in runs])} | {summary([r[1] for r in runs])} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
