/** The library API: the CLI is a thin layer over `remux()`. */
export { remux, type RemuxSummary } from './pipeline.js';
export { finalizeOutputs, type FinalizeSummary } from './sink/finalize.js';
export type { RemuxOptions, Progress } from './options.js';
export type { StepSpec } from './augment/op.js';
export type { OpName, OpStepSpec } from './augment/ops/index.js';
export type { PresetName } from './augment/presets.js';
export type { AugmentFunction, AugmentContext, AugmentReturn } from './augment/userFunction.js';
export { parsePipeline, pipelineToSpec, planSample, defaultPipelineSpec } from './augment/pipeline.js';
export { RemuxError, UsageError } from './errors.js';
