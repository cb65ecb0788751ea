import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { SECURITY_HEADERS } from './src/app/security-headers.js';

export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // The app, and the model benchmark page that `npm run bench:browser` drives.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  // The built app is served locked down (`npm start`; static hosts read the same headers from public/_headers).
  // Not the dev server: its HMR needs what the policy forbids (plugin-react's inline refresh preamble and
  // CSS injected as <style> elements).
  preview: { port: 4173, strictPort: true, headers: { ...SECURITY_HEADERS } },
});
