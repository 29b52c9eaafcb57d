import { readFile } from 'node:fs/promises';
import { listFiles } from '../../src/source/files.js';

export const SAMPLE_PHOTOS = 'sample/photos';
export const SAMPLE_PARQUET = 'sample/parquet';
export const SAMPLE_CLASSES = ['animal', 'nature', 'object'];

/** The sample photos in source order (sorted paths), with their class index from the folder name. */
export async function samplePhotos(): Promise<Array<{ path: string; bytes: Uint8Array; label: number }>> {
  const files = await listFiles(SAMPLE_PHOTOS);
  return Promise.all(
    files.map(async (path) => ({ path, bytes: new Uint8Array(await readFile(`${SAMPLE_PHOTOS}/${path}`)), label: SAMPLE_CLASSES.indexOf(path.split('/')[0]) })),
  );
}
