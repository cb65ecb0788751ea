import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CSP_DIRECTIVES, SECURITY_HEADERS, headersFile } from './security-headers';

describe('security headers', () => {
  it('the policy allows no other origin, no inline script and no string evaluation', () => {
    for (const [name, sources] of Object.entries(CSP_DIRECTIVES)) {
      for (const source of sources)
        expect(source, `${name} ${source}`).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|blob:|data:)$/);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*|https?:/);
    // blob: scripts are threaded WASM's pthreads (made in the engine worker from tfjs-backend-wasm's own code).
    expect(CSP_DIRECTIVES['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    expect(CSP_DIRECTIVES['worker-src']).toEqual(["'self'", 'blob:']);
    expect(CSP_DIRECTIVES['connect-src']).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('the page is cross-origin isolated (threaded WASM needs SharedArrayBuffer)', () => {
    expect(SECURITY_HEADERS['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(SECURITY_HEADERS['Cross-Origin-Embedder-Policy']).toBe('require-corp');
  });

  it('public/_headers is what the source produces (run with -u after changing the policy)', async () => {
    const text = headersFile();
    expect(text).toContain(`/*\n  Content-Security-Policy: ${SECURITY_HEADERS['Content-Security-Policy']}\n`);
    await expect(text).toMatchFileSnapshot('../../public/_headers');
  });
});
