import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { devNull } from 'node:os';
import { dirname, join } from 'node:path';
import { FunctionDef } from './assembly';
import { GamedayInputError } from './errors';

/** What one invocation did. */
export interface Invocation {
  readonly result?: unknown;
  readonly error?: string;
  /** Lines the function wrote to stdout/stderr (its log). */
  readonly logs: string[];
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** Environment variables that could point the function at real AWS; removed while it runs. */
const AWS_LEAKS = /^(AWS_|AMAZON_)/;

/**
 * Runs a bundled Node.js function of the assembly in this process: a fresh copy of its module
 * (as in a new Lambda container), its template environment, fake credentials, every AWS
 * endpoint pointed at the local services, and a clock that reads simulated time.
 */
export class FunctionRunner {
  private handler: Handler | undefined;
  private readonly file: string;
  private readonly exportName: string;

  constructor(readonly fn: FunctionDef, private readonly endpoint: string, private readonly region: string) {
    if (!/^nodejs/.test(fn.runtime)) {
      throw new GamedayInputError(`function ${fn.logicalId} has runtime ${fn.runtime}; the simulator runs Node.js functions only`);
    }
    const [module, exportName] = fn.handler.split(/\.(?=[^.]+$)/);
    this.exportName = exportName ?? 'handler';
    const candidates = ['.js', '.cjs'].map((ext) => join(fn.codePath, `${module}${ext}`));
    const file = candidates.find((candidate) => existsSync(candidate));
    if (!file) {
      throw new GamedayInputError(`function ${fn.logicalId}: ${module}.js is not in its asset ${fn.codePath}; synthesize again with 'npx cdk synth'`);
    }
    this.file = file;
  }

  /** The environment the function sees. */
  environment(): Record<string, string> {
    return {
      ...this.fn.environment,
      AWS_REGION: this.region,
      AWS_DEFAULT_REGION: this.region,
      AWS_ACCESS_KEY_ID: 'AKIAGAMEDAYSIMULATOR',
      AWS_SECRET_ACCESS_KEY: 'game-day-simulator-secret-key',
      AWS_SESSION_TOKEN: 'game-day-simulator-session',
      AWS_CONFIG_FILE: devNull,
      AWS_SHARED_CREDENTIALS_FILE: devNull,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: this.endpoint,
      AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: this.endpoint,
      AWS_MAX_ATTEMPTS: '1',
      AWS_LAMBDA_FUNCTION_NAME: this.fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EXECUTION_ENV: `AWS_Lambda_${this.fn.runtime}`,
    };
  }

  /** Invokes the handler at simulated time `nowMs` (epoch milliseconds). */
  async invoke(event: unknown, nowMs: number): Promise<Invocation> {
    const saved = { ...process.env };
    const logs: string[] = [];
    const writeOut = process.stdout.write;
    const writeErr = process.stderr.write;
    const RealDate = globalThis.Date;
    const started = RealDate.now();
    const simNow = () => nowMs + (RealDate.now() - started);
    for (const key of Object.keys(process.env)) {
      if (AWS_LEAKS.test(key)) {
        delete process.env[key];
      }
    }
    Object.assign(process.env, this.environment());
    const capture = (chunk: unknown): boolean => {
      logs.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    // Warnings the function's SDK emits (such as Node.js version notices) belong to its log too.
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error) => {
      capture(typeof warning === 'string' ? warning : warning.message);
    }) as typeof process.emitWarning;
    class SimDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) {
          super(simNow());
        } else {
          super(...(args as [string | number]));
        }
      }

      static now(): number {
        return simNow();
      }
    }
    globalThis.Date = SimDate as DateConstructor;
    try {
      const handler = this.load();
      const context = {
        functionName: this.fn.name,
        invokedFunctionArn: this.fn.arn,
        awsRequestId: `gameday-${nowMs}`,
        getRemainingTimeInMillis: () => this.fn.timeoutSeconds * 1000,
      };
      const result = await handler(event, context);
      return { result, logs };
    } catch (err) {
      return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), logs };
    } finally {
      globalThis.Date = RealDate;
      process.emitWarning = emitWarning;
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
      for (const key of Object.keys(process.env)) {
        if (!(key in saved)) {
          delete process.env[key];
        }
      }
      Object.assign(process.env, saved);
    }
  }

  private load(): Handler {
    if (!this.handler) {
      // A fresh module instance per runner, outside any require cache (a new Lambda container).
      const code = readFileSync(this.file, 'utf8');
      const mod: { exports: Record<string, unknown> } = { exports: {} };
      const factory = new Function('exports', 'require', 'module', '__filename', '__dirname', code);
      factory(mod.exports, createRequire(this.file), mod, this.file, dirname(this.file));
      const handler = mod.exports[this.exportName];
      if (typeof handler !== 'function') {
        throw new GamedayInputError(`function ${this.fn.logicalId}: ${this.file} exports no function '${this.exportName}'`);
      }
      this.handler = handler as Handler;
    }
    return this.handler;
  }
}
