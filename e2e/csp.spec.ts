// The locked-down page: the built app is served with its Content-Security-Policy (src/app/security-headers.ts)
// and does real work under it (the engine worker compiles WASM, indexes a small collection, answers a text query
// and a user file's "find similar") with every request to its own origin and no policy violation; a file name
// and a query written as HTML show up as text, never as elements.
import { expect, test, type Worker } from '@playwright/test';
import { makeSquareImage } from './make-media';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../src/app/security-headers';

// WASM on purpose: its binary is fetched and compiled inside the worker, under the policy's 'wasm-unsafe-eval'.
const SMALL = 'backend=wasm&collection=8&preset=tiny&tokens=12';
const HOSTILE_NAME = '<img src=x onerror=window.__pwned=1>.png';
const HOSTILE_QUERY = 'a red circle <b>bold</b><script>window.__pwned=1</script>';
const CSP_MESSAGE = /Content Security Policy|Refused to/i;

test('served with the policy: nothing leaves the origin, nothing is refused, file and query text stay text', async ({
  page,
  context,
}) => {
  // Every request of the page and of its worker (the context sees both), and what the server sent with each.
  const requests: string[] = [];
  const WORKER_SCRIPT = /\/assets\/engine\.worker-[^/]+\.js$/;
  let workerScriptCsp: string | undefined;
  context.on('request', (r) => requests.push(r.url()));
  context.on(
    'response',
    (r) => WORKER_SCRIPT.test(r.url()) && (workerScriptCsp = r.headers()['content-security-policy']),
  );
  const refused: string[] = [];
  const errors: string[] = [];
  const onConsole = (where: string) => (m: { text(): string }) =>
    CSP_MESSAGE.test(m.text()) && refused.push(`${where}: ${m.text()}`);
  page.on('console', onConsole('page'));
  page.on('pageerror', (e) => errors.push(e.message));
  const workers: Worker[] = [];
  page.on('worker', (w) => {
    workers.push(w);
    w.on('console', onConsole(`worker ${w.url()}`));
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener(
      'securitypolicyviolation',
      (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      true,
    );
  });
  const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.slice());
  // The worker's own refusals (a blocked fetch there is no request and no page event), recorded from its first
  // line: the script is served as it was, headers and all, with a listener in front.
  await page.route(WORKER_SCRIPT, async (route) => {
    const response = await route.fetch();
    const listen = `self.__violations = []; self.addEventListener('securitypolicyviolation', (e) => self.__violations.push(\`\${e.effectiveDirective} \${e.blockedURI} \${e.sourceFile}:\${e.lineNumber}\`));\n`;
    await route.fulfill({ response, body: listen + (await response.text()) });
  });

  const response = await page.goto(`/?view=explore&${SMALL}`);
  const headers = response!.headers();
  expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(headers['x-content-type-options']).toBe(SECURITY_HEADERS['X-Content-Type-Options']);
  expect(headers['referrer-policy']).toBe(SECURITY_HEADERS['Referrer-Policy']);
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // A compile refused under the policy would fall back to another backend and the badge would say so.
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });

  // A query written as HTML: the Reasoner writes a T-CoT for it, the results come back ranked.
  await page.getByTestId('query-input').fill(HOSTILE_QUERY);
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 90_000 });
  await expect(page.getByTestId('result').first()).toBeVisible();
  await expect(page.getByTestId('trace-query').getByTestId('tcot-steps')).not.toBeEmpty();
  await expect(page.locator('#results-heading')).toHaveText(`Results for “${HOSTILE_QUERY}”`);
  // The mirror splits the query into the models' words ("window . __pwned"); the tags stay text.
  await expect(page.getByTestId('query-mirror')).toContainText('<b>bold</b><script>window');

  // A user file whose name is an HTML image with an onerror handler, then searched by.
  const square = { width: 64, height: 48, background: '#224', colour: '#e33', x: 12, y: 10, size: 24 };
  const png = await makeSquareImage(page, HOSTILE_NAME, square);
  await page.getByRole('button', { name: 'Library' }).click();
  await page
    .getByTestId('library-drop-input')
    .setInputFiles({ name: HOSTILE_NAME, mimeType: 'image/png', buffer: Buffer.from(png.bytes) });
  await expect(page.getByTestId('add-result')).toHaveCount(1, { timeout: 90_000 });
  await expect(page.getByTestId('add-result')).toHaveAttribute('data-ok', 'true');
  const item = page.getByTestId('user-item');
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-name', HOSTILE_NAME);
  await expect(item).toContainText(HOSTILE_NAME);
  await item.getByRole('button', { name: 'Find similar' }).click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 90_000 });
  await expect(page.locator('#results-heading')).toContainText(HOSTILE_NAME);
  await expect(page.getByTestId('result').filter({ hasText: HOSTILE_NAME })).toHaveCount(1);
  await expect(page.getByTestId('trace-query').getByTestId('evidence-image')).toBeVisible();

  // Text, not HTML: no element was made from the name or the query, and no handler ran.
  const dom = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    imgX: document.querySelectorAll('img[src="x"], img[onerror]').length,
    bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'bold').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('__pwned')).length,
  }));
  expect(dom).toEqual({ pwned: undefined, imgX: 0, bold: 0, scripts: 0 });

  // Nothing left the origin: page and worker requests alike (the .wasm binary is fetched by the worker).
  const origin = new URL(page.url()).origin;
  const away = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
  expect(away).toEqual([]);
  expect(requests.some((u) => WORKER_SCRIPT.test(u))).toBe(true);
  expect(requests.some((u) => /\/assets\/tfjs-backend-wasm[^/]*\.wasm$/.test(u))).toBe(true);
  // A worker's policy is the one sent with its script, not its page's: the worker has it too.
  expect(workerScriptCsp).toBe(CONTENT_SECURITY_POLICY);

  // Nothing was refused, in the page or in the worker.
  const engineWorker = workers.find((w) => /engine\.worker/.test(w.url()))!;
  const workerViolations = () =>
    engineWorker.evaluate(() => (self as unknown as { __violations: string[] }).__violations.slice());
  expect(await violations()).toEqual([]);
  expect(await workerViolations()).toEqual([]);
  expect(refused).toEqual([]);
  expect(errors).toEqual([]);

  // The policy is in force, and the listeners above do see a refusal: an inline script and string
  // evaluation are refused in the page, and string evaluation in the engine worker.
  const inPage = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inline = 1';
    document.head.append(script);
    // A later task: code run by DevTools itself may evaluate strings whatever the policy says.
    await new Promise((r) => setTimeout(r, 10));
    let evaluated = 'allowed';
    try {
      (0, eval)('1');
    } catch (err) {
      evaluated = (err as Error).name;
    }
    return { inline: (window as unknown as { __inline?: number }).__inline, evaluated };
  });
  expect(inPage).toEqual({ inline: undefined, evaluated: 'EvalError' });
  await expect
    .poll(violations)
    .toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^script-src-elem inline /),
        expect.stringMatching(/^script-src eval /),
      ]),
    );
  expect(
    await engineWorker.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 10));
      try {
        return new Function('return "allowed"')() as string;
      } catch (err) {
        return (err as Error).name;
      }
    }),
  ).toBe('EvalError');
  await expect.poll(workerViolations).toEqual([expect.stringMatching(/^script-src eval /)]);
  await page.screenshot({ path: 'e2e-artifacts/csp-find-similar.png', fullPage: true });
});
