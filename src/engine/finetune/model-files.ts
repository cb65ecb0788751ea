// The fine-tuned Reasoner as files: export (float32 weights; the manifest names the base model and the run's
// settings) and a validated import. Also what "the same Reasoner" means: same architecture, any init seed.
import * as tf from '@tensorflow/tfjs-core';
import { errorMessage } from '../../media/errors';
import { WeightsError } from '../../models/errors';
import { Reasoner } from '../../models/reasoner';
import { loadModel, weightFiles, type WeightedModel } from '../../models/weights';
import { copyWeights } from '../../train/grpo-trainer';
import type { ModelFile } from '../types';
import type { FinetuneMeta } from './records';

export function cloneReasoner(from: Reasoner): Reasoner {
  const copy = new Reasoner(from.config);
  copyWeights(from, copy);
  return copy;
}

/** Architecture fields (all but the init seed) as one comparable string. */
const architecture = (config: object) =>
  JSON.stringify(
    Object.entries(config)
      .filter(([k]) => k !== 'seed')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** A loaded model can stand in for the built-in Reasoner: a Reasoner of the same architecture. */
export const sameShape = (model: WeightedModel, base: Reasoner) =>
  model.kind === 'reasoner' && architecture(model.config) === architecture(base.config);

/** A weights path as this app's export writes it: a file name beside the manifest, optionally `./`-prefixed. */
function isPlainFileName(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  const name = path.replace(/^\.\//, '');
  return name !== '' && name !== '.' && name !== '..' && !/[/\\:]/.test(name);
}

/** The fine-tuned Reasoner as two files: `reasoner-finetuned.json` (manifest + `fineTune` meta) and its `.weights.bin`. */
export async function tunedFiles(model: Reasoner, meta: FinetuneMeta): Promise<ModelFile[]> {
  return weightFiles(model, 'reasoner-finetuned', 'float32', (t) => ({ ...t, fineTune: meta }));
}

/**
 * Read an exported fine-tuned Reasoner: the manifest and its weights file. Refused, with the reason, when
 * a file is missing or corrupt (size, hash), names a weights path outside its folder, is not a fine-tuned
 * Reasoner, was tuned from another base model than `base`, or holds weights that are not finite numbers.
 */
export async function readTunedFiles(
  files: ModelFile[],
  base: { model: Reasoner; key: string },
): Promise<{ model: Reasoner; meta: FinetuneMeta }> {
  const json = files.filter((f) => f.name.endsWith('.json'));
  const bins = files.filter((f) => f.name.endsWith('.bin'));
  if (json.length !== 1 || bins.length !== 1)
    throw new WeightsError(
      'bad-manifest',
      'pick the fine-tuned Reasoner’s two files together: its .json and its .weights.bin',
    );
  let parsed: {
    modelTopology?: unknown;
    weightsManifest?: { paths?: unknown[]; weights?: tf.io.WeightsManifestEntry[] }[];
    format?: string;
  };
  try {
    parsed = JSON.parse(new TextDecoder().decode(json[0]!.bytes)) as typeof parsed;
  } catch {
    throw new WeightsError('bad-manifest', `${json[0]!.name} is not a model file (not valid JSON)`);
  }
  // The weights are the picked .bin whatever the manifest names, but a path out of the manifest's folder is
  // what a hostile file would aim at a loader that follows paths (tf.io.http does): this app never writes one.
  const groups = Array.isArray(parsed.weightsManifest) ? parsed.weightsManifest : [];
  const badPath = groups.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])).find((p) => !isPlainFileName(p));
  if (badPath !== undefined)
    throw new WeightsError(
      'bad-manifest',
      `${json[0]!.name} names its weights file "${String(badPath)}", a path outside its folder: an exported manifest names the file beside it (./….weights.bin)`,
    );
  const meta = (parsed.modelTopology as { fineTune?: FinetuneMeta } | undefined)?.fineTune;
  if (!meta || typeof meta.baseKey !== 'string')
    throw new WeightsError(
      'bad-manifest',
      `${json[0]!.name} is not a fine-tuned Reasoner from this app (it names no base model)`,
    );
  if (meta.baseKey !== base.key)
    throw new WeightsError(
      'config-mismatch',
      `this file was fine-tuned from another base model (${meta.baseKey}); this app's Reasoner is ${base.key}. Fine-tune this one, or load the matching base model first.`,
    );
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: parsed.modelTopology as object,
      format: parsed.format,
      weightSpecs: parsed.weightsManifest?.[0]?.weights ?? [],
      weightData: bins[0]!.bytes,
    }),
  };
  let loaded;
  try {
    loaded = await loadModel(handler);
  } catch (err) {
    const reason = err instanceof WeightsError ? err.reason : null;
    const why =
      reason === 'hash-mismatch' || reason === 'truncated'
        ? 'the file is corrupt or was changed after export'
        : reason === 'non-finite'
          ? "the file's weights are not all numbers"
          : 'the file is not a valid model file';
    throw new WeightsError(
      err instanceof WeightsError ? err.reason : 'bad-manifest',
      `${why}: ${errorMessage(err).replace(/^\[[a-z-]+\] /, '')}`,
    );
  }
  const model = loaded.model;
  if (!sameShape(model, base.model)) {
    model.dispose();
    throw new WeightsError('config-mismatch', 'this file holds a model of another shape than this app’s Reasoner');
  }
  return { model: model as Reasoner, meta };
}

/** The fine-tuned Reasoner remembered from an earlier visit (records.ts AppliedRecord), or why it cannot stand in for `base`. */
export async function readRemembered(artifacts: tf.io.ModelArtifacts, base: Reasoner): Promise<Reasoner | string> {
  try {
    const loaded = await loadModel({ load: async () => artifacts });
    if (!sameShape(loaded.model, base)) {
      loaded.model.dispose();
      return 'the fine-tuned Reasoner remembered from the last visit has another shape than this app’s Reasoner, so Explore uses the built-in one';
    }
    return loaded.model as Reasoner;
  } catch (err) {
    return `the fine-tuned Reasoner remembered from the last visit could not be read (${errorMessage(err)}), so Explore uses the built-in one`;
  }
}
