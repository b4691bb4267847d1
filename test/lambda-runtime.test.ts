import { aws_lambda as lambda } from 'aws-cdk-lib';
import { HANDLER_RUNTIME } from '../lib/private/lambda-runtime';

/** The major version of a Node.js runtime name such as `nodejs24.x`. */
function nodeMajor(runtime: lambda.Runtime): number {
  return Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? NaN);
}

test('the handler runtime is the newest fixed Node.js runtime aws-cdk-lib knows', () => {
  const nodeRuntimes = Object.values(lambda.Runtime)
    .filter((value): value is lambda.Runtime => value instanceof lambda.Runtime)
    .filter((runtime) => runtime.family === lambda.RuntimeFamily.NODEJS && !runtime.isVariable && Number.isFinite(nodeMajor(runtime)));
  const newest = Math.max(...nodeRuntimes.map(nodeMajor));
  expect(nodeRuntimes.length).toBeGreaterThan(3);
  expect(HANDLER_RUNTIME.family).toBe(lambda.RuntimeFamily.NODEJS);
  expect(nodeMajor(HANDLER_RUNTIME)).toBe(newest);
});
