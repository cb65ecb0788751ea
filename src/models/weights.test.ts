import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Embedder, EMBEDDER_PRESETS, type EmbedItem } from './embedder';
import { WeightsError, type WeightsErrorReason } from './errors';
import { Reasoner, REASONER_PRESETS, type ReasonerInput } from './reasoner';
import { syntheticIds, syntheticImage, syntheticImageInput } from './testdata';
import {
  dequantizeInt8,
  encodeWeights,
  loadModel,
  loadWeightsInto,
  memoryHandler,
  quantizeInt8,
  saveWeights,
  type WeightsManifest,
} from './weights';
import { nodeFileHandler } from './weights-node';

let embedder: Embedder;
let reasoner: Reasoner;
let dir: string;
const embedItems: EmbedItem[] = [
  {
    visual: syntheticImageInput(1),
    tcotIds: syntheticIds(2, 12, 2, 64),
    evidence: [{ kind: 'crop', image: syntheticImage(1), region: { x: 5, y: 5, w: 20, h: 20 } }],
  },
  { textIds: syntheticIds(3, 7, 2, 64) },
];
const reasonInputs: ReasonerInput[] = [{ visual: syntheticImageInput(4), promptIds: syntheticIds(5, 4, 2, 64) }];
const sequences = [syntheticIds(6, 10, 2, 64)];

const embed = (m: Embedder) => tf.tidy(() => Array.from(m.embed(embedItems).dataSync()));
const logprobs = async (m: Reasoner) => Array.from((await m.logprobsData(reasonInputs, sequences))[0]!);
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

beforeAll(async () => {
  await initTestBackend();
  embedder = new Embedder(EMBEDDER_PRESETS.tiny);
  reasoner = new Reasoner(REASONER_PRESETS.tiny);
  dir = await mkdtemp(join(tmpdir(), 'embed-rl-weights-'));
});
afterAll(async () => {
  embedder.dispose();
  reasoner.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('int8 per-channel quantisation', () => {
  test.each([
    [[6, 5], 1],
    [[6, 5], 0],
  ])('shape %j axis %i: |w − deq(q(w))| ≤ scale/2 per channel', (shape, axis) => {
    const values = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    values.fill(0, 0, shape[1]); // row 0 all zero: a zero channel when axis = 0
    const { q, scales } = quantizeInt8(values, shape, axis);
    const back = dequantizeInt8(q, scales, shape, axis);
    const inner = axis === 1 ? 1 : shape[1]!;
    values.forEach((v, i) => {
      const scale = scales[Math.floor(i / inner) % shape[axis]!]!;
      expect(Math.abs(v - back[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
    expect(Math.max(...Array.from(q, Math.abs))).toBe(127);
  });

  test('default models: ≤ 4 M parameters each, int8 payloads together ≤ 8 MB', async () => {
    const e = new Embedder();
    const r = new Reasoner();
    const eInt8 = (await encodeWeights(e, 'int8')).manifest.payloadBytes;
    const rInt8 = (await encodeWeights(r, 'int8')).manifest.payloadBytes;
    expect(e.params.count()).toBeLessThanOrEqual(4e6);
    expect(r.params.count()).toBeLessThanOrEqual(4e6);
    expect(eInt8 + rInt8).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(eInt8).toBeLessThan(e.params.count() * 1.1); // ~1 byte per weight
    e.dispose();
    r.dispose();
  });
});

describe('save → load', () => {
  /** Both models saved at `dtype` into memory and loaded back from their manifests. */
  const roundTrip = async (dtype: 'float32' | 'int8') => {
    const eh = memoryHandler();
    const rh = memoryHandler();
    await saveWeights(embedder, eh, dtype);
    await saveWeights(reasoner, rh, dtype);
    return { e2: (await loadModel(eh)).model as Embedder, r2: (await loadModel(rh)).model as Reasoner, rh };
  };

  test('float32 round trip reproduces outputs exactly; loadModel rebuilds from the manifest config', async () => {
    const { e2, r2 } = await roundTrip('float32');
    expect(e2.kind).toBe('embedder');
    expect(embed(e2)).toEqual(embed(embedder));
    expect(await logprobs(r2)).toEqual(await logprobs(reasoner));
    e2.dispose();
    r2.dispose();
  });

  test('int8 round trip stays close (embedding |Δ| < 0.02, log-prob |Δ| < 0.02) and is stable when re-saved', async () => {
    const { e2, r2, rh } = await roundTrip('int8');
    expect(maxAbsDiff(embed(e2), embed(embedder))).toBeLessThan(0.02);
    expect(maxAbsDiff(await logprobs(r2), await logprobs(reasoner))).toBeLessThan(0.02);
    const again = await encodeWeights(r2, 'int8');
    expect(again.manifest.sha256).toBe(((await rh.load!()).modelTopology as WeightsManifest).sha256);
    e2.dispose();
    r2.dispose();
  });

  test('Node folder handler: sharded files load back, and the same folder loads through tf.io.http', async () => {
    const folder = join(dir, 'reasoner');
    await saveWeights(reasoner, nodeFileHandler(folder, 20_000), 'int8');
    const files = (await readdir(folder)).sort();
    expect(files.filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(1);
    const fromDisk = (await loadModel(nodeFileHandler(folder))).model as Reasoner;
    const fetchFunc = (async (url: RequestInfo | URL) =>
      new Response(
        await readFile(join(folder, String(url).replace('http://models.test/reasoner/', ''))),
      )) as typeof fetch;
    const overHttp = (await loadModel(tf.io.http('http://models.test/reasoner/model.json', { fetchFunc })))
      .model as Reasoner;
    expect(await logprobs(overHttp)).toEqual(await logprobs(fromDisk));
    fromDisk.dispose();
    overHttp.dispose();
  });

  test('a file written before globalClipSize existed loads, reading clip frames at globalSize as it did', async () => {
    const handler = memoryHandler();
    await saveWeights(embedder, handler, 'float32');
    const config = (handler.artifacts!.modelTopology as unknown as WeightsManifest).config as unknown as Record<
      string,
      unknown
    >;
    delete config.globalClipSize;
    delete config.vision;
    const { model } = await loadModel(handler);
    expect((model as Embedder).config.globalClipSize).toBe(EMBEDDER_PRESETS.tiny.globalSize);
    expect(embed(model as Embedder)).toEqual(embed(embedder));
    model.dispose();
  });

  // The weights the app serves must load with this code (a field added to a config once broke that).
  const shipped = ['embedder', 'reasoner', 'reasoner-sft']
    .map((name) => join(process.cwd(), 'public', 'models', name))
    .filter((folder) => existsSync(join(folder, 'model.json')));
  test.skipIf(shipped.length === 0)('the shipped weights in public/models load', async () => {
    for (const folder of shipped) {
      const { model, manifest } = await loadModel(nodeFileHandler(folder));
      expect(model.kind).toBe(manifest.model);
      model.dispose();
    }
  });
});

describe('loading failures are clear and leave the model untouched', () => {
  /** A memory handler holding a saved copy of `model`, with manifest/payload edited by `edit`. */
  async function tampered(
    model: Embedder | Reasoner,
    edit: (m: WeightsManifest, payload: Uint8Array) => Uint8Array | void,
  ) {
    const handler = memoryHandler();
    await saveWeights(model, handler, 'int8');
    const artifacts = handler.artifacts!;
    const manifest = JSON.parse(JSON.stringify(artifacts.modelTopology)) as WeightsManifest;
    const payload = new Uint8Array((artifacts.weightData as ArrayBuffer).slice(0));
    const edited = edit(manifest, payload) ?? payload;
    handler.artifacts = { ...artifacts, modelTopology: manifest, weightData: edited.buffer as ArrayBuffer };
    return handler;
  }

  async function expectReason(promise: Promise<unknown>, reason: WeightsErrorReason) {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).reason).toBe(reason);
  }

  test.each<[WeightsErrorReason, (m: WeightsManifest, p: Uint8Array) => Uint8Array | void]>([
    ['unsupported-version', (m) => void (m.version = 2)],
    ['bad-manifest', (m) => void ((m as { format: string }).format = 'something-else')],
    ['hash-mismatch', (_, p) => void (p[100] = p[100]! ^ 0xff)],
    ['truncated', (_, p) => p.slice(0, p.length - 64)],
    [
      'shape-mismatch',
      (m) => void m.tensors.find((t) => t.shape.length === 2 && t.shape[0] !== t.shape[1])!.shape.reverse(),
    ],
    ['wrong-model', (m) => void (m.model = 'reasoner')],
    ['config-mismatch', (m) => void ((m.config as { dModel: number }).dModel = 48)],
    ['missing-tensor', (m) => void m.tensors.pop()],
    // NaN in a float32 tensor, the hash recomputed: the bytes are the manifest's, but not numbers a model can run on.
    [
      'non-finite',
      (m, p) => {
        const t = m.tensors.find((e) => e.dtype === 'float32')!;
        new DataView(p.buffer).setFloat32(t.offset, NaN, true);
        m.sha256 = createHash('sha256').update(p).digest('hex');
      },
    ],
  ])('%s', async (reason, edit) => {
    const before = embed(embedder);
    const handler = await tampered(embedder, edit);
    await expectReason(loadWeightsInto(embedder, handler), reason);
    expect(embed(embedder)).toEqual(before);
  });

  test('a truncated shard on disk and a missing shard file', async () => {
    const folder = join(dir, 'embedder');
    await saveWeights(embedder, nodeFileHandler(folder, 50_000), 'int8');
    const before = embed(embedder);
    const shards = (await readdir(folder)).filter((f) => f.endsWith('.bin')).sort();
    await truncate(join(folder, shards[shards.length - 1]!), 10);
    await expectReason(loadWeightsInto(embedder, nodeFileHandler(folder)), 'truncated');
    await rm(join(folder, shards[0]!));
    await expectReason(loadWeightsInto(embedder, nodeFileHandler(folder)), 'truncated');
    await expectReason(loadWeightsInto(embedder, nodeFileHandler(join(dir, 'nowhere'))), 'bad-manifest');
    await expectReason(loadWeightsInto(reasoner, memoryHandler()), 'bad-manifest');
    expect(embed(embedder)).toEqual(before);
  });

  test('a URL no tf.io router understands', async () => {
    await expectReason(loadWeightsInto(embedder, 'nosuchscheme://x'), 'no-handler');
  });
});
