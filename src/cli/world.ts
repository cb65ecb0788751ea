// npm run world -- sheet --seed N --out FILE.png [--scale 2]
//                  bench --seed N --out FILE.json [--per-task 200] [--split heldout|train]
//                  stats [--seed N] [--per-task 200]
// The contact sheet is how a person checks the world: scenes with their boxes and captions, clip
// filmstrips with per-frame boxes, event frames marked and captions.

import { writeFileSync } from 'node:fs';
import { annotatePair, DEFAULT_NOISE } from '../world/annotator';
import { clipBoxes, eventFrames, renderClip } from '../world/clip';
import { renderScene, sceneBoxes } from '../world/scene';
import { buildSuite, builtinCollection } from '../world/suite';
import { renderTCoT } from '../world/tcot-types';
import {
  ABILITIES,
  CLIP_FRAMES,
  CLIP_SIZE,
  DETAILS,
  IMAGE_SIZE,
  TASKS,
  type TaskItem,
  type WorldInput,
} from '../world/types';
import { outOfVocab, tokenizeWords } from '../world/vocab';
import { cliArgs } from './args';
import { blit, createImage, drawText, encodePng, fillRect, strokeRect, wrap, type Image } from './png';

const USAGE =
  'npm run world -- sheet|bench|stats [--seed N] [--out FILE] [--per-task N] [--split heldout|train] [--scale 2]';
const { values: args, positionals } = cliArgs(
  `npm run world -- sheet --seed N --out FILE.png [--scale 2]
                 bench --seed N --out FILE.json [--per-task 200] [--split heldout|train]
                 stats [--seed N] [--per-task 200]`,
  {
    seed: { type: 'string', default: '1', value: 'N', help: 'world seed' },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'output file (default /tmp/world-sheet.png for sheet, /tmp/world-bench.json for bench)',
    },
    scale: { type: 'string', default: '2', value: 'K', help: 'sheet: pixel scale' },
    'per-task': { type: 'string', default: '200', value: 'N', help: 'bench, stats: items per task' },
    split: { type: 'string', default: 'heldout', value: 'heldout|train', help: 'bench: the suite split' },
  },
  { positionals: true },
);

const BOX_COLORS = [
  [255, 255, 255],
  [255, 230, 0],
  [0, 255, 200],
  [255, 80, 255],
  [120, 200, 255],
  [255, 150, 60],
];
const TEXT = [225, 225, 225];
const MUTED = [150, 150, 160];

function drawBox(img: Image, box: readonly number[], x: number, y: number, px: number, c: readonly number[]): void {
  const f = (v: number) => Math.round((v / 1000) * px);
  strokeRect(img, x + f(box[0]!), y + f(box[1]!), x + f(box[2]!) - 1, y + f(box[3]!) - 1, c);
}

function sheet(seed: number, out: string, scale: number): void {
  const lib = builtinCollection({ seed, images: 24, clips: 8 });
  const textScale = 2;
  const charW = 4 * textScale;
  const lineH = 7 * textScale;
  const scenePx = IMAGE_SIZE * scale;
  const cols = 8;
  const cellW = scenePx + 16;
  const captionLines = 5;
  const cellH = scenePx + 8 + captionLines * lineH + 12;
  const framePx = CLIP_SIZE * scale;
  const stripW = CLIP_FRAMES * (framePx + 4);
  const stripH = 14 + framePx + 8 + 2 * lineH + 16;
  const width = Math.max(cols * cellW, stripW) + 16;
  const rows = Math.ceil(lib.images.length / cols);
  const height = 40 + rows * cellH + 30 + lib.clips.length * stripH;
  const img = createImage(width, height);
  drawText(
    img,
    `embed-rl world - seed ${seed} - scenes with boxes (box colour = object order) and captions`,
    8,
    10,
    textScale,
    TEXT,
  );
  lib.images.forEach((item, k) => {
    const x = 8 + (k % cols) * cellW;
    const y = 40 + Math.floor(k / cols) * cellH;
    blit(img, renderScene(item.scene), IMAGE_SIZE, x, y, scale);
    sceneBoxes(item.scene).forEach((b, i) => drawBox(img, b, x, y, scenePx, BOX_COLORS[i % BOX_COLORS.length]!));
    wrap(item.caption, Math.floor(scenePx / charW))
      .slice(0, captionLines)
      .forEach((line, j) => drawText(img, line, x, y + scenePx + 6 + j * lineH, textScale, TEXT));
  });
  let y = 40 + rows * cellH + 10;
  drawText(
    img,
    'clips: 16 frames each, boxes per frame, event frames marked (bar above the frames of each change)',
    8,
    y,
    textScale,
    TEXT,
  );
  y += 24;
  for (const item of lib.clips) {
    const frames = renderClip(item.clip);
    const boxes = clipBoxes(item.clip);
    const marked = new Map<number, number>();
    item.clip.events.forEach((e, i) => eventFrames(e).forEach((f) => marked.set(f, i)));
    frames.forEach((frame, f) => {
      const x = 8 + f * (framePx + 4);
      const ev = marked.get(f);
      if (ev !== undefined)
        fillRect(img, x, y, x + framePx - 1, y + 8, BOX_COLORS[(item.clip.events[ev]!.obj + 1) % BOX_COLORS.length]!);
      blit(img, frame, CLIP_SIZE, x, y + 12, scale);
      boxes[f]!.forEach((b, i) => b && drawBox(img, b, x, y + 12, framePx, BOX_COLORS[i % BOX_COLORS.length]!));
      drawText(img, String(f), x + 2, y + 12 + framePx + 3, 1, MUTED);
    });
    const evText = item.clip.events.map((e) => `${e.kind}@${e.frame}`).join(' ');
    drawText(img, `${item.caption}   [${evText}]`, 8, y + 12 + framePx + 12, textScale, TEXT);
    y += stripH;
  }
  writeFileSync(out, encodePng(img));
  console.log(`wrote ${out} (${width}x${height})`);
}

function bench(seed: number, out: string, perTask: number, split: 'train' | 'heldout'): void {
  const suite = buildSuite({ seed, split, perTask });
  const json = JSON.stringify(suite);
  writeFileSync(out, json);
  console.log(`wrote ${out}: ${suite.items.length} items, ${(json.length / 1e6).toFixed(2)} MB`);
}

function texts(input: WorldInput): string[] {
  return input.modality === 'text' ? [input.text] : input.text ? [input.text] : [];
}

/** Word tokens of a T-CoT as the tcot layer counts them: words, plus 4 per box / 1 per frame or keyword. */
function tcotTokens(t: ReturnType<typeof annotatePair>['query']): number {
  const words = tokenizeWords(`${t.thinking} ${t.rethink} ${t.answer}`).length + 6;
  const ev = t.evidence;
  return (
    words +
    (ev.key === 'bbox_2d' ? 4 * ev.boxes.length : ev.key === 'key_frames' ? ev.frames.length : ev.keywords.length)
  );
}

function pct(n: number, d: number): string {
  return `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;
}

function stats(seed: number, perTask: number): void {
  const t0 = performance.now();
  const suite = buildSuite({ seed, split: 'heldout', perTask });
  const buildMs = performance.now() - t0;
  console.log(
    `held-out suite, seed ${seed}: ${suite.items.length} items (${perTask} per task), built in ${buildMs.toFixed(0)} ms`,
  );

  const byTask = new Map<string, TaskItem[]>();
  for (const it of suite.items) byTask.set(it.task, [...(byTask.get(it.task) ?? []), it]);
  console.log('\ntask             items  cands/item  hard/item  match(noisy)  match(gold)');
  let matches = 0;
  let goldMatches = 0;
  let visibleMatches = 0;
  let hiddenMatches = 0;
  const tokenCounts: number[] = [];
  for (const task of TASKS) {
    const items = byTask.get(task) ?? [];
    let m = 0;
    let g = 0;
    items.forEach((it, k) => {
      const pair = {
        query: it.query,
        queryFocus: it.queryFocus,
        positive: it.candidates[it.positiveIndex]!,
        positiveFocus: it.candidateFocus[it.positiveIndex]!,
      };
      const answerVisible = k % 2 === 0;
      const noisy = annotatePair(pair, { mode: 'noisy', seed: k * 7919 + TASKS.indexOf(task), answerVisible });
      const gold = annotatePair(pair, { mode: 'gold', seed: 0 });
      if (noisy.match) {
        m++;
        answerVisible ? visibleMatches++ : hiddenMatches++;
      }
      if (gold.match) g++;
      tokenCounts.push(tcotTokens(noisy.query), tcotTokens(noisy.positive));
    });
    matches += m;
    goldMatches += g;
    const cands = items.reduce((n, it) => n + it.candidates.length, 0) / Math.max(1, items.length);
    const hard = items.reduce((n, it) => n + it.hardNegatives.length, 0) / Math.max(1, items.length);
    console.log(
      `${task.padEnd(16)} ${String(items.length).padStart(5)}  ${cands.toFixed(1).padStart(10)}  ${hard.toFixed(1).padStart(9)}  ${pct(m, items.length).padStart(12)}  ${pct(g, items.length).padStart(11)}`,
    );
  }
  const n = suite.items.length;
  console.log(`\nannotator (DEFAULT_NOISE ${JSON.stringify(DEFAULT_NOISE)})`);
  console.log(
    `  match rate: ${pct(matches, n)} (answer visible ${pct(visibleMatches, Math.ceil(n / 2))}, hidden ${pct(hiddenMatches, Math.floor(n / 2))}) -> contrastive ${matches}, RL ${n - matches}; gold ${pct(goldMatches, n)}`,
  );
  tokenCounts.sort((a, b) => a - b);
  console.log(
    `  T-CoT length (word tokens + 4/box): median ${tokenCounts[tokenCounts.length >> 1]}, p95 ${tokenCounts[Math.floor(tokenCounts.length * 0.95)]}, max ${tokenCounts[tokenCounts.length - 1]}`,
  );

  console.log('\nabilities (items tagged)');
  for (const a of ABILITIES)
    console.log(`  ${a.padEnd(13)} ${suite.items.filter((it) => it.abilities.includes(a)).length}`);
  console.log('hard negatives by detail');
  for (const d of DETAILS)
    console.log(
      `  ${d.padEnd(13)} ${suite.items.reduce((k, it) => k + it.hardNegatives.filter((h) => h.differsIn === d).length, 0)}`,
    );

  const oov = new Set<string>();
  for (const it of suite.items)
    for (const s of [it.instruction, ...texts(it.query), ...it.candidates.flatMap(texts)])
      for (const w of outOfVocab(s)) oov.add(w);
  console.log(`vocabulary: ${oov.size === 0 ? 'covers every generated text' : `MISSING ${[...oov].join(' ')}`}`);

  const json = JSON.stringify(suite);
  console.log(`suite JSON: ${(json.length / 1e6).toFixed(2)} MB`);

  const scenes = suite.items
    .flatMap((it) => [it.query, ...it.candidates])
    .filter((i) => i.modality === 'image')
    .slice(0, 2000);
  let t = performance.now();
  for (const s of scenes) if (s.modality === 'image') renderScene(s.scene);
  const sceneMs = (performance.now() - t) / scenes.length;
  const clips = suite.items
    .flatMap((it) => [it.query, ...it.candidates])
    .filter((i) => i.modality === 'video')
    .slice(0, 200);
  t = performance.now();
  for (const c of clips) if (c.modality === 'video') renderClip(c.clip);
  const clipMs = (performance.now() - t) / clips.length;
  console.log(
    `render: ${sceneMs.toFixed(3)} ms/scene (${Math.round(1000 / sceneMs)} scenes/s), ${clipMs.toFixed(2)} ms/clip of ${CLIP_FRAMES} frames (${Math.round(1000 / clipMs)} clips/s)`,
  );

  const example = suite.items.find((it) => it.task === 'image-t2i')!;
  const ex = annotatePair(
    {
      query: example.query,
      queryFocus: example.queryFocus,
      positive: example.candidates[example.positiveIndex]!,
      positiveFocus: example.candidateFocus[example.positiveIndex]!,
    },
    { mode: 'gold', seed: 0 },
  );
  console.log(
    `\nexample (${example.id}): query "${texts(example.query)[0]}"\n  query T-CoT:    ${renderTCoT(ex.query)}\n  positive T-CoT: ${renderTCoT(ex.positive)}`,
  );
}

const cmd = positionals[0];
const seed = Number(args.seed);
if (cmd === 'sheet') sheet(seed, args.out ?? '/tmp/world-sheet.png', Number(args.scale));
else if (cmd === 'bench')
  bench(
    seed,
    args.out ?? '/tmp/world-bench.json',
    Number(args['per-task']),
    args.split === 'train' ? 'train' : 'heldout',
  );
else if (cmd === 'stats') stats(seed, Number(args['per-task']));
else {
  console.log(`usage: ${USAGE}`);
  process.exitCode = 1;
}
