// Types of scripts/cli-build-options.js for the TypeScript that imports it (test/helpers/test-dist.ts).
import type { BuildOptions } from 'esbuild';

export declare const cliExternal: readonly string[];
export declare function cliBuildOptions(o: { root: string; entry: string; outdir: string }): BuildOptions & { metafile: true };
