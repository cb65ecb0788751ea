// Saving and loading model weights through tf.io handlers (tf.io.http, tf.io.browserFiles,
// 'indexeddb://…', the Node file handler in weights-node.ts, or memoryHandler()). Format: README.md.
// Loading validates everything in plain JS before the first variable is touched, so a failed load
// leaves the target model exactly as it was.
import * as tf from '@tensorflow/tfjs-core';
import { Embedder, type EmbedderConfig } from './embedder';
import { WeightsError } from './errors';
import { Reasoner, type ReasonerConfig } from './reasoner';
import { VisionModel, type VisionModelConfig } from './vision';

export const WEIGHTS_FORMAT = 'embed-rl-weights';
export const WEIGHTS_VERSION = 1;

export type WeightedModel = Embedder | Reasoner | VisionModel;
export type Quantization = 'int8' | 'float32';

/** Where one tensor lives in the payload. int8 tensors carry float32 scales, one per channel. */
export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int8';
  offset: number; // byte offset of the values (4-byte aligned)
  byteLength: number;
  channelAxis?: number; // int8 only: w[..., c, ...] ≈ q[..., c, ...] · scale[c] along this axis
  scaleOffset?: number; // int8 only: byte offset of Float32 scales [shape[channelAxis]]
}

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  version: number;
  model: 'embedder' | 'reasoner' | 'vision';
  config: EmbedderConfig | ReasonerConfig | VisionModelConfig;
  quantization: Quantization;
  tensors: TensorEntry[];
  payloadBytes: number;
  sha256: string; // hex SHA-256 of the payload (all shards concatenated)
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const align4 = (n: number) => (n + 3) & ~3;

/** Elements between consecutive channel indices along `axis` (product of the dims after it). */
function innerSize(shape: number[], axis: number): number {
  return shape.slice(axis + 1).reduce((a, b) => a * b, 1);
}

/** Symmetric per-channel int8: scale[c] = max|w[c]| / 127, q = round(w / scale) ∈ [−127, 127]. */
export function quantizeInt8(
  values: Float32Array,
  shape: number[],
  axis: number,
): { q: Int8Array; scales: Float32Array } {
  const channels = shape[axis]!;
  const inner = innerSize(shape, axis);
  const scales = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    scales[c] = Math.max(scales[c]!, Math.abs(values[i]!));
  }
  for (let c = 0; c < channels; c++) scales[c] = scales[c]! / 127;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = scales[Math.floor(i / inner) % channels]!;
    q[i] = s > 0 ? Math.max(-127, Math.min(127, Math.round(values[i]! / s))) : 0;
  }
  return { q, scales };
}

export function dequantizeInt8(q: Int8Array, scales: Float32Array, shape: number[], axis: number): Float32Array {
  const channels = shape[axis]!;
  const inner = innerSize(shape, axis);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scales[Math.floor(i / inner) % channels]!;
  return out;
}

/** Serialise a model's variables: the manifest and one payload buffer. */
export async function encodeWeights(
  model: WeightedModel,
  quantization: Quantization = 'int8',
): Promise<{ manifest: WeightsManifest; payload: Uint8Array }> {
  const chunks: { offset: number; bytes: Uint8Array }[] = [];
  const tensors: TensorEntry[] = [];
  let cursor = 0;
  const put = (bytes: Uint8Array) => {
    const offset = cursor;
    chunks.push({ offset, bytes });
    cursor = align4(cursor + bytes.byteLength);
    return offset;
  };
  for (const [name, variable] of model.params.vars) {
    const spec = model.params.specs.get(name)!;
    const values = (await variable.data()) as Float32Array;
    if (quantization === 'int8' && spec.channelAxis !== null) {
      const { q, scales } = quantizeInt8(values, spec.shape, spec.channelAxis);
      const offset = put(new Uint8Array(q.buffer, q.byteOffset, q.byteLength));
      const scaleOffset = put(new Uint8Array(scales.buffer));
      tensors.push({
        name,
        shape: spec.shape,
        dtype: 'int8',
        offset,
        byteLength: q.byteLength,
        channelAxis: spec.channelAxis,
        scaleOffset,
      });
    } else {
      const offset = put(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      tensors.push({ name, shape: spec.shape, dtype: 'float32', offset, byteLength: values.byteLength });
    }
  }
  const payload = new Uint8Array(cursor);
  for (const chunk of chunks) payload.set(chunk.bytes, chunk.offset);
  const manifest: WeightsManifest = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    model: model.kind,
    config: { ...model.config },
    quantization,
    tensors,
    payloadBytes: cursor,
    sha256: await sha256Hex(payload),
  };
  return { manifest, payload };
}

function resolve(target: string | tf.io.IOHandler, mode: 'load' | 'save'): tf.io.IOHandler {
  if (typeof target !== 'string') return target;
  const handlers = mode === 'load' ? tf.io.getLoadHandlers(target) : tf.io.getSaveHandlers(target);
  if (handlers.length === 0) throw new WeightsError('no-handler', `no tf.io ${mode} handler for '${target}'`);
  return handlers[0]!;
}

/** Save through any tf.io handler or URL ('indexeddb://name', 'downloads://name', http URL). */
export async function saveWeights(
  model: WeightedModel,
  destination: string | tf.io.IOHandler,
  quantization: Quantization = 'int8',
): Promise<WeightsManifest> {
  const handler = resolve(destination, 'save');
  if (!handler.save) throw new WeightsError('no-handler', 'handler cannot save');
  const { manifest, payload } = await encodeWeights(model, quantization);
  const result = await handler.save({
    modelTopology: manifest as unknown as object,
    format: WEIGHTS_FORMAT,
    generatedBy: 'embed-rl-lab',
    convertedBy: null,
    // One byte-level spec for the whole payload: its true layout is in the manifest (tfjs' own
    // quantisation is per tensor, not per channel, so tf.io never decodes these bytes itself).
    weightSpecs: [
      {
        name: 'payload',
        shape: [payload.byteLength],
        dtype: 'float32',
        quantization: { dtype: 'uint8', scale: 1, min: 0 },
      },
    ],
    weightData: payload.buffer as ArrayBuffer,
  });
  if (result.errors && result.errors.length > 0) throw new WeightsError('save-failed', String(result.errors[0]));
  return manifest;
}

function badManifest(message: string): never {
  throw new WeightsError('bad-manifest', message);
}

/** Check a parsed manifest's own consistency (not yet against a model). */
function checkManifest(raw: unknown): WeightsManifest {
  if (raw === null || typeof raw !== 'object') badManifest('no manifest (modelTopology) in the artifacts');
  const m = raw as Partial<WeightsManifest>;
  if (m.format !== WEIGHTS_FORMAT) badManifest(`format '${String(m.format)}' is not '${WEIGHTS_FORMAT}'`);
  if (m.version !== WEIGHTS_VERSION)
    throw new WeightsError(
      'unsupported-version',
      `format version ${String(m.version)}; this build reads version ${WEIGHTS_VERSION}`,
    );
  if (m.model !== 'embedder' && m.model !== 'reasoner' && m.model !== 'vision')
    badManifest(`unknown model kind '${String(m.model)}'`);
  if (!m.config || typeof m.config !== 'object') badManifest('missing config');
  if (typeof m.payloadBytes !== 'number' || typeof m.sha256 !== 'string' || !Array.isArray(m.tensors))
    badManifest('missing payloadBytes, sha256 or tensors');
  for (const t of m.tensors) {
    const size = Array.isArray(t.shape) ? t.shape.reduce((a, b) => a * b, 1) : NaN;
    const bytesPer = t.dtype === 'int8' ? 1 : t.dtype === 'float32' ? 4 : NaN;
    if (typeof t.name !== 'string' || !(size * bytesPer === t.byteLength))
      badManifest(`tensor '${String(t.name)}': shape/dtype/byteLength disagree`);
    if (!(t.offset >= 0 && t.offset + t.byteLength <= m.payloadBytes && t.offset % 4 === 0))
      badManifest(`tensor '${t.name}' lies outside the payload`);
    if (t.dtype === 'int8') {
      const channels = t.shape[t.channelAxis ?? -1];
      if (
        channels === undefined ||
        !(t.scaleOffset! >= 0 && t.scaleOffset! % 4 === 0 && t.scaleOffset! + channels * 4 <= m.payloadBytes)
      )
        badManifest(`tensor '${t.name}': bad int8 channel axis or scales`);
    }
  }
  upgradeConfig(m as WeightsManifest);
  return m as WeightsManifest;
}

/**
 * Files written before a config field existed: fill it with the value that reproduces how those models ran.
 * `globalClipSize` (Embedder, added with the vision stem): clip frames were read at `globalSize` before.
 * Fields that default to `null` (`vision`, `pointer`) need nothing: absent ≡ null when configs are compared.
 */
function upgradeConfig(m: WeightsManifest): void {
  const c = m.config as unknown as Record<string, unknown>;
  if (m.model === 'embedder' && c.globalClipSize === undefined && typeof c.globalSize === 'number')
    c.globalClipSize = c.globalSize;
}

/** Load, validate and dequantise a weights file into plain Float32Arrays (no tensors). */
export async function readWeights(
  source: string | tf.io.IOHandler,
): Promise<{ manifest: WeightsManifest; values: Map<string, Float32Array> }> {
  const handler = resolve(source, 'load');
  if (!handler.load) throw new WeightsError('no-handler', 'handler cannot load');
  const artifacts = await handler.load();
  const manifest = checkManifest(artifacts.modelTopology);
  const data = artifacts.weightData;
  const buffer = data === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(data);
  if (buffer.byteLength < manifest.payloadBytes)
    throw new WeightsError(
      'truncated',
      `payload is ${buffer.byteLength} bytes, manifest says ${manifest.payloadBytes}`,
    );
  if (buffer.byteLength > manifest.payloadBytes)
    badManifest(`payload is ${buffer.byteLength} bytes, manifest says ${manifest.payloadBytes}`);
  const payload = new Uint8Array(buffer);
  const hash = await sha256Hex(payload);
  if (hash !== manifest.sha256)
    throw new WeightsError('hash-mismatch', `payload SHA-256 ${hash} != manifest ${manifest.sha256}`);
  const values = new Map<string, Float32Array>();
  for (const t of manifest.tensors) {
    if (t.dtype === 'float32') {
      values.set(t.name, new Float32Array(buffer.slice(t.offset, t.offset + t.byteLength)));
    } else {
      const channels = t.shape[t.channelAxis!]!;
      const q = new Int8Array(buffer, t.offset, t.byteLength);
      const scales = new Float32Array(buffer.slice(t.scaleOffset!, t.scaleOffset! + channels * 4));
      values.set(t.name, dequantizeInt8(q, scales, t.shape, t.channelAxis!));
    }
    if (!values.get(t.name)!.every(Number.isFinite))
      throw new WeightsError('non-finite', `tensor '${t.name}' holds NaN or infinity (a damaged or tampered file)`);
  }
  return { manifest, values };
}

/** Config fields that must agree between a file and a model (the init seed need not). */
function sameArchitecture(a: object, b: object): string | null {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (key !== 'seed' && JSON.stringify(ra[key] ?? null) !== JSON.stringify(rb[key] ?? null)) return key; // nested configs (vision) by value
  }
  return null;
}

/** Swap decoded values into a model's variables, after checking names and shapes of all of them. */
function assignAll(model: WeightedModel, manifest: WeightsManifest, values: Map<string, Float32Array>): void {
  if (manifest.model !== model.kind)
    throw new WeightsError('wrong-model', `file holds a ${manifest.model}, target is a ${model.kind}`);
  const differing = sameArchitecture(manifest.config, model.config);
  if (differing !== null)
    throw new WeightsError('config-mismatch', `config.${differing} differs between file and model`);
  const entries = new Map(manifest.tensors.map((t) => [t.name, t]));
  for (const [name, variable] of model.params.vars) {
    const entry = entries.get(name);
    if (!entry) throw new WeightsError('missing-tensor', `file has no tensor '${name}'`);
    if (entry.shape.join(',') !== variable.shape.join(','))
      throw new WeightsError('shape-mismatch', `'${name}': file [${entry.shape}] vs model [${variable.shape}]`);
  }
  for (const name of entries.keys()) {
    if (!model.params.vars.has(name))
      throw new WeightsError('unexpected-tensor', `file has tensor '${name}' the model lacks`);
  }
  for (const [name, variable] of model.params.vars) {
    tf.tidy(() => variable.assign(tf.tensor(values.get(name)!, variable.shape, 'float32')));
  }
}

/** Load weights into an existing model; on any error the model keeps its current weights. */
export async function loadWeightsInto(
  model: WeightedModel,
  source: string | tf.io.IOHandler,
): Promise<WeightsManifest> {
  const { manifest, values } = await readWeights(source);
  assignAll(model, manifest, values);
  return manifest;
}

/** Build a new model from the file's config and load its weights. */
export async function loadModel(
  source: string | tf.io.IOHandler,
): Promise<{ model: WeightedModel; manifest: WeightsManifest }> {
  const { manifest, values } = await readWeights(source);
  let model: WeightedModel;
  try {
    model =
      manifest.model === 'embedder'
        ? new Embedder(manifest.config as EmbedderConfig)
        : manifest.model === 'vision'
          ? new VisionModel(manifest.config as VisionModelConfig)
          : new Reasoner(manifest.config as ReasonerConfig);
  } catch (err) {
    throw new WeightsError('bad-manifest', `config rejected: ${(err as Error).message}`);
  }
  try {
    assignAll(model, manifest, values);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, manifest };
}

/** An in-memory IOHandler: save() stores the artifacts, load() returns them (tests, benchmarks, copies). */
export function memoryHandler(): tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } = {
    async save(artifacts) {
      handler.artifacts = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      if (!handler.artifacts) throw new WeightsError('bad-manifest', 'memory handler holds nothing');
      return handler.artifacts;
    },
  };
  return handler;
}

/** A model's weights as the two files of a download: `name.json` (topology and manifest) and `name.weights.bin`. */
export async function weightFiles(
  model: WeightedModel,
  name: string,
  quantization: Quantization,
  topology: (t: WeightsManifest) => object = (t) => t,
): Promise<{ name: string; bytes: ArrayBuffer }[]> {
  const mem = memoryHandler();
  await saveWeights(model, mem, quantization);
  const a = mem.artifacts!;
  const json = {
    modelTopology: topology(a.modelTopology as WeightsManifest),
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest: [{ paths: [`./${name}.weights.bin`], weights: a.weightSpecs }],
  };
  return [
    { name: `${name}.json`, bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
    { name: `${name}.weights.bin`, bytes: tf.io.CompositeArrayBuffer.join(a.weightData!) },
  ];
}
