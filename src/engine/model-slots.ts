// The engine's two model slots (Reasoner, Embedder): loading from every source, saving to IndexedDB,
// exporting as files, and a probe that shows whether two copies of a model agree. A load only replaces the
// model in its slot after the new one has fully validated.
import * as tf from '@tensorflow/tfjs-core';
import { Embedder, EMBEDDER_PRESETS } from '../models/embedder';
import { WeightsError } from '../models/errors';
import { Reasoner, REASONER_PRESETS } from '../models/reasoner';
import { seededRng } from '../models/rng';
import {
  loadModel,
  saveWeights,
  weightFiles,
  type Quantization,
  type WeightedModel,
  type WeightsManifest,
} from '../models/weights';
import { REASONER_VOCAB, VOCAB } from '../tcot/default';
import { encodeWords } from '../tcot/encode';
import { renderTokens } from '../tcot/render';
import { rng as worldRng } from '../world/rng';
import { generateScene, renderScene } from '../world/scene';
import { IMAGE_SIZE } from '../world/types';
import type { ModelFile, ModelInfo, ModelProbe, ModelRole, ModelSource } from './types';

/** IndexedDB keys are namespaced by role, so a Reasoner and an Embedder saved under one name never collide. */
export const indexedDbUrl = (role: ModelRole, key: string) => `indexeddb://embedrl-${role}-${key}`;

const article = (role: string) => (/^[aeiou]/.test(role) ? `an ${role}` : `a ${role}`);

function handlerFor(role: ModelRole, source: Exclude<ModelSource, { kind: 'random' }>): tf.io.IOHandler {
  if (source.kind === 'url') return tf.io.http(source.url);
  if (source.kind === 'files') {
    if (source.files.length < 2)
      throw new WeightsError('bad-manifest', 'pick the manifest (.json) and its weights file (.bin) together');
    const json = source.files.filter((f) => f.name.endsWith('.json'));
    if (json.length !== 1)
      throw new WeightsError('bad-manifest', 'exactly one of the picked files must be the manifest (.json)');
    return tf.io.browserFiles([json[0], ...source.files.filter((f) => f !== json[0])]);
  }
  const [handler] = tf.io.getLoadHandlers(indexedDbUrl(role, source.key));
  if (!handler) throw new WeightsError('no-handler', 'IndexedDB is not available here');
  return handler;
}

function freshModel(role: ModelRole, preset: 'tiny' | 'default', seed: number): WeightedModel {
  const shared = { vocabSize: VOCAB.size, seed };
  if (role === 'embedder') return new Embedder({ ...EMBEDDER_PRESETS[preset], ...shared });
  return new Reasoner({ ...REASONER_PRESETS[preset], ...REASONER_VOCAB, seed });
}

function describe(
  role: ModelRole,
  model: WeightedModel,
  source: ModelSource['kind'],
  manifest: WeightsManifest | null,
): ModelInfo {
  let parameters = 0;
  for (const v of model.params.vars.values()) parameters += v.size;
  return {
    role,
    parameters,
    weightBytes: manifest?.payloadBytes ?? 0,
    quantized: manifest ? manifest.tensors.some((t) => t.dtype === 'int8') : false,
    source,
    sha256: manifest?.sha256 ?? null,
    config: { ...(model.config as unknown as Record<string, number>) },
  };
}

export class ModelSlots {
  private models: Record<ModelRole, WeightedModel | null> = { reasoner: null, embedder: null };
  private infos: Record<ModelRole, ModelInfo | null> = { reasoner: null, embedder: null };

  info(): Record<ModelRole, ModelInfo | null> {
    return { ...this.infos };
  }

  get(role: ModelRole): WeightedModel | null {
    return this.models[role];
  }

  async load(role: ModelRole, source: ModelSource): Promise<ModelInfo> {
    if (source.kind !== 'random') return this.loadFrom(role, handlerFor(role, source), source.kind);
    return this.place(role, freshModel(role, source.preset, source.seed ?? 1), 'random', null);
  }

  /** Load from any tf.io handler; the slot changes only if the file validates and fits this app. */
  async loadFrom(role: ModelRole, handler: tf.io.IOHandler, kind: ModelSource['kind']): Promise<ModelInfo> {
    const { model, manifest } = await loadModel(handler);
    const problem =
      model.kind !== role
        ? new WeightsError('wrong-model', `this file holds ${article(manifest.model)}, not ${article(role)}`)
        : model.config.vocabSize !== VOCAB.size
          ? new WeightsError(
              'config-mismatch',
              `the model's vocabulary has ${model.config.vocabSize} tokens; this app's has ${VOCAB.size}`,
            )
          : null;
    if (problem) {
      model.dispose();
      throw problem;
    }
    return this.place(role, model, kind, manifest);
  }

  /**
   * Place a model built elsewhere (the fine-tuner's copy) with the info it should show; the slot's old
   * model is disposed. The caller hands over ownership of `model`.
   */
  put(role: ModelRole, model: WeightedModel, info: ModelInfo): ModelInfo {
    if (model.kind !== role)
      throw new WeightsError('wrong-model', `this is ${article(model.kind)}, not ${article(role)}`);
    this.models[role]?.dispose();
    this.models[role] = model;
    this.infos[role] = { ...info, role };
    return this.infos[role]!;
  }

  private place(
    role: ModelRole,
    model: WeightedModel,
    kind: ModelSource['kind'],
    manifest: WeightsManifest | null,
  ): ModelInfo {
    this.models[role]?.dispose();
    this.models[role] = model;
    this.infos[role] = describe(role, model, kind, manifest);
    return this.infos[role]!;
  }

  private require(role: ModelRole): WeightedModel {
    const model = this.models[role];
    if (!model) throw new Error(`no ${role} is loaded`);
    return model;
  }

  async saveToIndexedDb(role: ModelRole, key: string, quantization: Quantization): Promise<ModelInfo> {
    const model = this.require(role);
    const manifest = await saveWeights(model, indexedDbUrl(role, key), quantization);
    return describe(role, model, 'indexeddb', manifest);
  }

  /** The model as tfjs-style files: `<role>.json` (manifest in modelTopology) and `<role>.weights.bin`. */
  async exportFiles(role: ModelRole, quantization: Quantization): Promise<ModelFile[]> {
    return weightFiles(this.require(role), role, quantization);
  }

  async probe(seed: number): Promise<ModelProbe> {
    const rgba = renderScene(generateScene(worldRng(seed)));
    const visual = { kind: 'image' as const, rgba, width: IMAGE_SIZE, height: IMAGE_SIZE };
    const prompt = Int32Array.from(encodeWords(VOCAB, 'find an image that matches the caption').ids);
    const embedder = this.models.embedder as Embedder | null;
    const reasoner = this.models.reasoner as Reasoner | null;
    const embedding = embedder ? Array.from((await embedder.embedData([{ visual, instructionIds: prompt }]))[0]) : null;
    let reasoned: ModelProbe['reasoner'] = null;
    if (reasoner) {
      const out = await reasoner.generate([{ visual, promptIds: prompt }], {
        n: 1,
        maxNewTokens: 12,
        temperature: 0,
        rng: seededRng(seed),
        stopId: VOCAB.id('<eos>'),
      });
      const tokens = Array.from(out.tokens[0]);
      reasoned = { tokens, text: renderTokens(VOCAB, tokens) };
    }
    return { embedding, reasoner: reasoned };
  }
}
