import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');

/** The TypeScript code blocks of README.md, in order. */
function readmeSnippets(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

test('README has at least one TypeScript usage snippet', () => {
  expect(readmeSnippets().length).toBeGreaterThan(0);
});

test('every TypeScript snippet in README.md compiles against the library', () => {
  // The snippets import 'cdk-azi'; a path mapping points that at lib/ so they compile before publishing.
  const dir = mkdtempSync(join(root, 'test', '.readme-'));
  try {
    const files = readmeSnippets().map((code, index) => {
      const file = join(dir, `snippet${index}.ts`);
      writeFileSync(file, `export {};\n${code}`);
      return file;
    });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      extends: '../../tsconfig.dev.json',
      compilerOptions: { baseUrl: '../..', paths: { 'cdk-azi': ['lib/index.ts'] }, noUnusedLocals: false },
      files: files.map((file) => file.slice(dir.length + 1)),
      include: [],
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`README snippet does not compile:\n${output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
