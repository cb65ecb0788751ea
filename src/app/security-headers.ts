// The page's Content-Security-Policy and the other security headers, in one place: vite.config.ts serves them
// with `vite preview` (what `npm start` runs), and public/_headers carries them to static hosts (Netlify and
// Cloudflare Pages format; the test beside this file keeps it equal to `headersFile()`). docs/security-headers.md
// says why each source is there.

/** Each directive and the sources it allows; nothing here names another origin. */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval' lets the engine worker compile the tfjs-backend-wasm binaries (WebAssembly.instantiate
  // and instantiateStreaming); it allows no string evaluation: no eval or new Function runs in the app or in tfjs.
  // blob: is threaded WASM: tfjs-backend-wasm starts each pthread as a worker from a blob URL, which imports the
  // module factory from another blob URL (both made in the engine worker from the package's own code).
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  // The engine worker is a same-origin module script; its pthreads are blob: workers (above).
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  // data: is the inline favicon; pixels are drawn on canvases, never loaded as images.
  'img-src': ["'self'", 'data:'],
  // A dropped video is sampled from an object URL (src/media/decode.ts).
  'media-src': ["'self'", 'blob:'],
  // No 'unsafe-inline': the stylesheet is a file, and React's style props are set through the CSSOM,
  // which CSP does not govern.
  'style-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  // The app's forms are handled in script and never submit.
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([name, sources]) => `${name} ${sources.join(' ')}`)
  .join('; ');

/** Every response's security headers: the policy, no MIME sniffing, no Referer sent anywhere. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Cross-origin isolation: the page gets SharedArrayBuffer, which threaded WASM needs. Every resource the app
  // loads is its own, so requiring CORP of cross-origin ones costs nothing.
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** public/_headers: the same headers on every path, in the Netlify / Cloudflare Pages format. */
export function headersFile(): string {
  const lines = Object.entries(SECURITY_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return `# Generated from src/app/security-headers.ts: edit that file, then run\n# npx vitest run src/app/security-headers.test.ts -u\n/*\n${lines.join('\n')}\n`;
}
