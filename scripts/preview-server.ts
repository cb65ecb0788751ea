// The built app served by `vite preview` for the browser benchmarks, in its own process group so that stopping
// it stops vite too (killing npx alone left vite serving after a run).
import { spawn } from 'node:child_process';

export interface PreviewServer {
  base: string;
  stop(): void;
}

/** Start `vite preview` on `port` (serving `outDir`, default dist/) and wait until `path` answers. */
export async function startPreview(
  port: number,
  opts: { outDir?: string; path?: string; timeoutMs?: number } = {},
): Promise<PreviewServer> {
  const args = [
    'vite',
    'preview',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--strictPort',
    ...(opts.outDir ? ['--outDir', opts.outDir] : []),
  ];
  const server = spawn('npx', args, { stdio: 'ignore', detached: true });
  const stop = () => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', stop);
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}${opts.path ?? '/'}`;
  const t0 = Date.now();
  while (Date.now() - t0 < (opts.timeoutMs ?? 30_000)) {
    try {
      if ((await fetch(url)).ok) return { base, stop };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`preview server did not start on ${url}`);
}
