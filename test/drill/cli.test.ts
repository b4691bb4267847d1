/**
 * `cdk-azi drill` end to end on 127.0.0.1: the command runs as a user runs it (`bin/cdk-azi.js`,
 * in its own process, with the AWS SDK's endpoint variables pointing here), finds the function in
 * a local CloudFormation, invokes it through a local Lambda that speaks the Invoke protocol, and
 * the function is the real handler module reading from the local ARC, CloudWatch and STS.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT, AZS, FUNCTION_ARN, LB_ARN, rawConfig, zoneNames } from '../lambda/support/fixtures';
import { FakeStsServer } from '../lambda/support/fake-sts-server';
import { World } from '../lambda/support/world';
import { Caller, FakeCloudFormationServer, FakeLambdaServer } from './support/local-endpoints';

const ROOT = join(__dirname, '..', '..');
const STACK = 'CdkAziReference';
const DRILL_ROLE = `arn:aws:iam::${ACCOUNT}:role/CdkAziReference-DrillRoleFAEAA2C2-Q1w2E3r4T5y6`;
const DRILLER: Caller = { accessKeyId: 'AKIADRILLER', secretAccessKey: 'driller-secret', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/CdkAziReference-DrillRoleFAEAA2C2-Q1w2E3r4T5y6/alice` };
const STRANGER: Caller = { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'stranger-secret', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob` };
const OUTPUT_DESCRIPTION = 'cdk-azi:zonal-shift-function of CdkAziReference/Service/ZonalShift; check it with: npx cdk-azi drill --stack <this stack>';

let sts: FakeStsServer;
let cloudformation: FakeCloudFormationServer;
let lambda: FakeLambdaServer;
let home: string;
let world: World | undefined;
const functionLog: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  sts = await FakeStsServer.start();
  sts.identities.push(DRILLER, STRANGER);
  cloudformation = await FakeCloudFormationServer.start([DRILLER, STRANGER]);
  lambda = await FakeLambdaServer.start([DRILLER, STRANGER]);
  home = mkdtempSync(join(tmpdir(), 'cdk-azi-drill-'));
  cloudformation.stacks.set(STACK, [
    { OutputKey: 'LoadBalancerDnsName', OutputValue: 'CdkAzi-Servi-1A2B3C4D5E6F-123456789.us-east-1.elb.amazonaws.com' },
    { OutputKey: 'ServiceZonalShiftDrillFunction0CA57CB6', OutputValue: FUNCTION_ARN, Description: OUTPUT_DESCRIPTION },
  ]);
  cloudformation.stacks.set('Unrelated', [{ OutputKey: 'BucketName', OutputValue: 'some-bucket' }]);
});

afterAll(async () => {
  await Promise.all([sts.close(), cloudformation.close(), lambda.close()]);
  rmSync(home, { recursive: true, force: true });
});

afterEach(async () => {
  await world?.close();
  world = undefined;
  functionLog.splice(0);
  lambda.functions.clear();
  for (const key of Object.keys(process.env)) {
    if (!(key in savedEnv)) {
      delete process.env[key];
    }
  }
  Object.assign(process.env, savedEnv);
});

/**
 * Deploys the real handler module behind the local Lambda, configured like the construct
 * configures it, with its clients pointed at the world's ARC and CloudWatch and the local STS.
 */
async function deploy(options: { drill?: string[]; invokers?: string[] } = {}): Promise<World> {
  world = await World.start({ config: { ...rawConfig(), drill: options.drill ?? [DRILL_ROLE] } });
  Object.assign(process.env, {
    ZONAL_SHIFT_CONFIG: JSON.stringify({ ...rawConfig(), drill: options.drill ?? [DRILL_ROLE] }),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: world.arc.accessKeyId,
    AWS_SECRET_ACCESS_KEY: world.arc.secretAccessKey,
    AWS_ENDPOINT_URL_ARC_ZONAL_SHIFT: world.arc.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: world.cloudwatch.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  });
  let handler: (event: unknown, context: unknown) => Promise<unknown> = async () => undefined;
  jest.isolateModules(() => {
    // A fresh module: a new Lambda container that reads this configuration.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require('../../lambda/zonal-shift/index').handler;
  });
  lambda.functions.set(FUNCTION_ARN, {
    run: async (payload, context) => {
      // The function's log lines go to its log (here, `functionLog`), as in Lambda.
      const write = process.stdout.write;
      process.stdout.write = ((chunk: unknown) => functionLog.push(...String(chunk).split('\n').filter((line) => line !== ''))) as unknown as typeof process.stdout.write;
      try {
        return await handler(payload, context);
      } finally {
        process.stdout.write = write;
      }
    },
    invokers: options.invokers ?? [DRILLER.arn],
  });
  return world;
}

/** The output the README shows under `<!-- drill-output:NAME -->`. */
function readmeOutput(name: string): string | undefined {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return new RegExp(`<!-- drill-output:${name} -->\n\`\`\`text\n\\$ npx cdk-azi drill --stack CdkAziReference\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cdk-azi drill` as a user would, in its own process, with the given credentials. */
function drill(args: string[], caller: Caller | null = DRILLER, extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    CDK_AZI_DRILL_STS_ENDPOINT: sts.endpoint,
    ...(caller ? { AWS_ACCESS_KEY_ID: caller.accessKeyId, AWS_SECRET_ACCESS_KEY: caller.secretAccessKey } : {}),
    ...extraEnv,
  };
  // An empty value stands for "not set".
  for (const [key, value] of Object.entries(env)) {
    if (value === '') {
      delete env[key];
    }
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'cdk-azi.js'), 'drill', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('a deployed function that can act', () => {
  test('prints a row per zone and exits 0; the output is the README\'s', async () => {
    const w = await deploy();
    const run = await drill(['--stack', STACK]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const az of AZS) {
      expect(run.stdout).toMatch(new RegExp(`^${az}  use1-az\\d  7/7 +OK +none +nothing$`, 'm'));
    }
    expect(run.stdout).toContain(`caller    ${DRILLER.arn}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('ready: 3 zone(s) read and decided without a problem');
    expect(w.arc.requests.map((request) => request.operation)).toEqual(['GetManagedResource']);
    expect(functionLog.map((line) => JSON.parse(line)).map((line) => [line.message, line.availabilityZone])).toEqual(AZS.map((az) => ['drill', az]));
    expect(readmeOutput('ready')).toBe(run.stdout);
  });

  test('an impaired zone: the drill says start, and nothing is started', async () => {
    const w = await deploy();
    w.setZone('us-east-1b', { alb: 'ALARM', probe: 'ALARM' });
    const run = await drill(['--stack', STACK, '--region', 'us-east-1']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^us-east-1b  use1-az1  7\/7 +ALARM +none +start$/m);
    expect(run.stdout).toMatch(/^us-east-1b  start: isolated impact in us-east-1b/m);
    expect(w.arc.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  test('--profile takes the credentials and the Region from the shared config files', async () => {
    await deploy();
    writeFileSync(join(home, 'profiles-credentials'), `[drill]\naws_access_key_id = ${DRILLER.accessKeyId}\naws_secret_access_key = ${DRILLER.secretAccessKey}\n`);
    writeFileSync(join(home, 'profiles-config'), '[profile drill]\nregion = us-east-1\n');
    const run = await drill(['--stack', STACK, '--profile', 'drill'], null, {
      AWS_REGION: '',
      AWS_CONFIG_FILE: join(home, 'profiles-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'profiles-credentials'),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`caller    ${DRILLER.arn}`);
    const unknown = await drill(['--stack', STACK, '--profile', 'nobody'], null, { AWS_CONFIG_FILE: join(home, 'profiles-config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'profiles-credentials') });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cdk-azi drill: no AWS credentials for profile nobody \(.+\); pass --profile or set AWS_PROFILE\n$/);
  });

  test('--json prints the function\'s report', async () => {
    await deploy();
    const run = await drill(['--stack', STACK, '--json']);
    expect(run.code).toBe(0);
    const [report] = JSON.parse(run.stdout);
    expect(report).toMatchObject({ drill: true, ready: true, functionArn: FUNCTION_ARN, caller: DRILLER.arn });
    expect(report.zones.map((zone: { decision: string }) => zone.decision)).toEqual(['nothing', 'nothing', 'nothing']);
  });
});

describe('what the incident path needs and does not have: exit 1', () => {
  test('an AccessDenied on GetManagedResource', async () => {
    const w = await deploy();
    w.arc.faults.push({ status: 403, type: 'AccessDeniedException', operation: 'GetManagedResource' });
    const run = await drill(['--stack', STACK]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`  problem: arc-zonal-shift:GetManagedResource on ${LB_ARN}: 403 AccessDeniedException: injected AccessDeniedException`);
    expect(run.stdout).toMatch(/^us-east-1a  use1-az6  7\/7 +OK +none +unknown$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('NOT READY: 3 problem(s) in 3 of 3 zone(s)');
  });

  test('a deleted alarm', async () => {
    const w = await deploy();
    const probe = zoneNames('us-east-1a').probe;
    w.cloudwatch.metricAlarms.splice(w.cloudwatch.metricAlarms.findIndex((alarm) => alarm.AlarmName === probe), 1);
    const run = await drill(['--stack', STACK]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^us-east-1a  use1-az6  6\/7 +OK +none +refuse$/m);
    expect(run.stdout).toContain(`  problem: alarm ${probe} (recovery) does not exist`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('NOT READY: 1 problem(s) in 1 of 3 zone(s)');
    expect(readmeOutput('missing-alarm')).toBe(run.stdout);
  });

  test('a caller that may invoke but is not a drill role: the function refuses', async () => {
    const w = await deploy({ invokers: [DRILLER.arn, STRANGER.arn] });
    const run = await drill(['--stack', STACK], STRANGER);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`REFUSED   ${STRANGER.arn} is not one of the drill roles (${DRILL_ROLE})`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('NOT READY: 1 function(s) refused the drill');
    expect(w.calls).toEqual([]);
  });

  test('a caller without lambda:InvokeFunction', async () => {
    await deploy();
    const run = await drill(['--stack', STACK], STRANGER);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`cdk-azi drill: lambda:InvokeFunction on ${FUNCTION_ARN} was denied: User: ${STRANGER.arn} is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION_ARN} because no identity-based policy allows the lambda:InvokeFunction action (use credentials of one of the function's drill roles)\n`);
  });

  test('the verdict is the command\'s own: a report that claims ready with a problem, or with no zone, is not', async () => {
    await deploy();
    const zone = { loadBalancerArn: LB_ARN, availabilityZone: 'us-east-1a', availabilityZoneId: 'use1-az6', alarms: [], shifts: [], decision: 'nothing', reason: 'clear' };
    const lying = { drill: true, ready: true, functionArn: FUNCTION_ARN, caller: DRILLER.arn, dryRun: false, problems: [], zones: [{ ...zone, problems: ['alarm x does not exist'] }] };
    lambda.functions.set(FUNCTION_ARN, { run: async () => lying, invokers: [DRILLER.arn] });
    const run = await drill(['--stack', STACK]);
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('NOT READY: 1 problem(s) in 1 of 1 zone(s)');

    lambda.functions.set(FUNCTION_ARN, { run: async () => ({ ...lying, zones: [] }), invokers: [DRILLER.arn] });
    const empty = await drill(['--stack', STACK]);
    expect(empty.code).toBe(1);
    expect(empty.stdout.trimEnd().split('\n').at(-1)).toBe('NOT READY: no zone was drilled');
  });

  test('a stack with two functions: one that cannot be drilled does not hide the other\'s report', async () => {
    await deploy();
    const second = FUNCTION_ARN.replace('AbCdEf123456', 'Second000001');
    lambda.functions.set(second, { run: async () => ({}), invokers: [] });
    cloudformation.stacks.set('TwoResponders', [
      { OutputKey: 'AZonalShiftDrillFunction1', OutputValue: FUNCTION_ARN, Description: OUTPUT_DESCRIPTION },
      { OutputKey: 'BZonalShiftDrillFunction2', OutputValue: second, Description: OUTPUT_DESCRIPTION.replace('Service/ZonalShift', 'Other/ZonalShift') },
    ]);
    const run = await drill(['--stack', 'TwoResponders']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`cdk-azi drill: lambda:InvokeFunction on ${second} was denied: User: ${DRILLER.arn} is not authorized to perform: lambda:InvokeFunction on resource: ${second} because no identity-based policy allows the lambda:InvokeFunction action (use credentials of one of the function's drill roles)\n`);
    expect(run.stdout).toContain(`function  ${FUNCTION_ARN}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('ready: 3 zone(s) read and decided without a problem');
  });

  test('a function that fails', async () => {
    await deploy();
    lambda.functions.set(FUNCTION_ARN, { run: async () => { throw new TypeError('boom'); }, invokers: [DRILLER.arn] });
    const run = await drill(['--stack', STACK]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`cdk-azi drill: ${FUNCTION_ARN} failed (Unhandled): TypeError: boom\n`);
  });
});

describe('bad input: exit 2 and one line', () => {
  test.each([
    [['--stack', 'Nope'], 'cdk-azi drill: no stack named Nope in us-east-1; check --stack and --region'],
    [['--stack', 'Unrelated'], "cdk-azi drill: stack Unrelated has no cdk-azi zonal-shift function (no output described 'cdk-azi:zonal-shift-function'); deploy it with a ZonalShiftResponder from this version of cdk-azi"],
    [[], 'cdk-azi drill: --stack is required: name the deployed stack (e.g. --stack CdkAziReference)'],
    [['--stack', STACK, '--region', 'mars'], 'cdk-azi drill: --region mars is not a Region name; give one like us-east-1'],
    [['--stack', STACK, '--force'], "cdk-azi drill: unknown option '--force'; run 'cdk-azi drill --help' for the options"],
    [['--stack', STACK, '--json=yes'], "cdk-azi drill: unknown option '--json=yes'; run 'cdk-azi drill --help' for the options"],
    [['--stack', '--region'], "cdk-azi drill: --stack needs a value; run 'cdk-azi drill --help' for the options"],
  ])('%j', async (args, message) => {
    const run = await drill(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  test('no credentials', async () => {
    const requests = cloudformation.requests.length;
    const run = await drill(['--stack', STACK], null);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^cdk-azi drill: no AWS credentials \(.+\); pass --profile or set AWS_PROFILE\n$/);
    expect(cloudformation.requests.length).toBe(requests);
  });

  test('Regions of every partition are Region names (eusc-de-east-1 among them)', async () => {
    const run = await drill(['--stack', STACK, '--region', 'eusc-de-east-1']);
    expect(run.stderr).not.toContain('is not a Region name');
  });

  test('no Region', async () => {
    const run = await drill(['--stack', STACK], DRILLER, { AWS_REGION: '' });
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'cdk-azi drill: no Region: pass --region (or set AWS_REGION, or a region in the profile)\n' });
  });
});
