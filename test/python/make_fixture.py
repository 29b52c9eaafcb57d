"""Writes source parquet files with a kept column of every Arrow type, as test/consumers.test.ts needs.

    python make_fixture.py <dir>

<dir>/datasets/train.parquet is written by `datasets` itself (its features in the `huggingface`
metadata); <dir>/plain/train.parquet holds the same table without that metadata, so remux has to
derive every feature from the Arrow types; <dir>/legacy/train.parquet has the metadata older
`datasets` wrote for the same lists (`Sequence`, `[feature]`). Prints the rows' non-image values
and the features as JSON.
"""
import datetime
import io
import json
import os
import sys

import datasets
import pyarrow.parquet as pq
from datasets import ClassLabel, Features, Image, LargeList, List, Value
from PIL import Image as PILImage

ROWS = 6

FEATURES = Features({
    "image": Image(),
    "label": ClassLabel(names=["cat", "dog", "owl"]),
    "caption": Value("string"),
    "big": Value("large_string"),
    "i8": Value("int8"),
    "u16": Value("uint16"),
    "f32": Value("float32"),
    "f64": Value("float64"),
    "flag": Value("bool"),
    "tags": List(Value("string")),
    "ints": LargeList(Value("int64")),
    "box": List(Value("float32"), length=4),
    "meta": {"w": Value("int32"), "src": Value("string")},
    "objs": List({"k": Value("int64")}),
    "when": Value("timestamp[ms]"),
    "day": Value("date32"),
})


def png(i):
    buffer = io.BytesIO()
    PILImage.new("RGB", (40 + 10 * i, 30 + 5 * i), (i * 40, 100, 200)).save(buffer, "PNG")
    return {"bytes": buffer.getvalue(), "path": f"{i}.png"}


def columns():
    """Varied values, and a null in most columns (every output column is nullable)."""
    return {
        "image": [png(i) for i in range(ROWS)],
        "label": [i % 3 for i in range(ROWS)],
        "caption": [f"c{i}" if i != 2 else None for i in range(ROWS)],
        "big": [f"b{i}" if i != 0 else None for i in range(ROWS)],
        "i8": [i - 3 if i != 1 else None for i in range(ROWS)],
        "u16": [i * 1000 for i in range(ROWS)],
        "f32": [i + 0.5 if i != 1 else None for i in range(ROWS)],
        "f64": [i / 3 for i in range(ROWS)],
        "flag": [i % 2 == 0 if i != 3 else None for i in range(ROWS)],
        "tags": [[f"t{j}" for j in range(i % 3)] if i != 4 else None for i in range(ROWS)],
        "ints": [list(range(i)) for i in range(ROWS)],
        # No null here: pyarrow cannot read back a null fixed-size list from parquet ("Expected all lists to be of size=4").
        "box": [[float(i), 1.0, 2.0, 3.0] for i in range(ROWS)],
        "meta": [{"w": i, "src": f"s{i}"} if i != 5 else None for i in range(ROWS)],
        "objs": [[{"k": j} for j in range(i % 2 + 1)] for i in range(ROWS)],
        "when": [datetime.datetime(2024, 1, 1 + i, 12, 30) if i != 3 else None for i in range(ROWS)],
        "day": [datetime.date(2023, 12, 1 + i) if i != 0 else None for i in range(ROWS)],
    }


def legacy_features():
    """FEATURES as datasets 2.x wrote them: lists as `Sequence` or as a one-element list."""
    features = FEATURES.to_dict()
    features["tags"] = {"feature": {"dtype": "string", "_type": "Value"}, "length": -1, "_type": "Sequence"}
    features["box"] = {"feature": {"dtype": "float32", "_type": "Value"}, "length": 4, "_type": "Sequence"}
    features["objs"] = [{"k": {"dtype": "int64", "_type": "Value"}}]
    return features


def main(root):
    for folder in ["datasets", "plain", "legacy"]:
        os.makedirs(f"{root}/{folder}", exist_ok=True)
    ds = datasets.Dataset.from_dict(columns(), features=FEATURES)
    ds.to_parquet(f"{root}/datasets/train.parquet")
    table = pq.read_table(f"{root}/datasets/train.parquet")
    pq.write_table(table.replace_schema_metadata(None), f"{root}/plain/train.parquet")
    legacy = {b"huggingface": json.dumps({"info": {"features": legacy_features()}})}
    pq.write_table(table.replace_schema_metadata(legacy), f"{root}/legacy/train.parquet")
    rows = ds.remove_columns("image").to_list()
    print(json.dumps({"rows": [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()} for r in rows], "features": FEATURES.to_dict()}))


if __name__ == "__main__":
    datasets.disable_progress_bars()
    main(sys.argv[1])
