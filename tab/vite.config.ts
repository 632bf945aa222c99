import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The admin console. Built from the repository root with `vite build --config tab/vite.config.ts`
 * into dist/tab, which the app serves under /tab/. Two pages: the console (index.html, the static
 * tab and the pinned channel tab) and the configurable tab's config page (configure.html).
 * `vite --config tab/vite.config.ts` serves it for development, with /api proxied to the sandbox app.
 */
const here = new URL('.', import.meta.url).pathname;
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const apiTarget = env.TAB_API_TARGET ?? 'http://127.0.0.1:3978';

export default defineConfig({
  root: here,
  base: '/tab/',
  plugins: [react()],
  build: {
    outDir: new URL('../dist/tab', import.meta.url).pathname,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: {
        index: new URL('index.html', import.meta.url).pathname,
        configure: new URL('configure.html', import.meta.url).pathname,
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: { host: '127.0.0.1', port: 4173 },
});
