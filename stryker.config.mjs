// Mutation testing with StrykerJS: `npm run mutation` (not part of `npm test` or CI; see README,
// "Testing"). Narrow it with `npm run mutation -- --mutate 'lambda/zonal-shift/**/*.ts'`.
//
// What is mutated, and why:
// - lambda/**: the two Lambda handlers. Their decisions (shift, extend, cancel, refuse) are the
//   code whose mistakes cost the most, and their tests run in-process against local fakes.
// - lib/private/**: the pure helpers behind the constructs (composite-rule parser and evaluator,
//   alarm timing, validation, capacity, stack zones, deployment checks, zone IDs).
// - The composite alarm rule builders of lib/zonal-alarms.ts: the `impaired`, `isolated impact`
//   and `regional impact` rules and the limit check. They are not files of their own but a few
//   lines of an 800-line construct, so only those lines are mutated; the ranges are found by name
//   below, so they follow edits of the file. The rest of lib/*.ts is CDK wiring that the
//   snapshot and assertion tests cover; mutating it would mostly produce equivalent mutants
//   (descriptions, construct IDs) at the cost of a CDK synthesis per mutant.
// - Not lib/zonal-shift-responder.ts: its only EventBridge rule is a fixed schedule with a fixed
//   input; the event parsing it feeds is in lambda/zonal-shift/event.ts, which is mutated.
import { readFileSync } from 'node:fs';

/** `file:first-last` for the lines from the one starting with `startsWith` to the first line (from there) that `endsWith` matches. */
function linesOf(file, startsWith, endsWith) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith(startsWith));
  const last = lines.findIndex((line, index) => index >= first && endsWith(line));
  if (first < 0 || last < 0) {
    throw new Error(`stryker.config.mjs: cannot find '${startsWith}' in ${file}; update the mutated ranges`);
  }
  return `${file}:${first + 1}-${last + 1}`;
}

const ZONAL_ALARMS = 'lib/zonal-alarms.ts';

/**
 * The patterns given with `--mutate`, if any. When they all name files under lambda/, the checker
 * type-checks only the Lambda code (tsconfig.mutation-check-lambda.json): without the aws-cdk-lib
 * types the library pulls in, a check costs about a fifth of the CPU time.
 */
function mutateArgument() {
  const index = process.argv.indexOf('--mutate');
  return index >= 0 ? process.argv[index + 1]?.split(',') : undefined;
}
const LAMBDA_ONLY = mutateArgument()?.every((pattern) => pattern.startsWith('lambda/')) ?? false;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: [
    'lambda/**/*.ts',
    'lib/private/**/*.ts',
    linesOf(ZONAL_ALARMS, 'const impairedRule =', (line) => line.includes('checkRule(`impaired alarm')),
    linesOf(ZONAL_ALARMS, 'const others = partial.filter', (line) => line.includes('checkRule(`isolated impact alarm')),
    linesOf(ZONAL_ALARMS, 'const regionalRule =', (line) => line.includes("checkRule('regional impact alarm'")),
    linesOf(ZONAL_ALARMS, 'function atLeastTwoInAlarm(', (line) => line === '}'),
    linesOf(ZONAL_ALARMS, 'function checkRule(', (line) => line === '}'),
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.mutation.config.js',
  },
  // Each mutant runs only the tests that executed its code in the initial run.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants such as the retry policies and the error patterns) are
  // executed once at load, so each would need every test; they are about a fifth of the mutants
  // and would take about half of the time. They are reported as ignored. Run them with
  // `npm run mutation -- --ignoreStatic false`.
  ignoreStatic: true,
  // Reuses the results of the previous run (reports/mutation/incremental.json) for mutants whose
  // code and tests did not change. `--force` tests every mutant again.
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  // Mutants that do not compile are discarded before any test runs.
  checkers: ['typescript'],
  tsconfigFile: LAMBDA_ONLY ? 'tsconfig.mutation-check-lambda.json' : 'tsconfig.mutation-check.json',
  // Stryker adds `// @ts-nocheck` to the files it instruments; lambda/ is not in its default list.
  disableTypeChecks: '{lambda,lib,test}/**/*.{js,ts}',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // Sized for a 2-core machine. Stryker gives half of these to checkers until every mutant is
  // checked, then all of them to test runners: with 2, one test runner waited on one checker.
  concurrency: 4,
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'dist-jsii', 'cdk.out', 'coverage', 'reports', '.jsii', '.jsii.tabl.json', 'tsconfig.tsbuildinfo', '*.tgz'],
};
