// Browser-safe public surface of the models layer (weights-node.ts is Node-only; import it directly).
export { formatBenchTable, runModelBench, type ModelBenchOptions, type ModelBenchResult } from './bench';
export { defaultEmbedderConfig, Embedder, EMBEDDER_PRESETS, EmbedSegment, validateEmbedderConfig, type EmbedderConfig, type EmbedItem, type Evidence } from './embedder';
export { ConfigError, InputError, WeightsError, type WeightsErrorReason } from './errors';
export { ParamStore, type ParamSpec } from './layers';
export { imagePatches, patchify, resizeArea, sampleFrameIndices, type Region, type RgbaImage, type VisualInput } from './preprocess';
export { defaultReasonerConfig, Reasoner, REASONER_PRESETS, ReasonSegment, validateReasonerConfig, type GenerateOptions, type GenerateResult, type ReasonerConfig, type ReasonerInput, type TokenEvent } from './reasoner';
export { seededRng, type Rng } from './rng';
export { sampleToken, type SamplingOptions } from './sampling';
export { encodeWeights, loadModel, loadWeightsInto, memoryHandler, readWeights, saveWeights, WEIGHTS_FORMAT, WEIGHTS_VERSION, type Quantization, type TensorEntry, type WeightedModel, type WeightsManifest } from './weights';
