// Bundles every Lambda handler under lambda/<name>/index.ts into assets/<name>/index.js, and the
// drill command (cli/drill, with the AWS SDK clients it uses) into assets/cli/drill.js.
// The package ships assets/, so users of the library never run esbuild, and the command needs no
// dependency the package does not carry.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlers = readdirSync(join(root, 'lambda'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'lambda', entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

for (const name of handlers) {
  const outdir = join(root, 'assets', name);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'lambda', name, 'index.ts')],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

const cliOut = join(root, 'assets', 'cli');
rmSync(cliOut, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'cli', 'drill', 'index.ts')],
  outfile: join(cliOut, 'drill.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`bundled ${handlers.length} handler(s): ${handlers.join(', ') || '-'}; and the drill command`);
