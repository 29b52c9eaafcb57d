import { copyFile, readdir, readFile } from 'node:fs/promises';
import { listFiles } from '../../src/source/files.js';
import { tempDir } from './output.js';

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

/** A parquet source with two splits: sample/parquet's train file, and the same rows again as `validation`. */
export async function sampleSplits(): Promise<string> {
  const dir = await tempDir('splits-src');
  const [train] = (await readdir(SAMPLE_PARQUET)).filter((f) => f.endsWith('.parquet'));
  for (const split of ['train', 'validation']) await copyFile(`${SAMPLE_PARQUET}/${train}`, `${dir}/${split}-00000-of-00001.parquet`);
  return dir;
}
