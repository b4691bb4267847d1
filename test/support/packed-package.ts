import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

export const repoRoot = join(__dirname, '..', '..');

/**
 * The package tarball as users get it.
 *
 * CI packs once from its fresh clone with a plain `npm pack` (which runs the `prepack` build) and
 * passes the file in `CDK_AZI_TARBALL`. Without it, the built tree is packed here with
 * `--ignore-scripts`, so a test run does not rebuild what `npm test` has just built.
 */
export function packedTarball(): string {
  const given = process.env.CDK_AZI_TARBALL;
  if (given) {
    if (!existsSync(given)) {
      throw new Error(`CDK_AZI_TARBALL names ${given}, which does not exist.`);
    }
    return given;
  }
  for (const built of ['dist/index.js', '.jsii', 'assets']) {
    if (!existsSync(join(repoRoot, built))) {
      throw new Error(`${built} is missing: run 'npm run build' before packing the package in tests.`);
    }
  }
  const destination = mkdtempSync(join(tmpdir(), 'cdk-azi-pack-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', destination], { cwd: repoRoot, stdio: 'pipe' });
  const [file] = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
  return join(destination, file);
}

/** Removes a tarball that `packedTarball` made (one given in `CDK_AZI_TARBALL` stays). */
export function disposeTarball(tarball: string | undefined): void {
  if (tarball && tarball !== process.env.CDK_AZI_TARBALL) {
    rmSync(dirname(tarball), { recursive: true, force: true });
  }
}

/** The paths inside a tarball, without the leading `package/`. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n').filter((line) => line && !line.endsWith('/')).map((line) => line.replace(/^package\//, '')).sort();
}

/**
 * A new, empty CDK app folder with the tarball installed as `node_modules/cdk-azi`. The package
 * has no dependencies of its own, only peer dependencies (aws-cdk-lib, constructs), so installing
 * it is unpacking it; the peers are linked from this repository's node_modules, offline.
 */
export function consumerApp(tarball: string): string {
  const app = mkdtempSync(join(tmpdir(), 'cdk-azi-consumer-'));
  const installed = join(app, 'node_modules', 'cdk-azi');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const peer of ['aws-cdk-lib', 'constructs']) {
    symlinkSync(join(repoRoot, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
  }
  return app;
}
