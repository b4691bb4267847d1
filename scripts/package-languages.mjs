// Generates the Python, Java, .NET and Go bindings of the built library (.jsii) with jsii-pacmak,
// with the README's TypeScript snippets translated by jsii-rosetta, and checks what came out.
// Then builds the Python wheel with the system's setuptools and installs it into a fresh venv.
//
// Offline on purpose: the npm registry is the only package registry this project can count on.
// So pacmak runs with --code-only (its full mode downloads Maven, NuGet, Go and PyPI packages),
// and the wheel is installed with --no-deps: its dependencies (the jsii runtime and aws-cdk-lib
// for Python) live on PyPI. What this proves, and what it cannot, is printed at the end.
//
// Usage: npm run build && npm run package   (output in dist-jsii/, which is not committed)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist-jsii');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0], JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' };
const python = process.env.CDK_AZI_PYTHON ?? '/usr/bin/python3';

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}

function timed(label, fn) {
  const start = Date.now();
  const result = fn();
  console.log(`package: ${label} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

function expectFile(path, pattern) {
  if (!existsSync(path)) {
    throw new Error(`expected ${path.slice(root.length + 1)} to be generated`);
  }
  if (pattern && !pattern.test(readFileSync(path, 'utf8'))) {
    throw new Error(`${path.slice(root.length + 1)} does not contain ${pattern}`);
  }
}

if (!existsSync(join(root, '.jsii'))) {
  throw new Error('.jsii is missing: run `npm run build` first.');
}
const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
rmSync(outdir, { recursive: true, force: true });

// 1. Every README snippet must compile for rosetta (--fail), or the translations would be wrong.
const tablet = join(root, '.jsii.tabl.json');
timed('rosetta extract (README snippets compiled and translated)', () =>
  run(bin('jsii-rosetta'), ['extract', '--compile', '--fail', '--output', tablet, '.jsii']));
const snippets = Object.values(JSON.parse(readFileSync(tablet, 'utf8')).snippets);
if (snippets.length === 0 || snippets.some((snippet) => !snippet.didCompile)) {
  throw new Error('jsii-rosetta did not compile every README snippet');
}

// 2. Code for every target, using only the tablet's translations.
timed('jsii-pacmak --code-only python java dotnet go', () => run(bin('jsii-pacmak'), [
  '--code-only', '--no-npmignore', '--no-fingerprint', '--targets', 'python', 'java', 'dotnet', 'go',
  '--rosetta-tablet', tablet, '--rosetta-unknown-snippets', 'fail', '--outdir', outdir,
]));

// 3. The generated code has the library's classes under the configured names, and the README's
//    snippets in each language.
const targets = assembly.targets;
const pyModule = targets.python.module;
expectFile(join(outdir, 'python', 'src', pyModule, '__init__.py'), /^class ZonalFleet\(/m);
expectFile(join(outdir, 'python', 'README.md'), new RegExp(`^from ${pyModule} import AzIndependentService$`, 'm'));
const javaDir = join(outdir, 'java', 'src', 'main', 'java', ...targets.java.package.split('.'));
expectFile(join(javaDir, 'ZonalFleet.java'), new RegExp(`^package ${targets.java.package.replace(/\./g, '\\.')};`, 'm'));
expectFile(join(outdir, 'java', 'pom.xml'), new RegExp(`<artifactId>${targets.java.maven.artifactId}</artifactId>`));
expectFile(join(javaDir, 'package-info.java'), /AzIndependentService\.Builder\.create\(stack, "Service"\)/);
const dotnetDir = join(outdir, 'dotnet', targets.dotnet.packageId);
expectFile(join(dotnetDir, targets.dotnet.namespace, 'ZonalFleet.cs'), new RegExp(`^namespace ${targets.dotnet.namespace}$`, 'm'));
expectFile(join(dotnetDir, targets.dotnet.namespace, 'NamespaceDoc.cs'), /new AzIndependentService\(stack, "Service", new AzIndependentServiceProps \{/);
const goDir = join(outdir, 'go', targets.go.packageName);
expectFile(join(goDir, 'ZonalFleet.go'), new RegExp(`^package ${targets.go.packageName}$`, 'm'));
expectFile(join(goDir, 'go.mod'), new RegExp(`^module ${targets.go.moduleName}/${targets.go.packageName}$`, 'm'));
expectFile(join(goDir, 'README.md'), new RegExp(`${targets.go.packageName}\\.NewAzIndependentService\\(stack, jsii\\.String\\("Service"\\)`));

// 4. The Python wheel: built from the generated project with the system's setuptools and wheel
//    (no build isolation, so nothing is downloaded), installed into a fresh venv without its
//    dependencies, and inspected there.
const scratch = mkdtempSync(join(tmpdir(), 'cdk-azi-wheel-'));
try {
  const wheelDir = join(scratch, 'wheel');
  timed('python wheel built', () => run(python, ['-m', 'pip', 'wheel', '--quiet', '--no-build-isolation', '--no-deps', '--no-index',
    '--wheel-dir', wheelDir, join(outdir, 'python')]));
  const [wheel] = readdirSync(wheelDir).filter((name) => name.endsWith('.whl'));
  if (!wheel) {
    throw new Error('no wheel was built');
  }
  const venv = join(scratch, 'venv');
  run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--no-deps', '--no-index', join(wheelDir, wheel)]);
  const report = JSON.parse(run(join(venv, 'bin', 'python'), ['-c', `
import importlib.metadata as m, importlib.util, json, tarfile
files = [str(f) for f in m.files('${targets.python.distName}')]
assembly = [f for f in files if f.endswith('.jsii.tgz')]
with tarfile.open(m.distribution('${targets.python.distName}').locate_file(assembly[0])) as t:
    inner = json.load(t.extractfile('package/.jsii'))
try:
    import ${pyModule}
    missing = None
except ModuleNotFoundError as error:
    missing = error.name
print(json.dumps({
    'version': m.version('${targets.python.distName}'),
    'requires': m.requires('${targets.python.distName}'),
    'assemblyName': inner['name'], 'assemblyFingerprint': inner['fingerprint'],
    'sourceCompiled': any(f.startswith('${pyModule}/__pycache__/__init__.') for f in files),
    'importMissing': missing,
}))
`]));
  const checks = [
    [report.version === assembly.version, `wheel version ${report.version} is the package version ${assembly.version}`],
    [report.assemblyName === assembly.name && report.assemblyFingerprint === assembly.fingerprint, 'wheel carries this build\'s jsii assembly'],
    [report.sourceCompiled, 'generated Python source byte-compiles'],
    [report.requires.some((r) => r.startsWith('aws-cdk-lib')) && report.requires.some((r) => r.startsWith('jsii')), 'wheel depends on aws-cdk-lib and the jsii runtime'],
    // Importing needs the jsii runtime from PyPI, which this machine cannot reach. Anything else
    // missing would be a defect of the wheel.
    [report.importMissing === null || report.importMissing === 'jsii', `import ${pyModule} stops only at the jsii runtime (got ${report.importMissing})`],
  ];
  for (const [ok, what] of checks) {
    console.log(`package: ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  }
  if (checks.some(([ok]) => !ok)) {
    throw new Error('the Python wheel check failed');
  }
  console.log(`package: ${wheel} installed into a venv (--no-deps): ${report.requires.join('; ')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log('package: python, java, dotnet and go code generated; README snippets translated for each. ' +
  'Not built here: the Java, .NET and Go packages (Maven Central, NuGet and the Go module proxy are unreachable).');
