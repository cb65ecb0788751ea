// `npx tsx scripts/make-hostile.ts [--out e2e/fixtures/hostile] [--valid DIR]`: writes the hostile-input
// corpus of e2e/hostile.spec.ts — broken media for the Library, pairs files for Fine-tune's import, and
// tampered fine-tuned Reasoner files. Deterministic: every byte is built here (no image or video encoder, no
// randomness but a seeded generator, deflate streams written by hand so zlib's version cannot change them;
// the weights are the app's tiny Reasoner, seed 1, from its own exporter), and running it again writes the
// same files. Each broken file starts from a valid one built the same
// way; `--valid DIR` also writes those valid originals, to check the builders in a browser. Files are
// overwritten, never deleted: one left from an older corpus makes the spec fail (it lists media/).
// What each file tests: each entry's `tests` in corpus() below, also written to the corpus's README.md.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/tf/tf-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { modelKey } from '../src/engine/library/models';
import { ModelSlots } from '../src/engine/model-slots';
import { DEFAULT_FINETUNE } from '../src/train/finetune';
import {
  ascii,
  cat,
  be32,
  garbage,
  pngChunk,
  validPng,
  bombPng,
  validJpeg,
  validWebp,
  validGif,
  box,
  ftyp,
  webmWithoutFrames,
} from './hostile-bytes';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'e2e/fixtures/hostile' },
    valid: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log('usage: npx tsx scripts/make-hostile.ts [--out DIR] [--valid DIR]');
  process.exit(0);
}

// ---- pairs ----

/**
 * 100,000 JSONL rows: 100 good ones (distinct captions → the good image, so 100 pairs), the rest bad in ten
 * ways, nine in ten of them short so the file stays under 1 MB.
 */
function pairsJsonl(): string {
  const bad = [
    '{', // not JSON
    '[]', // an array
    'null',
    '7',
    '"red.webp"',
    '{"query":1,"target":"red.webp"}', // a number for the query
    '{"query":"a","target":null}',
    '{"query":"a","target":"red.webp","match":"maybe"}', // not a label
    '{"query":"a","target":"t","match":{}}', // an object for the label
    '{"query":"a","target":"nope.png"}', // not in the library
    '{"query":"","target":"red.webp"}', // empty query
  ];
  const rows: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    if (i % 1000 === 0) rows.push(`{"query":"a red picture ${i / 1000}","target":"red.webp","match":true}`);
    else rows.push(i % 10 < 9 ? bad[i % 5]! : bad[5 + (Math.floor(i / 10) % 6)]!);
  }
  return rows.join('\n') + '\n';
}

/** A CSV with a byte-order mark, CRLF lines, quoted fields with commas, doubled quotes and a line break. */
const PAIRS_CSV =
  '\uFEFFquery,target,match\r\n' +
  '"a red picture, with a comma",red.webp,yes\r\n' +
  '"the ""red"" one",red.webp,1\r\n' +
  '"a caption that goes\r\nover two lines",red.webp,true\r\n' +
  'a red picture,missing.png,no\r\n' +
  'a red picture,red.webp,maybe\r\n' +
  'only one field\r\n' +
  '"a quote that never closes,red.webp,yes\r\n';

// ---- fine-tuned Reasoner files ----

/**
 * The files Fine-tune's export writes, for the app's tiny untrained Reasoner (`?preset=tiny`, seed 1: the
 * manifest's base key matches the app's), int8 to stay small (the importer reads either).
 */
async function tunedReasonerFiles(): Promise<{
  manifest: Record<string, unknown>;
  weights: Uint8Array;
  baseKey: string;
}> {
  await tf.setBackend('cpu');
  const slots = new ModelSlots();
  const info = await slots.load('reasoner', { kind: 'random', preset: 'tiny' });
  const [json, bin] = await slots.exportFiles('reasoner', 'int8');
  const manifest = JSON.parse(new TextDecoder().decode(json!.bytes)) as Record<string, unknown> & {
    modelTopology: Record<string, unknown>;
  };
  const baseKey = modelKey(info);
  manifest.modelTopology.fineTune = {
    version: 1,
    baseKey,
    baseSha256: null,
    settings: DEFAULT_FINETUNE,
    steps: 0,
    heldOut: { before: null, after: null },
  };
  manifest.weightsManifest = [
    {
      paths: ['./reasoner-finetuned.weights.bin'],
      weights: (manifest.weightsManifest as { weights: unknown }[])[0]!.weights,
    },
  ];
  return { manifest, weights: new Uint8Array(bin!.bytes), baseKey };
}

// ---- the corpus ----

interface Entry {
  file: string;
  bytes: Uint8Array | string;
  tests: string;
}

async function corpus(): Promise<{ entries: Entry[]; valid: Entry[] }> {
  const png = validPng();
  const jpeg = validJpeg();
  const webp = validWebp();
  const gif = validGif();
  const avifFtyp = ftyp('avif', 'avif', 'mif1', 'miaf');
  const pngHeader = 8 + 25; // signature + IHDR
  const tuned = await tunedReasonerFiles();
  const json = (m: unknown) => JSON.stringify(m);
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  // NaN weights that pass every other check: one value of a float32 tensor, and the hash recomputed.
  const nanManifest = structuredClone(tuned.manifest) as {
    modelTopology: { tensors: { name: string; dtype: string; offset: number }[]; sha256: string };
  };
  const nanWeights = tuned.weights.slice();
  const target = nanManifest.modelTopology.tensors.find((t) => t.dtype === 'float32')!;
  new DataView(nanWeights.buffer).setFloat32(target.offset, NaN, true);
  nanManifest.modelTopology.sha256 = sha256(nanWeights);

  const traversal = structuredClone(tuned.manifest) as { weightsManifest: { paths: string[] }[] };
  traversal.weightsManifest[0]!.paths = ['../../x'];

  const entries: Entry[] = [
    // media: one drop
    {
      file: 'media/truncated.png',
      bytes: png.subarray(0, Math.floor(png.length / 2)),
      tests: 'a valid PNG cut in the middle of its IDAT (no IEND)',
    },
    {
      file: 'media/corrupt.png',
      bytes: cat(png.subarray(0, pngHeader), pngChunk('IDAT', garbage(2000, 1)), pngChunk('IEND', new Uint8Array())),
      tests: 'a valid PNG header with an IDAT of garbage (not a zlib stream; CRCs right)',
    },
    {
      file: 'media/bomb.png',
      bytes: bombPng(),
      tests: 'decompression bomb: IHDR says 100,000 × 100,000 (40 GB of RGBA), a few hundred bytes of deflate',
    },
    {
      file: 'media/truncated.jpg',
      bytes: jpeg.file.subarray(0, jpeg.scanStart + Math.floor(jpeg.scanBytes / 2)),
      tests: 'a valid baseline JPEG cut half-way through its scan data (no EOI)',
    },
    {
      file: 'media/corrupt.jpg',
      bytes: cat([0xff, 0xd8, 0xff], garbage(3000, 2)),
      tests: 'a JPEG start-of-image marker followed by garbage',
    },
    {
      file: 'media/truncated.webp',
      bytes: webp.file.subarray(0, webp.headerBytes + 50),
      tests: 'a valid lossless WebP cut after 50 bytes of pixel data (the RIFF header still claims the whole file)',
    },
    {
      file: 'media/corrupt.webp',
      bytes: cat(webp.file.subarray(0, 25), garbage(400, 3)),
      tests: 'a WebP RIFF/VP8L header (64 × 48) followed by garbage prefix codes',
    },
    {
      file: 'media/truncated.gif',
      bytes: gif.subarray(0, Math.floor(gif.length / 2)),
      tests: 'a valid GIF cut in the middle of its LZW data (no trailer)',
    },
    {
      file: 'media/corrupt.gif',
      bytes: cat(gif.subarray(0, 13), garbage(600, 4)),
      tests: 'a GIF header and screen descriptor (32 × 32) followed by garbage',
    },
    { file: 'media/truncated.avif', bytes: avifFtyp, tests: 'an AVIF file that is its ftyp box and nothing more' },
    {
      file: 'media/corrupt.avif',
      bytes: cat(avifFtyp, box('meta', [0, 0, 0, 0], garbage(300, 5))),
      tests: 'an AVIF ftyp and a meta box of garbage',
    },
    {
      file: 'media/truncated.webm',
      bytes: webmWithoutFrames(64, 48).subarray(0, 70),
      tests: 'a WebM cut inside its Segment (EBML header, part of Info)',
    },
    {
      file: 'media/truncated.mp4',
      bytes: cat(ftyp('isom', 'isom', 'iso2', 'mp41'), be32(2000), ascii('moov'), box('mvhd', garbage(40, 6))),
      tests: 'an MP4 ftyp and a moov box that says 2,000 bytes but ends after 48',
    },
    {
      file: 'media/zero-frames.webm',
      bytes: webmWithoutFrames(64, 48),
      tests: 'a well-formed WebM with a 64 × 48 VP8 track, a 1 s duration and an empty Cluster: no frame at all',
    },
    {
      file: 'media/huge-frame.webm',
      bytes: webmWithoutFrames(100_000, 100_000),
      tests: 'a WebM whose track declares 100,000 × 100,000 frames',
    },
    {
      file: 'media/huge-box.mp4',
      bytes: cat(
        ftyp('isom', 'isom', 'mp41'),
        [0, 0, 0, 1],
        ascii('mdat'),
        [0x10, 0, 0, 0, 0, 0, 0, 0],
        garbage(64, 7),
      ),
      tests: 'an MP4 whose mdat box declares 2^60 bytes (64-bit size) in a 100-byte file, and no moov',
    },
    {
      file: 'media/script.svg',
      bytes:
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>parent.__hostile = 1; alert(1)</script><rect width="64" height="64" fill="red"/></svg>\n',
      tests: 'an SVG with a <script> (not a format the app reads; must never run)',
    },
    {
      file: 'media/not-a-photo.jpg',
      bytes: 'This is a text file with a .jpg name.\n',
      tests: 'a misleading extension: plain text named .jpg',
    },
    { file: 'media/empty.png', bytes: new Uint8Array(), tests: 'a 0-byte file' },
    // pairs: Fine-tune's "Import pairs"
    {
      file: 'pairs/rows-100k.jsonl',
      bytes: pairsJsonl(),
      tests:
        '100,000 JSONL rows: 100 good pairs and 99,900 bad ones (bad JSON, arrays, numbers, null, wrong field types, unknown target, empty query, bad labels)',
    },
    {
      file: 'pairs/quoted-bom.csv',
      bytes: PAIRS_CSV,
      tests:
        'a CSV with a BOM, CRLF, quoted commas, doubled quotes, a quoted line break, and four bad rows (unknown target, bad label, one field, a quote that never closes)',
    },
    // weights: Fine-tune's "Import a fine-tuned Reasoner" (each pair of files imported together)
    {
      file: 'weights/traversal.json',
      bytes: json(traversal),
      tests: 'a fine-tuned Reasoner manifest whose weights path is ../../x (otherwise valid)',
    },
    { file: 'weights/traversal.weights.bin', bytes: tuned.weights, tests: 'its weights (valid)' },
    { file: 'weights/wrong-size.json', bytes: json(tuned.manifest), tests: 'a valid manifest' },
    {
      file: 'weights/wrong-size.weights.bin',
      bytes: tuned.weights.subarray(0, tuned.weights.length - 1000),
      tests: 'its weights shard 1,000 bytes short',
    },
    { file: 'weights/nan.json', bytes: json(nanManifest), tests: 'a manifest whose SHA-256 matches NaN weights' },
    {
      file: 'weights/nan.weights.bin',
      bytes: nanWeights,
      tests: `weights with a NaN in tensor ${target.name} (every size and hash right)`,
    },
  ];
  const valid: Entry[] = [
    { file: 'valid.png', bytes: png, tests: '' },
    { file: 'valid.jpg', bytes: jpeg.file, tests: '' },
    { file: 'valid.webp', bytes: webp.file, tests: '' },
    { file: 'valid.gif', bytes: gif, tests: '' },
    { file: 'reasoner-finetuned.json', bytes: json(tuned.manifest), tests: '' },
    { file: 'reasoner-finetuned.weights.bin', bytes: tuned.weights, tests: '' },
  ];
  return { entries, valid };
}

function write(dir: string, entries: Entry[]) {
  for (const e of entries) {
    const path = join(dir, e.file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, e.bytes);
  }
}

const { entries, valid } = await corpus();
write(args.out!, entries);
writeFileSync(
  join(args.out!, 'README.md'),
  `# hostile inputs\n\nWritten by \`npx tsx scripts/make-hostile.ts\` (do not edit by hand); used by \`e2e/hostile.spec.ts\`.\n\n| file | bytes | what it tests |\n| --- | --- | --- |\n${entries.map((e) => `| \`${e.file}\` | ${typeof e.bytes === 'string' ? Buffer.byteLength(e.bytes) : e.bytes.length} | ${e.tests.replace(/\|/g, '\\|')} |`).join('\n')}\n`,
);
if (args.valid) write(args.valid, valid);
console.log(`${entries.length} files in ${args.out}${args.valid ? `; the valid originals in ${args.valid}` : ''}`);
