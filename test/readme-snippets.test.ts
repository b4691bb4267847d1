import { execFileSync } from 'child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { consumerApp, disposeTarball, packedTarball, repoRoot } from './support/packed-package';

/*
 * Every ```ts block of README.md runs as a program in a new CDK app that installed the packed
 * package, the way a user copies it: `import ... from 'cdk-azi'` resolves to the tarball's
 * compiled code, there is no cdk.json, no cdk.context.json and no AWS credentials.
 *
 * Convention for snippets: each block is a complete program (its own imports). Every `App` it
 * creates is synthesized when the program ends, whether or not the snippet calls `app.synth()`
 * itself (a preloaded hook records each App). A snippet that creates an App must synthesize
 * with no missing context, that is, with no lookup the CDK CLI would need credentials for.
 * A snippet that creates no App (a pure function, say) only has to run without error.
 */

interface AppReport {
  readonly stacks: string[];
  readonly missing: Array<{ key: string }>;
}

/** The TypeScript code blocks of README.md, in order. */
function readmeSnippets(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

/** Records every App the program creates and synthesizes each one when the program ends. */
const SYNTH_EVERY_APP = `
const fs = require('fs');
const cdk = require('aws-cdk-lib');
const apps = [];
class RecordedApp extends cdk.App {
  constructor(props) { super(props); apps.push(this); }
}
Object.defineProperty(cdk, 'App', { value: RecordedApp, configurable: true, enumerable: true, writable: true });
process.once('beforeExit', () => {
  const report = apps.map((app) => {
    const assembly = app.synth();
    return { stacks: assembly.stacks.map((s) => s.stackName), missing: assembly.manifest.missing || [] };
  });
  fs.writeFileSync(process.env.SNIPPET_REPORT, JSON.stringify(report));
});
`;

/** The environment of a newcomer's shell with no AWS credentials and no CDK context. */
function credentialFreeEnv(app: string, report: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_)/.test(key)) {
      env[key] = value;
    }
  }
  return {
    ...env,
    AWS_CONFIG_FILE: join(app, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(app, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SNIPPET_REPORT: report,
  };
}

const snippets = readmeSnippets();
let app: string;
let tarball: string;

beforeAll(() => {
  tarball = packedTarball();
  app = consumerApp(tarball);
  writeFileSync(join(app, 'synth-every-app.js'), SYNTH_EVERY_APP);
  snippets.forEach((code, index) => writeFileSync(join(app, `snippet${index}.ts`), `export {};\n${code}`));
}, 120_000);

afterAll(() => {
  if (app) {
    rmSync(app, { recursive: true, force: true });
  }
  disposeTarball(tarball);
});

test('README has TypeScript usage snippets', () => {
  expect(snippets.length).toBeGreaterThan(0);
});

test('every snippet type-checks against the packed package\'s declarations', () => {
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'es2022', module: 'commonjs', moduleResolution: 'node', strict: true, noEmit: true,
      skipLibCheck: true, esModuleInterop: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules', '@types')],
    },
    files: snippets.map((_, index) => `snippet${index}.ts`),
  }));
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], { cwd: app, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`README snippet does not compile against the package:\n${(error as { stdout?: Buffer }).stdout?.toString()}`);
  }
}, 120_000);

test.each(snippets.map((code, index) => [index, code] as const))('snippet %i synthesizes with no credentials and no context', (index, code) => {
  const report = join(app, `snippet${index}.report.json`);
  const tsNode = join(repoRoot, 'node_modules', 'ts-node', 'register', 'transpile-only');
  try {
    execFileSync(process.execPath, ['-r', join(app, 'synth-every-app.js'), '-r', tsNode, join(app, `snippet${index}.ts`)], {
      cwd: app,
      env: { ...credentialFreeEnv(app, report), TS_NODE_SKIP_PROJECT: "true", TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', target: 'es2022' }) },
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`README snippet ${index} failed:\n${stderr?.toString()}\n${stdout?.toString()}`);
  }
  expect(existsSync(join(app, 'cdk.context.json'))).toBe(false);
  const apps: AppReport[] = JSON.parse(readFileSync(report, 'utf8'));
  if (/\bnew App\(/.test(code)) {
    expect(apps.length).toBeGreaterThan(0);
  }
  for (const synthesized of apps) {
    expect(synthesized.stacks.length).toBeGreaterThan(0);
    expect(synthesized.missing.map((m) => m.key)).toEqual([]);
  }
}, 180_000);
