import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CSP_DIRECTIVES, SECURITY_HEADERS, headersFile } from './security-headers';

describe('security headers', () => {
  it('the policy allows no other origin, no inline script and no string evaluation', () => {
    for (const [name, sources] of Object.entries(CSP_DIRECTIVES)) {
      for (const source of sources)
        expect(source, `${name} ${source}`).toMatch(/^('self'|'none'|'wasm-unsafe-eval'|blob:|data:)$/);
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-inline'|'unsafe-eval'|\*|https?:/);
    expect(CSP_DIRECTIVES['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(CSP_DIRECTIVES['connect-src']).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('public/_headers is what the source produces (run with -u after changing the policy)', async () => {
    const text = headersFile();
    expect(text).toContain(`/*\n  Content-Security-Policy: ${SECURITY_HEADERS['Content-Security-Policy']}\n`);
    await expect(text).toMatchFileSnapshot('../../public/_headers');
  });
});
