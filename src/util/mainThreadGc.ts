import { setFlagsFromString } from 'node:v8';

/**
 * V8 starts marking the whole heap as soon as the room left under the old generation's limit is
 * smaller than the new space, and it counts the ArrayBuffers allocated since the last collection
 * against that room. The main thread of a run keeps a small heap (~10 MB) and passes ~100 kB of
 * ArrayBuffers per image (parquet pages, images to and from the workers), so V8 marked its heap
 * about ten times a second. With this trigger marking starts once 95% of the room is used: half
 * as many collections, ~5% less CPU per image on 256² photos (benchmarks/README.md). The flag is
 * read at every check, so setting it at run time works; it is set by the CLI only, never by the
 * library, whose process belongs to its caller.
 */
export function spaceOutMainThreadGc(): void {
  setFlagsFromString('--incremental-marking-soft-trigger=95');
}
