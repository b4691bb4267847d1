import { execFileSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { join, relative } from 'path';
import { consumerApp, disposeTarball, packedTarball, repoRoot, tarballFiles } from './support/packed-package';

/** Every .ts file under a folder, relative to it. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sources(path).map((file) => join(entry.name, file));
    }
    return entry.name.endsWith('.ts') ? [entry.name] : [];
  });
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
let tarball: string;
let files: string[];

beforeAll(() => {
  tarball = packedTarball();
  files = tarballFiles(tarball);
});

afterAll(() => disposeTarball(tarball));

describe('the npm tarball', () => {
  test('ships the compiled library: JavaScript and declarations for every source file', () => {
    const expected = sources(join(repoRoot, 'lib')).flatMap((file) => {
      const base = join('dist', file.replace(/\.ts$/, ''));
      return [`${base}.js`, `${base}.d.ts`];
    });
    expect(expected.length).toBeGreaterThan(2);
    expect(files).toEqual(expect.arrayContaining(expected));
    expect(files).toContain(manifest.main);
    expect(files).toContain(manifest.types);
  });

  test('ships a bundled handler for every function under lambda/', () => {
    const handlers = readdirSync(join(repoRoot, 'lambda'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, 'lambda', entry.name, 'index.ts')))
      .map((entry) => `assets/${entry.name}/index.js`);
    expect(handlers.length).toBeGreaterThan(0);
    expect(files).toEqual(expect.arrayContaining(handlers));
  });

  test('ships the jsii assembly, README and API.md, and nothing else', () => {
    expect(files).toEqual(expect.arrayContaining(['.jsii', 'README.md', 'API.md', 'package.json']));
    const allowed = [/^dist\/.+\.(js|d\.ts)$/, /^assets\/[^/]+\/.+$/, /^bin\/cdk-azi\.js$/, /^\.jsii$/, /^(README|API)\.md$/, /^package\.json$/, /^LICENSE$/];
    expect(files.filter((file) => !allowed.some((pattern) => pattern.test(file)))).toEqual([]);
    // No sources, tests, examples, or build outputs of other languages.
    expect(files.filter((file) => /^(lib|lambda|test|examples|dist-jsii|scripts)\//.test(file))).toEqual([]);
  });

  test('stays small: under 100 files and 2 MB', () => {
    expect(files.length).toBeLessThan(100);
    expect(statSync(tarball).size).toBeLessThan(2 * 1024 * 1024);
  });

  test('the assembly in the tarball declares the Python, Java, .NET and Go packages', () => {
    const app = consumerApp(tarball);
    try {
      const assembly = JSON.parse(readFileSync(join(app, 'node_modules', 'cdk-azi', '.jsii'), 'utf8'));
      expect(assembly.name).toBe('cdk-azi');
      expect(assembly.targets).toEqual({
        js: { npm: 'cdk-azi' },
        python: { distName: 'cdk-azi', module: 'cdk_azi' },
        java: { package: 'io.github.cdkazi', maven: { groupId: 'io.github.cdkazi', artifactId: 'cdk-azi' } },
        dotnet: { namespace: 'CdkAzi', packageId: 'CdkAzi' },
        go: { moduleName: 'example.invalid/cdk-azi', packageName: 'cdkazi' },
      });
      expect(Object.keys(assembly.types)).toEqual(expect.arrayContaining(['cdk-azi.ZonalFleet', 'cdk-azi.AzIndependentService']));
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test('loads in a new app from its own files: every export and the bundled handler', () => {
    const app = consumerApp(tarball);
    try {
      const exported = execFileSync(process.execPath, ['-e', `
        const lib = require('cdk-azi');
        const handler = require('cdk-azi/assets/zonal-shift/index.js');
        console.log(JSON.stringify({ exports: Object.keys(lib).sort(), handler: typeof handler.handler, from: require.resolve('cdk-azi') }));
      `], { cwd: app, encoding: 'utf8' });
      const report = JSON.parse(exported);
      expect(report.exports).toEqual(expect.arrayContaining(['ZonalFleet', 'ZonalAlarms', 'ZonalShiftResponder', 'ZonalDeployment', 'AzIndependentService']));
      expect(report.handler).toBe('function');
      expect(relative(app, report.from)).toBe(join('node_modules', 'cdk-azi', manifest.main));
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test('ships the cdk-azi command, which runs from the compiled library', () => {
    expect(files).toContain('bin/cdk-azi.js');
    expect(manifest.bin).toEqual({ 'cdk-azi': 'bin/cdk-azi.js' });
    const app = consumerApp(tarball);
    try {
      const help = execFileSync(process.execPath, [join(app, 'node_modules', 'cdk-azi', 'bin', 'cdk-azi.js'), 'gameday', '--help'], { cwd: app, encoding: 'utf8' });
      expect(help).toMatch(/az-failure/);
      // The drill runs from its bundle, with the AWS SDK clients inside it (no dependency to install).
      expect(files).toContain('assets/cli/drill.js');
      const drillHelp = execFileSync(process.execPath, [join(app, 'node_modules', 'cdk-azi', 'bin', 'cdk-azi.js'), 'drill', '--help'], { cwd: app, encoding: 'utf8' });
      expect(drillHelp).toMatch(/^usage: cdk-azi drill --stack NAME/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});

describe('package.json', () => {
  test('npm pack builds first, so a fresh clone packs the compiled library', () => {
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.scripts.build).toMatch(/npm run bundle/);
    expect(manifest.scripts.build).toMatch(/npm run compile/);
  });

  test('aws-cdk-lib and constructs are peer dependencies only, and the package has no runtime dependencies', () => {
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  test('every dev dependency is pinned to an exact version', () => {
    const loose = Object.entries(manifest.devDependencies as Record<string, string>).filter(([, version]) => !/^\d+\.\d+\.\d+$/.test(version));
    expect(loose).toEqual([]);
  });

  test('the Node.js range in engines includes the version running the tests (CI runs them)', () => {
    const semver = require(join(repoRoot, 'node_modules', 'semver'));
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
  });
});
