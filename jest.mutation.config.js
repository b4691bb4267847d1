// Jest configuration for mutation testing only (`npm run mutation`, see stryker.config.mjs); `npm test`
// keeps using the configuration in package.json.
//
// It runs only the suites that execute the mutated code:
// - test/lambda and test/lambda-probe: the two Lambda handlers (lambda/**).
// - alarm-rule, alarm-truth-table, alarm-expressions and zonal-alarms: the composite-rule parser and
//   evaluator (lib/private/alarm-rule.ts), the rule builders of lib/zonal-alarms.ts, alarm-timing and
//   zonal-metrics.
// - static-stability, lambda-runtime, zonal-fleet, zonal-deployment, zonal-shift-responder and
//   zonal-probes: the rest of lib/private (capacity, validation, stack zones, root volume, zone IDs,
//   deployment checks), measured with `jest --coverage --collectCoverageFrom 'lib/private/**'`.
// Suites that add no coverage of these files (the dashboard, the reference app, nag, packaging,
// README snippets, game day) are left out: every mutant would only pay for loading them.
//
// ts-jest transpiles without type checking (tsconfig.mutation.json): the TypeScript checker of
// Stryker has already type-checked each mutant with tsconfig.dev.json.
//
// CDK_AZI_MUTATION_QUICK=1 leaves out the two slowest suites (the simulated hour and the random
// sequences of decide.property.test.ts, about 10 s of every mutant of the decision code). A
// survivor of such a run may still be killed by those suites: check it with a full run of its
// file, or by applying the change by hand and running every suite.
const base = require('./package.json').jest;

const SLOW_SUITES = ['<rootDir>/test/lambda/simulated-hour.test.ts', '<rootDir>/test/lambda/decide.property.test.ts'];

module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/lambda/**/*.test.ts',
    '<rootDir>/test/lambda-probe/**/*.test.ts',
    ...[
      'alarm-rule',
      'alarm-truth-table',
      'alarm-expressions',
      'zonal-alarms',
      'static-stability',
      'lambda-runtime',
      'zonal-fleet',
      'zonal-deployment',
      'zonal-shift-responder',
      'zonal-probes',
    ].map((name) => `<rootDir>/test/${name}.test.ts`),
  ],
  testPathIgnorePatterns: [...(base.testPathIgnorePatterns ?? ['/node_modules/']), ...(process.env.CDK_AZI_MUTATION_QUICK === '1' ? SLOW_SUITES : [])],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.mutation.json' }],
  },
};
