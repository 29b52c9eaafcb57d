import type { StepSpec } from '../augment/op.js';
import type { RgbImage } from '../backend/backend.js';
import type { CodecName, DecodedImage } from './decode.js';
import type { EncodeOptions } from './encode.js';

/** What every codec worker is started with. */
export interface WorkerInit {
  pipeline: StepSpec[];
  codec: CodecName;
  maxPixels: number;
}

export type WorkerRequest =
  | { id: number; type: 'decode'; bytes: Uint8Array }
  | { id: number; type: 'encode'; image: RgbImage; options: EncodeOptions };

export type WorkerResponse =
  | { id: number; ok: true; type: 'decode'; image: DecodedImage }
  | { id: number; ok: true; type: 'encode'; bytes: Uint8Array }
  /** `badInput`: the image itself is at fault (skip the row), not remux. */
  | { id: number; ok: false; error: string; badInput: boolean };
