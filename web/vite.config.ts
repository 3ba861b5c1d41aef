// The browser UI. `npm run build:web` writes web/dist, which the server serves at `/`.
// `npm run dev:web` serves it with hot reload and proxies the API to SVYAZKA_API
// (default http://localhost:3000), so a running `npm start` answers the calls.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.SVYAZKA_API ?? 'http://localhost:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: true,
  },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: { '/api': api, '/hooks': api },
  },
});
