// Node-only tf.io handler for the CLI: a folder holding model.json (tfjs layout, so the same folder
// served from public/models/ loads with tf.io.http) plus binary shards. Kept apart from weights.ts
// so browser bundles never import node:fs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { WeightsError } from './errors';

const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** Save writes dir/model.json + dir/group1-shard{i}of{n}.bin; load reads them back. */
export function nodeFileHandler(dir: string, shardBytes = DEFAULT_SHARD_BYTES): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const data = artifacts.weightData;
      const bytes =
        data === undefined
          ? new Uint8Array(0)
          : new Uint8Array(Array.isArray(data) ? await new Blob(data).arrayBuffer() : data);
      const count = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
      const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < count; i++)
        await writeFile(join(dir, paths[i]!), bytes.subarray(i * shardBytes, (i + 1) * shardBytes));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new WeightsError('bad-manifest', `cannot read ${join(dir, 'model.json')}: ${(err as Error).message}`);
      }
      const buffers: ArrayBuffer[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        for (const path of group.paths) {
          try {
            const file = await readFile(join(dir, path));
            buffers.push(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
          } catch {
            throw new WeightsError('truncated', `missing weight shard ${join(dir, path)}`);
          }
        }
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs: (modelJson.weightsManifest ?? []).flatMap((g) => g.weights),
        weightData: buffers,
      };
    },
  };
}
