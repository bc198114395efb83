import { defineConfig } from 'vite';

// Relative asset paths: the same build is served at the gateway's `/` or from any other origin.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', assetsDir: 'assets', target: 'es2022', sourcemap: false },
});
