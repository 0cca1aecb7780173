// Vite build of the Packrat browser UI. Run from the repo root:
//   npx vite build --config viewer/ui/vite.config.ts
// The viewer serves the output folder (dist/viewer-ui) at /.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [vue()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/viewer-ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    sourcemap: false,
    // The plugin-timing report is noise on a shared, busy machine.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    // `npx vite --config viewer/ui/vite.config.ts` for UI work against a running viewer on 8005.
    proxy: { '/api': 'http://127.0.0.1:8005', '/login': 'http://127.0.0.1:8005', '/health': 'http://127.0.0.1:8005' },
  },
});
