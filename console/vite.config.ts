import { defineConfig } from 'vite';

/** The console is served by the gateway from `dist/`; in `npm run dev -w @judgify/console`, Vite proxies the API to it. */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2048, sourcemap: false },
  server: {
    proxy: {
      '/graphql': { target: process.env.GATEWAY_URL ?? 'http://localhost:8000', ws: true },
      '/console-settings.json': process.env.GATEWAY_URL ?? 'http://localhost:8000',
    },
  },
});
