import { aws_lambda as lambda } from 'aws-cdk-lib';

/**
 * The Node.js runtime of the library's Lambda handlers, chosen in one place.
 *
 * Node.js 24 is the current LTS line and a Lambda runtime in standard support; Node.js 22 reaches
 * end of life in April 2027. The handlers are bundled by esbuild (scripts/bundle.mjs, target
 * `node22`), and code built for Node.js 22 runs unchanged on 24. A test keeps this the newest
 * Node.js runtime that aws-cdk-lib knows, so an aws-cdk-lib upgrade that adds one fails until the
 * move is made (and tested) here.
 */
export const HANDLER_RUNTIME: lambda.Runtime = lambda.Runtime.NODEJS_24_X;
