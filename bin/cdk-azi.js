#!/usr/bin/env node
// The cdk-azi command. Uses the compiled dist/ when the package is built (as published); in a
// clone that has not been built, it compiles lib/ on the fly with ts-node (a dev dependency).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// `cdk-azi drill` is bundled with the AWS SDK clients it uses into assets/cli/drill.js.
const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const drill = args[0] === 'drill';
const compiled = drill ? path.join(root, 'assets', 'cli', 'drill.js') : path.join(root, 'dist', 'gameday', 'cli.js');
let cli;
if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  try {
    require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.dev.json') });
  } catch {
    process.stderr.write(`cdk-azi: ${path.relative(root, compiled)} is missing and ts-node is not installed; run 'npm ci' (or 'npm run build') first\n`);
    process.exit(2);
  }
  cli = require(drill ? path.join(root, 'cli', 'drill', 'index.ts') : path.join(root, 'lib', 'gameday', 'cli.ts'));
}
cli.main(drill ? args.slice(1) : args).then((code) => {
  process.exitCode = code;
}, (err) => {
  process.stderr.write(`cdk-azi: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
