import { defineConfig } from 'tsup'

export default defineConfig([
  {
    // One entry per export of package.json. `splitting` (also for CommonJS) puts what entries share
    // — the inspector, policies, errors — in chunks loaded once: one `TagwardenError` class whichever
    // entry threw it, and the root entry does not carry the proxy.
    entry: {
      index: 'src/index.ts',
      embed: 'src/entries/embed.ts',
      proxy: 'src/entries/proxy.ts',
      probe: 'src/entries/probe.ts',
    },
    format: ['esm', 'cjs'],
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
])
