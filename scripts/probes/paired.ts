// `npx tsx scripts/probes/paired.ts A.json[,A2.json…] B.json[,B2.json…] [ROW_A] [ROW_B]`
// Two builds on the same held-out items (`npm run eval -- --json`, one file per seed, in the same seed order):
// Hit@1 of row ROW_A in A against row ROW_B in B (default: every row both have), with the paired bootstrap
// over the pooled items (5,000 resamples).
import { readFileSync } from 'node:fs';
import { pairedDifference } from '../../src/train/evaluate';

type EvalFile = { items: Record<string, { id: string; hit1: number }[]> };
const [aFiles, bFiles, rowA, rowB] = process.argv.slice(2);
if (!aFiles || !bFiles) throw new Error('usage: paired.ts A.json[,…] B.json[,…] [ROW_A] [ROW_B]');
const read = (list: string) => list.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')) as EvalFile);
const a = read(aFiles);
const b = read(bFiles);
if (a.length !== b.length) throw new Error('give as many files (seeds) on each side');
const rows = rowA
  ? [[rowA, rowB ?? rowA]]
  : Object.keys(a[0]!.items)
      .filter((r) => r in b[0]!.items)
      .map((r) => [r, r]);
const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
for (const [ra, rb] of rows) {
  const xs: number[] = [];
  const ys: number[] = [];
  a.forEach((fa, s) => {
    const byId = new Map((b[s]!.items[rb!] ?? []).map((it) => [it.id, it.hit1]));
    for (const it of fa.items[ra!] ?? []) {
      const other = byId.get(it.id);
      if (other === undefined) throw new Error(`item ${it.id} of ${ra} is missing from ${rb}`);
      xs.push(it.hit1);
      ys.push(other);
    }
  });
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
  const d = pairedDifference(xs, ys, 1, 5000);
  console.log(
    `${ra} ${(mean(xs) * 100).toFixed(1)} vs ${rb} ${(mean(ys) * 100).toFixed(1)} (${xs.length} items): ${pts(d.mean)} [${pts(d.lo)}, ${pts(d.hi)}]`,
  );
}
