// The engine's fine-tuner in Node: pairs in (fake) IndexedDB, a short EG-RL run on tiny models with
// pause / resume / checkpoints, and the fine-tuned Reasoner's export / import checks.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, test } from 'vitest';
import { FinetuneStore } from '../../media/finetune-store';
import { DEFAULT_FINETUNE, type FinetuneSettings } from '../../train/finetune';
import { LESSON_PAIRS, LESSON_SETTINGS, lessonById, lessonPairs, splitLesson } from '../../train/lesson';
import { FineTuner } from '.';
import type { FinetuneSnapshot, NewPair } from './types';
import { modelKey } from '../library/models';
import { tinyLibrary } from '../library/testutil';
import { ModelSlots } from '../model-slots';
import { initTestBackend } from '../../tf/testing';

beforeAll(() => initTestBackend());

async function setup(factory = new IDBFactory()) {
  const { slots, library } = await tinyLibrary(factory);
  await library.open({ collection: { seed: 7, images: 6, clips: 2, tcot: 'teacher' }, maxNewTokens: 8 });
  const tuner = new FineTuner(slots, library, () => FinetuneStore.open(factory));
  return { slots, library, tuner, factory };
}

const text = (t: string) => ({ kind: 'text' as const, text: t });
const PAIRS: NewPair[] = [
  { query: text('a red circle'), targetId: 'image-0', match: true },
  { query: text('a blue square'), targetId: 'image-1', match: true },
  { query: text('a green triangle'), targetId: 'image-2', match: true },
  { query: { kind: 'item', itemId: 'image-3' }, targetId: 'image-4', match: true },
  { query: text('a small yellow star'), targetId: 'image-5', match: true },
  { query: text('a moving circle'), targetId: 'clip-0', match: true },
  { query: text('a red circle'), targetId: 'image-5', match: false },
  { query: text('two squares'), targetId: 'clip-1', match: true },
];
const SETTINGS: FinetuneSettings = {
  ...DEFAULT_FINETUNE,
  steps: 4,
  n: 2,
  batch: 2,
  lr: 1e-3,
  maxNewTokens: 8,
  evalEvery: 2,
  checkpointEvery: 1,
};

async function until(tuner: FineTuner, phases: FinetuneSnapshot['phase'][], ms = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const s = await tuner.state();
    if (phases.includes(s.phase)) return s;
    if (Date.now() - t0 > ms) throw new Error(`still ${s.phase}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pairs', () => {
  test('add, re-label, edit, delete, import with per-row errors; a seeded split', async () => {
    const { tuner } = await setup();
    let list = await tuner.pairs.add(PAIRS);
    expect(list).toHaveLength(8);
    expect(list.every((p) => p.problem === null)).toBe(true);
    const held = list.filter((p) => p.split === 'held-out');
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(held.length).toBeLessThan(8);
    // Same query and target again: one pair, re-labelled.
    list = await tuner.pairs.add([{ ...PAIRS[0]!, match: false }]);
    expect(list).toHaveLength(8);
    expect(list.find((p) => p.targetId === 'image-0')!.match).toBe(false);
    const id = list.find((p) => p.targetId === 'image-0')!.id;
    list = await tuner.pairs.update(id, { match: true, queryText: 'a big red circle' });
    expect(list.find((p) => p.targetId === 'image-0')!.queryLabel).toBe('a big red circle');
    expect(list.find((p) => p.id === id)).toBeUndefined();
    // The split of the other pairs did not move.
    for (const p of list.filter((q) => q.targetId !== 'image-0'))
      expect(p.split).toBe(held.some((h) => h.id === p.id) ? 'held-out' : 'train');
    list = await tuner.pairs.delete(list[0]!.id);
    expect(list).toHaveLength(7);
    const imported = await tuner.pairs.import(
      'query,target,match\na striped circle,image-1,yes\nsomething,nope.png\n"broken,image-2',
      'csv',
    );
    expect(imported.added).toBe(1);
    expect(imported.errors.map((e) => e.row)).toEqual([3, 4]);
    expect(imported.errors[0]!.message).toMatch(/not in your library/);
    await expect(tuner.pairs.add([{ query: text('x'), targetId: 'nothing', match: true }])).rejects.toThrow(
      /not in the library/,
    );
  });
});

describe('an EG-RL run', () => {
  test('runs, pauses, resumes after a "reload" from the checkpoint, finishes with a before/after table; export → import is exact; bad files are refused', async () => {
    const { tuner, slots, library, factory } = await setup();
    await tuner.pairs.add(PAIRS);
    const updates: FinetuneSnapshot[] = [];
    let paused = false;
    await tuner.start(SETTINGS, (s) => {
      updates.push(s);
      // Pause as soon as two steps are in.
      if (!paused && s.logs.length === 2) {
        paused = true;
        tuner.pause();
      }
    });
    const atPause = await until(tuner, ['paused', 'error']);
    expect(atPause.error).toBeNull();
    expect(atPause.step).toBe(2);
    expect(atPause.logs[0]!.kl).toBeCloseTo(0, 5);
    expect(atPause.evals[0]!.step).toBe(0);
    expect(atPause.before).not.toBeNull();
    expect(atPause.samples[0]!.query.length).toBeGreaterThan(0);
    expect(atPause.saved).toMatchObject({ step: 2, steps: 4, finished: false });
    expect(updates.some((u) => u.phase === 'running')).toBe(true);

    // A reload: new library and fine-tuner over the same storage and the same built-in models.
    const { slots: slots2, tuner: tuner2 } = await setup(factory);
    const offered = await tuner2.state();
    expect(offered.saved).toMatchObject({ step: 2, finished: false });
    expect(offered.logs).toHaveLength(2);

    // The "reloaded" one resumes from the step-2 checkpoint (read before anything else is written), the
    // first goes on from memory (the uninterrupted reference): the same steps 3 and 4.
    const phases2: string[] = [];
    const r2 = await tuner2.resume((s) => phases2.push(s.phase));
    expect(r2.step).toBe(2);
    await tuner.resume();
    const straight = await until(tuner, ['finished', 'error']);
    const resumed = await until(tuner2, ['finished', 'error']);
    expect(phases2).toContain('running');
    expect(resumed.error).toBeNull();
    // The same batches and rollouts; numbers equal up to float rounding (tfjs' Adam restores β^t as pow(β, t)).
    expect(resumed.logs).toHaveLength(4);
    resumed.logs.forEach((l, i) => {
      const o = straight.logs[i]!;
      expect([l.step, l.pairs, l.tokens, l.acc, l.format]).toEqual([o.step, o.pairs, o.tokens, o.acc, o.format]);
      for (const k of ['orm', 'prm', 'kl', 'entropy', 'gradNorm'] as const) expect(l[k]).toBeCloseTo(o[k], 5);
      expect(l.reward.mean).toBeCloseTo(o.reward.mean, 5);
    });
    expect(resumed.after).not.toBeNull();
    expect(resumed.after!.ranks.length).toBe(resumed.before!.ranks.length);
    expect(resumed.tuned).toMatchObject({ steps: 4 });

    // Apply → the slot's Reasoner is the fine-tuned one; revert → the built-in one again.
    const builtin = await slots2.probe(5);
    await tuner2.apply();
    expect(slots2.info().reasoner!.source).toBe('finetuned');
    const tunedProbe = await slots2.probe(5);
    const files = await tuner2.exportFiles();
    await tuner2.revert();
    expect(await slots2.probe(5)).toEqual(builtin);
    expect(slots2.info().reasoner!.source).toBe('random');

    // Import the export: the same T-CoTs as the fine-tuned Reasoner.
    const copy = (f: { name: string; bytes: ArrayBuffer }) => ({ name: f.name, bytes: f.bytes.slice(0) });
    const after = await tuner.importFiles(files.map(copy));
    expect(after.applied).toBe(true);
    expect(await slots.probe(5)).toEqual(tunedProbe);

    // A tampered weights file, a file for another base model, a lone manifest: refused, nothing changes.
    const tampered = files.map(copy);
    new Uint8Array(tampered[1]!.bytes)[100] ^= 0xff;
    await expect(tuner.importFiles(tampered)).rejects.toThrow(/corrupt or was changed/);
    const json = JSON.parse(new TextDecoder().decode(files[0]!.bytes));
    json.modelTopology.fineTune.baseKey = 'random-deadbeef';
    const other = [
      { name: files[0]!.name, bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
      copy(files[1]!),
    ];
    await expect(tuner.importFiles(other)).rejects.toThrow(/another base model/);
    await expect(tuner.importFiles([copy(files[0]!)])).rejects.toThrow(/two files together/);
    expect(await slots.probe(5)).toEqual(tunedProbe);
    void library;
  }, 120_000);

  test('a tab closed between checkpoints: the reopened page knows the step the run reached, and the resume redoes exactly the steps after the checkpoint', async () => {
    const { slots, library, factory } = await setup();
    // The "tab" dies after step 3: from then on nothing it writes reaches storage.
    let dead = false;
    const tuner = new FineTuner(slots, library, async () => {
      const store = await FinetuneStore.open(factory);
      const put = store.putRun.bind(store);
      store.putRun = (r) => (dead ? Promise.resolve() : put(r));
      return store;
    });
    await tuner.pairs.add(PAIRS);
    await tuner.start({ ...SETTINGS, steps: 6, checkpointEvery: 2, evalEvery: 6 }, (s) => {
      if (s.logs.length === 4) dead = true; // step 3's progress mark is in; step 4's checkpoint is not
    });
    await until(tuner, ['finished', 'error']);
    const { tuner: reopened } = await setup(factory);
    const offered = await reopened.state();
    expect(offered.saved).toMatchObject({ step: 2, reached: 3, steps: 6, finished: false });
    await reopened.resume();
    const done = await until(reopened, ['finished', 'error']);
    expect(done.error).toBeNull();
    expect(done.logs.map((l) => l.step)).toEqual([0, 1, 2, 3, 4, 5]); // six steps, none twice
    // A new run forgets the old run's mark: its first checkpoint redoes nothing.
    await reopened.start({ ...SETTINGS, steps: 1, evalEvery: 1 });
    await until(reopened, ['finished', 'error']);
    const { tuner: third } = await setup(factory);
    expect((await third.state()).saved).toMatchObject({ step: 1, reached: 1, finished: true });
  });

  test('the applied fine-tuned Reasoner survives a reload; after a revert the next visit uses the built-in one', async () => {
    const { tuner, slots, factory } = await setup();
    await tuner.pairs.add(PAIRS);
    await tuner.start({ ...SETTINGS, steps: 1, evalEvery: 1 });
    await until(tuner, ['finished', 'error']);
    await tuner.apply();
    const tuned = await slots.probe(5);
    const info = slots.info().reasoner!;
    // A reload: the built-in models load, then the remembered fine-tuned Reasoner goes back into the slot.
    const reloaded = await setup(factory);
    expect(reloaded.slots.info().reasoner!.source).toBe('random');
    expect(await reloaded.tuner.restoreApplied()).toEqual({ restored: true, note: null });
    expect(await reloaded.slots.probe(5)).toEqual(tuned);
    expect(reloaded.slots.info().reasoner).toMatchObject({ source: 'finetuned', sha256: info.sha256 });
    expect(await reloaded.tuner.state()).toMatchObject({ applied: true, tuned: { steps: 1 } });
    await reloaded.tuner.revert();
    const again = await setup(factory);
    expect(await again.tuner.restoreApplied()).toEqual({ restored: false, note: null });
    expect(again.slots.info().reasoner!.source).toBe('random');
  });

  test('stop ends a run early: evaluated, kept, and the checkpoint marked finished', async () => {
    const { tuner } = await setup();
    await tuner.pairs.add(PAIRS);
    let asked = false;
    let stopping: Promise<void> | null = null;
    await tuner.start({ ...SETTINGS, steps: 50 }, (s) => {
      if (!asked && s.logs.length === 1) {
        asked = true; // stop() reports synchronously to this same listener
        stopping = tuner.stop();
      }
    });
    const s = await until(tuner, ['finished', 'error']);
    await stopping;
    expect(s.error).toBeNull();
    expect(s.step).toBeLessThan(50);
    expect(s.after).not.toBeNull();
    expect(s.tuned).toMatchObject({ steps: s.step });
    expect((await tuner.state()).saved).toMatchObject({ finished: true, step: s.step });
  });

  test('a new run while an earlier fine-tuned Reasoner is applied: the snapshot says the earlier one is in use, not this one', async () => {
    const { tuner, slots } = await setup();
    await tuner.pairs.add(PAIRS);
    await tuner.start({ ...SETTINGS, steps: 1, evalEvery: 1 });
    await until(tuner, ['finished', 'error']);
    await tuner.apply();
    expect(await tuner.state()).toMatchObject({ applied: true, earlierApplied: false });
    const first = await slots.probe(5);
    await tuner.start({ ...SETTINGS, steps: 1, evalEvery: 1, seed: 2 });
    const s = await until(tuner, ['finished', 'error']);
    expect(s).toMatchObject({ error: null, applied: false, earlierApplied: true });
    expect(await slots.probe(5)).toEqual(first); // Explore still runs the first run's Reasoner
    await tuner.apply();
    expect(await tuner.state()).toMatchObject({ applied: true, earlierApplied: false });
    await tuner.revert();
    expect(await tuner.state()).toMatchObject({ applied: false, earlierApplied: false });
    expect(slots.info().reasoner!.source).toBe('random');
  });

  test('run after run, applied and reverted, leaves no tensors behind (the soak found 2 per run: checkpoints)', async () => {
    const { tuner } = await setup();
    await tuner.pairs.add(PAIRS);
    const counts: number[] = [];
    for (let k = 0; k < 3; k++) {
      await tuner.start({ ...SETTINGS, steps: 2, evalEvery: 2, checkpointEvery: 1, seed: k + 1 });
      expect((await until(tuner, ['finished', 'error'])).error).toBeNull();
      await tuner.apply();
      if (k % 2) await tuner.revert();
      counts.push(tf.memory().numTensors);
    }
    expect(counts).toEqual([counts[0], counts[0], counts[0]]);
  });

  test('too few usable pairs is a clear error, not a crash', async () => {
    const { tuner } = await setup();
    await tuner.pairs.add([PAIRS[0]!]);
    const s = await tuner.start(SETTINGS);
    expect(s.phase).toBe('error');
    expect(s.error).toMatch(/at least 2 training pairs/);
  });
});

describe('importing a fine-tuned Reasoner', () => {
  test('refuses a weights path outside its folder, a short shard and NaN weights (sizes and hash right), keeping the loaded Reasoner; the same files otherwise import', async () => {
    const { slots, tuner } = await setup();
    const other = new ModelSlots();
    await other.load('reasoner', { kind: 'random', preset: 'tiny', seed: 9 }); // same shape, other weights
    const [json, bin] = await other.exportFiles('reasoner', 'float32');
    const manifest = JSON.parse(new TextDecoder().decode(json!.bytes));
    manifest.modelTopology.fineTune = {
      version: 1,
      baseKey: modelKey(slots.info().reasoner!),
      baseSha256: null,
      settings: SETTINGS,
      steps: 0,
      heldOut: { before: null, after: null },
    };
    const files = (m: unknown, weights: Uint8Array) => [
      { name: 'reasoner-finetuned.json', bytes: new TextEncoder().encode(JSON.stringify(m)).buffer as ArrayBuffer },
      { name: 'reasoner-finetuned.weights.bin', bytes: weights.slice().buffer as ArrayBuffer },
    ];
    const weights = new Uint8Array(bin!.bytes);
    const builtin = await slots.probe(5);

    const climbing = structuredClone(manifest);
    climbing.weightsManifest[0].paths = ['../../x'];
    await expect(tuner.importFiles(files(climbing, weights))).rejects.toThrow(
      /"\.\.\/\.\.\/x", a path outside its folder/,
    );
    await expect(tuner.importFiles(files(manifest, weights.subarray(0, weights.length - 1000)))).rejects.toThrow(
      /corrupt or was changed/,
    );
    const nan = weights.slice();
    const tensor = manifest.modelTopology.tensors[3];
    new DataView(nan.buffer).setFloat32(tensor.offset, NaN, true);
    const nanManifest = structuredClone(manifest);
    nanManifest.modelTopology.sha256 = createHash('sha256').update(nan).digest('hex');
    await expect(tuner.importFiles(files(nanManifest, nan))).rejects.toThrow(
      new RegExp(`tensor '${tensor.name}' holds NaN or infinity`),
    );
    expect(await slots.probe(5)).toEqual(builtin);
    expect((await tuner.state()).tuned).toBeFalsy();

    const imported = await tuner.importFiles(files(manifest, weights));
    expect(imported.applied).toBe(true);
    expect((await slots.probe(5)).reasoner).toEqual((await other.probe(5)).reasoner);
  }, 60_000);
});

describe('the built-in lesson', () => {
  test('loads its pairs into an empty list with the lesson split, and refuses a list that holds the user’s pairs', async () => {
    const factory = new IDBFactory();
    const { slots, library } = await tinyLibrary(factory);
    await library.open({ collection: { seed: 1, images: 120, clips: 2, tcot: 'teacher' }, maxNewTokens: 8 });
    const tuner = new FineTuner(slots, library, () => FinetuneStore.open(factory));
    const list = await tuner.pairs.loadLesson('one-object');
    const builtin = library
      .items()
      .flatMap((i) => (i.source === 'builtin' && i.caption ? [{ id: i.id, kind: i.kind, caption: i.caption }] : []));
    const expected = lessonPairs(lessonById('one-object'), builtin, { seed: 1, count: LESSON_PAIRS });
    expect(list.map((p) => p.id).sort()).toEqual(expected.map((p) => p.id).sort());
    const split = splitLesson(expected, LESSON_SETTINGS.heldOut, () => undefined);
    expect(
      list
        .filter((p) => p.split === 'held-out')
        .map((p) => p.id)
        .sort(),
    ).toEqual([...split.heldIds].sort());
    expect(
      list.every((p) => p.match && p.instruction === 'find an image that matches the caption' && p.problem === null),
    ).toBe(true);
    // Loading it again changes nothing; a pair of the user's blocks it, and nothing is lost.
    expect(await tuner.pairs.loadLesson('one-object')).toHaveLength(list.length);
    await tuner.pairs.add([{ query: text('my own query'), targetId: 'image-0', match: true }]);
    await expect(tuner.pairs.loadLesson('one-object')).rejects.toThrow(/holds 1 of yours/);
    await expect(tuner.pairs.loadLesson('two-objects')).rejects.toThrow(
      new RegExp(`holds ${list.length + 1} of yours`),
    );
    expect(await tuner.pairs.list()).toHaveLength(list.length + 1);
  });
});
