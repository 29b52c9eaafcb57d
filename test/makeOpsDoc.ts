/**
 * Regenerates `docs/ops.md` and a preview of every op under `docs/ops/` (two sample photos, each
 * beside three augmented copies; random ops forced on where they have a probability).
 * Run: `npm run build && node dist/test/makeOpsDoc.js`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { OPS, type OpStepSpec } from '../src/augment/ops/index.js';
import { preview } from '../src/preview.js';
import { MINIMAL_SPECS } from './helpers/opSpecs.js';
import { SAMPLE_PHOTOS } from './helpers/samplePhotos.js';

/** Stronger settings than the minimal specs where the effect would be hard to see. */
const SHOWN: Record<string, object> = {
  horizontalFlip: { p: 1 }, verticalFlip: { p: 1 }, perspective: { p: 1 }, grayscale: { p: 1 }, solarize: { threshold: 128, p: 1 },
  posterize: { bits: 2, p: 1 }, invert: { p: 1 }, autoContrast: { p: 1 }, equalize: { p: 1 }, sharpness: { sharpnessFactor: 4, p: 1 },
  gaussianBlur: { kernelSize: 9, sigma: [1, 4] }, gaussianNoise: { sigma: 0.1 }, randomErasing: { p: 1 }, randomApply: { p: 1 },
};

await mkdir('docs/ops', { recursive: true });
const sections: string[] = [];
for (const name of OPS.keys()) {
  const spec = { ...MINIMAL_SPECS[name], ...SHOWN[name] };
  const base: OpStepSpec[] = name === 'randomResizedCrop' || name === 'resize' || name === 'centerCrop' || name === 'randomCrop' ? [] : [{ op: 'resize', size: 160 }, { op: 'centerCrop', size: 160 }];
  const png = await preview({ source: SAMPLE_PHOTOS, pipeline: [...base, spec as OpStepSpec /* looked up by name: checked when parsed */], size: 160, rows: 2, copies: 3, seed: 1 });
  await writeFile(`docs/ops/${name}.jpg`, await sharp(png).jpeg({ quality: 80 }).toBuffer());
  sections.push(`## ${name}\n\n\`${JSON.stringify(spec)}\`${base.length ? ' (after a resize and centre crop to 160)' : ''}\n\n![${name}](ops/${name}.jpg)\n`);
}
await writeFile('docs/ops.md', `# Ops

Every op remux knows, with a preview made by \`remux preview\` from the sample photos (left: the
source, then three augmented copies). Options, defaults and the torchvision reference of each op
are in its file under \`src/augment/ops/\` and in the README's table. Regenerate with
\`npm run build && node dist/test/makeOpsDoc.js\`.

${sections.join('\n')}`);
console.log(`wrote docs/ops.md and ${sections.length} previews`);
