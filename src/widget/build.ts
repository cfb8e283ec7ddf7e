import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The widget must stay small enough to load on every page of a customer's site. */
export const MAX_GZIP_BYTES = 40 * 1024;

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('./tsconfig.json', import.meta.url));

/**
 * Bundles the browser widget (src/widget/index.ts and socket.io-client) into one minified IIFE, in
 * memory: the server serves it as /widget.js with this ETag.
 */
export async function buildWidget(): Promise<{ code: string; etag: string; gzipBytes: number }> {
  const result = await build({
    entryPoints: [entry],
    tsconfig,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const etag = `"${createHash('sha256').update(code).digest('hex').slice(0, 32)}"`;
  return { code, etag, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/** Prints the sizes, and fails when the bundle outgrew its budget. */
async function report() {
  const { code, etag, gzipBytes } = await buildWidget();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const sizes = `widget.js ${kb(Buffer.byteLength(code))}, gzipped ${kb(gzipBytes)} (max ${kb(MAX_GZIP_BYTES)})`;
  console.log(`${sizes}, etag ${etag}`);
  if (gzipBytes > MAX_GZIP_BYTES) process.exitCode = 1;
}

// Run as a script (node --import tsx src/widget/build.ts); importing it builds nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void report();
