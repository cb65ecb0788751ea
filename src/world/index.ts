// Public surface of the built-in world (see README.md).
export * from './types';
export { Rng, rng, hashSeed, mix32 } from './rng';
export { renderScene, sceneBoxes, generateScene, relationHolds, bestRelation } from './scene';
export { renderClip, clipBoxes, clipStates, generateClip, eventFrames, segments } from './clip';
export { COLOR_RGB, objectBox, boxIoU } from './raster';
export { WORLD_WORDS, WORD_GROUPS, tokenizeWords, contentWords, outOfVocab, isWorldWord } from './vocab';
export { renderTCoT, renderEvidence, type TCoT, type Evidence } from './tcot-types';
export { annotate, annotatePair, judgeMatch, goldAnswer, DEFAULT_NOISE, type AnnotatorNoise, type AnnotateOptions } from './annotator';
export { TASK_INSTRUCTIONS } from './tasks';
export { buildSuite, buildItem, trainingStream, builtinCollection, itemSeed, splitOfSeed, type Suite, type Split, type TrainingPair } from './suite';
export { EVENT_LABEL } from './text';
