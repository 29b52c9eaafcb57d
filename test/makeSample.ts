/**
 * Regenerates `sample/parquet/train-00000-of-00001.parquet` from `sample/photos/<class>/<file>`:
 * a Hugging Face style image dataset (row groups of 10 rows, so streaming is exercised).
 * Run: `npm run build && node dist/test/makeSample.js`
 */
import { mkdir } from 'node:fs/promises';
import { writeHfParquet } from './helpers/hfParquet.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET, samplePhotos } from './helpers/samplePhotos.js';

const photos = await samplePhotos();
await mkdir(SAMPLE_PARQUET, { recursive: true });
await writeHfParquet(
  `${SAMPLE_PARQUET}/train-00000-of-00001.parquet`,
  photos.map((p) => ({ bytes: p.bytes, path: p.path.split('/').pop(), label: p.label })),
  { labelNames: SAMPLE_CLASSES, rowGroupSize: 10 },
);
console.log(`wrote ${photos.length} rows to ${SAMPLE_PARQUET}`);
