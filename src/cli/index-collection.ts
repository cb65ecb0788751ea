// `npm run index-collection -- [--models DIR]` (default public/models): indexes the built-in collection with the
// int8 models in DIR (DIR/embedder, DIR/reasoner — the ones the browser loads) under the app's default settings and
// writes DIR/collection-index.bin (src/engine/shipped-index.ts), so a first visit searches at once. The file is
// tied to the models' hashes: after retraining, run this again (`npm run train -- --ship` does).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import { writeShippedIndex } from './shipped-index-node';
import { cliArgs } from './args';

const { values: args } = cliArgs('npm run index-collection -- [--models DIR]', {
  models: {
    type: 'string',
    default: 'public/models',
    value: 'DIR',
    help: 'the int8 models to index with (DIR/embedder, DIR/reasoner); the index is written there',
  },
});

const dir = args.models;
const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error('the WASM backend failed to initialise');
const info = await writeShippedIndex(dir, (done, total, rate) =>
  process.stderr.write(`\rindexing ${done} / ${total} (${rate.toFixed(1)} items/s)   `),
);
process.stderr.write('\n');
writeFileSync(join(dir, 'collection-index.json'), JSON.stringify(info, null, 2) + '\n');
console.log(
  `wrote ${join(dir, info.file)}: ${info.items} items, ${(info.bytes / 1024).toFixed(0)} KiB, key ${info.key} (${info.seconds.toFixed(0)} s)`,
);
