import { writeFileSync } from 'node:fs';
import { readStack } from './assembly';
import { Io, STDIO, readCliOptions } from '../private/cli-options';
import { GamedayInputError } from './errors';
import { formatJson, formatSvg, formatText } from './report';
import { describeBuiltIns, loadScenario, parseDuration } from './scenarios';
import { runGameday } from './simulator';

const USAGE = `usage: cdk-azi gameday --app DIR --stack NAME --scenario NAME|FILE.json [options]

Replays a failure against a synthesized stack: its alarms are evaluated as CloudWatch does,
its bundled zonal-shift function runs against a local CloudWatch and ARC, and the command
prints the timeline and a verdict. Nothing leaves this machine.

options:
  --app DIR             the cloud assembly folder 'cdk synth' writes (default cdk.out)
  --stack NAME          the stack to play against
  --scenario NAME|FILE  a built-in scenario or a JSON scenario file (see the README)
  --duration D          simulated time, e.g. 30m, 1h (default: the scenario's, usually 1h)
  --alb-delay D         ALB metric delivery delay (default: the scenario's, 90s)
  --probe-delay D       probe metric delivery delay (default: the scenario's, 20s)
  --json                print the result as JSON
  --chart FILE.svg      also write the dashboard: regional and per-AZ availability, shifts, alarms
  --help                this text

built-in scenarios:
`;

/** The help text, listing the built-in scenarios. */
export function usage(): string {
  const width = Math.max(...describeBuiltIns().map(([name]) => name.length));
  return USAGE + describeBuiltIns().map(([name, text]) => `  ${name.padEnd(width)}  ${text}`).join('\n') + '\n';
}

interface Parsed {
  app: string;
  stack?: string;
  scenario?: string;
  json: boolean;
  chart?: string;
  duration?: number;
  albDelay?: number;
  probeDelay?: number;
  help: boolean;
}

const WITH_VALUE = ['--app', '--stack', '--scenario', '--chart', '--duration', '--alb-delay', '--probe-delay'];

function parseArgs(args: string[]): Parsed {
  const out: Parsed = { app: 'cdk.out', json: false, help: false };
  const fail = (message: string): never => {
    throw new GamedayInputError(message);
  };
  for (const { name: arg, value = '' } of readCliOptions(args, 'gameday', WITH_VALUE, fail)) {
    switch (arg) {
      case '--help': out.help = true; break;
      case '--json': out.json = true; break;
      case '--app': out.app = value; break;
      case '--stack': out.stack = value; break;
      case '--scenario': out.scenario = value; break;
      case '--chart':
        if (!value.endsWith('.svg')) {
          throw new GamedayInputError(`--chart ${value}: the chart is SVG; give a file name ending in .svg`);
        }
        out.chart = value;
        break;
      case '--duration': out.duration = parseDuration(value, '--duration'); break;
      case '--alb-delay': out.albDelay = parseDuration(value, '--alb-delay'); break;
      case '--probe-delay': out.probeDelay = parseDuration(value, '--probe-delay'); break;
      default: break;
    }
  }
  return out;
}

/** Output streams, replaceable in tests. */
export type { Io };

/** Runs `cdk-azi <args>`; resolves to the exit code (0 done, 2 bad input, 1 failure). */
export async function main(argv: string[], io: Io = STDIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(`${usage()}\nafter 'cdk deploy': cdk-azi drill --stack NAME checks that the deployed zonal-shift function could act (see 'cdk-azi drill --help')\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'gameday') {
    io.err(`cdk-azi: unknown command '${command}'; the commands are 'cdk-azi gameday' and 'cdk-azi drill' (see --help of each)`);
    return 2;
  }
  try {
    const args = parseArgs(rest);
    if (args.help) {
      io.out(usage());
      return 0;
    }
    if (!args.stack) {
      throw new GamedayInputError("--stack is required: name the stack to play against (e.g. --stack CdkAziReference)");
    }
    if (!args.scenario) {
      throw new GamedayInputError("--scenario is required: a built-in name (see --help) or a JSON file");
    }
    if (args.duration !== undefined && (args.duration < 60 || args.duration > 86400)) {
      throw new GamedayInputError(`--duration ${args.duration}s must be from 1m to 24h`);
    }
    const scenario = loadScenario(args.scenario);
    const stack = readStack(args.app, args.stack);
    for (const event of scenario.events) {
      const ok = typeof event.az === 'number' ? event.az < stack.availabilityZones.length : stack.availabilityZones.includes(event.az);
      if (!ok) {
        throw new GamedayInputError(`--scenario ${args.scenario}: AZ '${String(event.az)}' is not in ${args.stack} (${stack.availabilityZones.join(', ')}; or an index 0..${stack.availabilityZones.length - 1})`);
      }
    }
    const result = await runGameday(stack, scenario, { durationSeconds: args.duration, albDelaySeconds: args.albDelay, probeDelaySeconds: args.probeDelay });
    io.out(args.json ? formatJson(result) : formatText(result));
    if (args.chart) {
      writeFileSync(args.chart, formatSvg(result));
      if (!args.json) {
        io.out(`chart written to ${args.chart}`);
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof GamedayInputError) {
      io.err(`cdk-azi gameday: ${err.message}`);
      return 2;
    }
    io.err(`cdk-azi gameday failed: ${(err as Error).message}`);
    return 1;
  }
}
