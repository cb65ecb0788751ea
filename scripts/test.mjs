// `npm test`: type-check, lint (ESLint + Prettier's check), unit tests (Vitest, Node, WASM) and end-to-end tests (Playwright, Chromium,
// WebGPU via SwiftShader), in that order; stops at the first failing stage and ends with one summary
// line ("tests: N passed, N failed") counting every unit and e2e test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const reports = '.cache/test-reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const stages = [
  { name: 'type-check', cmd: ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'lint', cmd: ['npm', 'run', '--silent', 'lint'] },
  {
    name: 'unit',
    cmd: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reports}/unit.json`],
    count: () => {
      const r = JSON.parse(readFileSync(`${reports}/unit.json`, 'utf8'));
      return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
    },
  },
  { name: 'chromium', cmd: ['node', 'scripts/check-chromium.mjs'] },
  { name: 'build', cmd: ['npx', 'vite', 'build', '--logLevel', 'warn'] },
  {
    name: 'e2e',
    cmd: ['npx', 'playwright', 'test', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: `${reports}/e2e.json` },
    count: () => {
      const s = JSON.parse(readFileSync(`${reports}/e2e.json`, 'utf8')).stats;
      return { passed: s.expected + s.flaky, failed: s.unexpected, skipped: s.skipped };
    },
  },
];

const total = { passed: 0, failed: 0, skipped: 0 };
let failedStage = null;
for (const stage of stages) {
  console.log(`\n▶ ${stage.name}: ${stage.cmd.join(' ')}`);
  const t0 = Date.now();
  const res = spawnSync(stage.cmd[0], stage.cmd.slice(1), { stdio: 'inherit', env: { ...process.env, ...stage.env } });
  let counted = null;
  try {
    counted = stage.count?.() ?? null;
  } catch {
    counted = null; // the runner died before writing its report; its exit code says enough
  }
  if (counted) for (const k of Object.keys(total)) total[k] += counted[k];
  console.log(`◀ ${stage.name}: ${res.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (res.status !== 0) {
    failedStage = stage.name;
    if (counted && counted.failed === 0) total.failed += 1; // a crash outside any test still counts as a failure
    break;
  }
}
if (failedStage && total.failed === 0) total.failed = 1;
console.log(`\n${failedStage ? `failed at stage "${failedStage}"` : 'all stages passed'}`);
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exit(failedStage ? 1 : 0);
