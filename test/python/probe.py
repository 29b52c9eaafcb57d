"""Reads a remux output the way its consumers do and prints what they saw as one JSON object.

    python probe.py <output dir>

`datasets.load_dataset` (every split the card declares), then pyarrow and polars on the same
files. Run by test/consumers.test.ts, one process per output, which asserts on the report.
"""
import glob
import hashlib
import json
import os
import sys
import tempfile

import datasets
import numpy as np
import polars as pl
import pyarrow.parquet as pq
import yaml
from PIL import Image


def plain(value):
    """A value as JSON can carry it, for comparing with the source's rows."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def image_report(value):
    """Size, mode, format and a digest of the decoded pixels (uint8 HWC), whatever the image feature."""
    if isinstance(value, Image.Image):
        pixels = np.asarray(value.convert("RGB"))
        return {"size": [value.height, value.width], "mode": value.mode, "format": value.format, "sha256": hashlib.sha256(pixels.tobytes()).hexdigest()}
    pixels = np.asarray(value, dtype=np.uint8)  # the README's one line for --format raw
    return {"shape": list(pixels.shape), "sha256": hashlib.sha256(pixels.tobytes()).hexdigest()}


def footer_metadata(path):
    return json.loads(pq.read_schema(path).metadata[b"huggingface"])


def split_report(out, name, ds):
    files = sorted(glob.glob(os.path.join(out, "data", f"{name}-*.parquet")))
    rows = list(ds)  # decoded, as a training loop sees them
    # What datasets itself writes for the features it read: its footer metadata and Arrow schema.
    with tempfile.TemporaryDirectory() as tmp:
        own = os.path.join(tmp, "own.parquet")
        ds.select(range(min(1, len(ds)))).to_parquet(own)
        own_metadata, own_schema = footer_metadata(own), pq.read_schema(own)
    schema = pq.read_schema(files[0])
    frame = pl.read_parquet(files)
    return {
        "rows": len(ds),
        "features": ds.features.to_dict(),
        "feature_reprs": {k: repr(v) for k, v in ds.features.items()},
        "images": [image_report(r["image"]) for r in rows],
        "columns": {k: [plain(r[k]) for r in rows] for k in ds.column_names if k != "image"},
        "files": [os.path.basename(f) for f in files],
        "metadata": [footer_metadata(f) for f in files],
        "datasets_metadata": own_metadata,
        "arrow_types": {f.name: str(f.type) for f in schema},
        "datasets_arrow_types": {f.name: str(f.type) for f in own_schema},
        "pyarrow_rows": sum(pq.ParquetFile(f).metadata.num_rows for f in files),
        "polars_rows": frame.height,
        "polars_columns": frame.columns,
    }


def main(out):
    loaded = datasets.load_dataset(out)
    with open(os.path.join(out, "README.md")) as f:
        card = yaml.safe_load(f.read().split("---")[1])
    card_features = datasets.Features._from_yaml_list(card["dataset_info"]["features"]).to_dict()
    report = {"splits": {name: split_report(out, name, ds) for name, ds in loaded.items()}, "card_features": card_features}
    print(json.dumps(report))


if __name__ == "__main__":
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    main(sys.argv[1])
