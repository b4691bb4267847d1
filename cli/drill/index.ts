/**
 * `cdk-azi drill --stack NAME [--region R] [--profile P]`: after `cdk deploy`, asks the deployed
 * zonal-shift function to read everything an incident would make it read, for every zone, and to
 * say what it would decide, without shifting anything. Prints a table per zone; exits 0 when every
 * zone is ready, 1 when the drill found something the incident path needs and does not have (or
 * could not run), 2 when the command's input is wrong (bad option, no credentials or Region, no
 * such stack, a stack without the function).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { DRILL_BINDING_HEADER, stsEndpoint } from '../../lambda/zonal-shift/caller-identity';
import { DRILL_ACTION, DrillReport } from '../../lambda/zonal-shift/drill';
import { RECONCILE_EVENT } from '../../lambda/zonal-shift/event';
import { Io, STDIO, readCliOptions } from '../../lib/private/cli-options';
import { DRILL_OUTPUT_MARKER } from '../../lib/private/drill-output';
import { formatReport, isReady } from './report';

/** How long the identity proof stays valid. */
const PROOF_EXPIRY_SECONDS = 60;

const USAGE = `usage: cdk-azi drill --stack NAME [--region R] [--profile P] [--json]

After 'cdk deploy': asks the stack's zonal-shift function to read everything an incident
would make it read (alarms, AZ IDs, the load balancer's shifts of every kind) for every zone
and to say what it would decide. It never starts, changes or ends a zonal shift.

The credentials must be those of a role the function allows (drillRoles of the
ZonalShiftResponder or AzIndependentService); the function checks a presigned
sts:GetCallerIdentity proof of it.

options:
  --stack NAME    the deployed stack (it has an output described '${DRILL_OUTPUT_MARKER}')
  --region R      the stack's Region (default: AWS_REGION, then the profile's region)
  --profile P     a profile of the shared AWS config files (default: AWS_PROFILE or default)
  --json          print the function's reports as JSON
  --help          this text

exit status: 0 every zone ready; 1 the drill found a problem or could not run;
2 bad input (option, credentials, Region, no such stack, no function in it)

The proof is signed for the function's Regional STS endpoint, whatever STS endpoint your
environment names; CDK_AZI_DRILL_STS_ENDPOINT names another (for tests with a local STS).
`;

/** Output streams, replaceable in tests. */
export type { Io };

/** A failure with its exit status and a one-line message. */
class DrillError extends Error {
  constructor(readonly code: 1 | 2, message: string) {
    super(message);
  }
}

interface Args {
  stack?: string;
  region?: string;
  profile?: string;
  json: boolean;
  help: boolean;
}

const WITH_VALUE = ['--stack', '--region', '--profile'];

function parseArgs(argv: string[]): Args {
  const out: Args = { json: false, help: false };
  const fail = (message: string): never => {
    throw new DrillError(2, message);
  };
  for (const { name, value = '' } of readCliOptions(argv, 'drill', WITH_VALUE, fail)) {
    switch (name) {
      case '--help': out.help = true; break;
      case '--json': out.json = true; break;
      case '--stack': out.stack = value; break;
      case '--region':
        if (!/^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(value)) {
          throw new DrillError(2, `--region ${value} is not a Region name; give one like us-east-1`);
        }
        out.region = value;
        break;
      default: out.profile = value; break;
    }
  }
  return out;
}

function errorName(err: unknown): string {
  return typeof (err as { name?: unknown })?.name === 'string' ? (err as { name: string }).name : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The zonal-shift functions a stack names in its outputs. */
async function findFunctions(cloudformation: CloudFormationClient, stack: string, region: string): Promise<string[]> {
  let outputs: { OutputValue?: string; Description?: string }[];
  try {
    const answer = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = answer.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    const message = oneLine((err as Error).message ?? String(err));
    if (errorName(err) === 'ValidationError' && /does not exist/.test(message)) {
      throw new DrillError(2, `no stack named ${stack} in ${region}; check --stack and --region`);
    }
    if (errorName(err) === 'CredentialsProviderError') {
      throw new DrillError(2, `no AWS credentials (${message}); pass --profile or set AWS_PROFILE`);
    }
    throw new DrillError(1, `cloudformation:DescribeStacks of ${stack} failed: ${errorName(err) || 'Error'}: ${message}`);
  }
  const arns = outputs
    .filter((output) => output.Description?.startsWith(DRILL_OUTPUT_MARKER) && output.OutputValue)
    .map((output) => output.OutputValue!);
  if (arns.length === 0) {
    throw new DrillError(2, `stack ${stack} has no cdk-azi zonal-shift function (no output described '${DRILL_OUTPUT_MARKER}'); deploy it with a ZonalShiftResponder from this version of cdk-azi`);
  }
  return [...new Set(arns)];
}

/**
 * A presigned sts:GetCallerIdentity query, bound to one function by a signed header. It is signed
 * for the STS endpoint the function sends it to: the function's Regional endpoint, whatever STS
 * endpoint the caller's own environment names (`CDK_AZI_DRILL_STS_ENDPOINT` names the local one
 * that tests give the function).
 */
export async function identityProof(credentials: AwsCredentialIdentity, functionArn: string, region: string, partition: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const url = new URL(stsEndpoint(region, partition, { AWS_ENDPOINT_URL_STS: env.CDK_AZI_DRILL_STS_ENDPOINT }));
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256, uriEscapePath: true });
  const presigned = await signer.presign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: `${url.pathname.replace(/\/+$/, '')}/`,
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: url.host, [DRILL_BINDING_HEADER]: functionArn },
  }, { expiresIn: PROOF_EXPIRY_SECONDS });
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    if (typeof value === 'string') {
      query[key] = value;
    }
  }
  return query;
}

/** Invokes the function with a drill event and returns its report. */
async function drill(lambda: LambdaClient, functionArn: string, proof: Record<string, string>): Promise<DrillReport> {
  let answer;
  try {
    answer = await lambda.send(new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify({ ...RECONCILE_EVENT, action: DRILL_ACTION, identity: { query: proof } })),
    }));
  } catch (err) {
    const message = oneLine((err as Error).message ?? String(err));
    if (errorName(err) === 'ResourceNotFoundException') {
      throw new DrillError(2, `the stack names ${functionArn}, which does not exist; was the stack's function deleted?`);
    }
    if (errorName(err) === 'AccessDeniedException') {
      throw new DrillError(1, `lambda:InvokeFunction on ${functionArn} was denied: ${message} (use credentials of one of the function's drill roles)`);
    }
    throw new DrillError(1, `lambda:Invoke of ${functionArn} failed: ${errorName(err) || 'Error'}: ${message}`);
  }
  const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new DrillError(1, `${functionArn} answered something that is not JSON: ${oneLine(text).slice(0, 200)}`);
  }
  if (answer.FunctionError) {
    const failure = payload as { errorType?: string; errorMessage?: string };
    throw new DrillError(1, `${functionArn} failed (${answer.FunctionError}): ${failure.errorType ?? 'Error'}: ${oneLine(failure.errorMessage ?? text).slice(0, 300)}`);
  }
  if (Array.isArray(payload)) {
    const reason = (payload[0] as { reason?: string } | undefined)?.reason ?? JSON.stringify(payload).slice(0, 200);
    throw new DrillError(1, `${functionArn} did not run the drill: ${reason} (is it deployed from this version of cdk-azi?)`);
  }
  const report = payload as DrillReport;
  if (typeof report !== 'object' || report === null || report.drill !== true || !Array.isArray(report.zones)) {
    throw new DrillError(1, `${functionArn} answered something that is not a drill report`);
  }
  return report;
}

/**
 * Drops the AWS SDK's notice about Node.js 20 (multi-line, on every run): the command's error
 * output stays one line. Other warnings pass.
 */
function quietSdkNotices(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'NodeVersionSupportWarning' || (warning as Error).name === 'NodeVersionSupportWarning' || /AWS SDK for JavaScript \(v3\)[\s\S]*require node/.test(text)) {
      return;
    }
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** Runs `cdk-azi drill <args>`; resolves to the exit status. */
export async function main(argv: string[], io: Io = STDIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  quietSdkNotices();
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.out(USAGE);
      return 0;
    }
    if (!args.stack) {
      throw new DrillError(2, '--stack is required: name the deployed stack (e.g. --stack CdkAziReference)');
    }
    // A named profile wins over credentials in the environment (without the SDK's warning).
    const credentials = args.profile ? fromIni({ profile: args.profile }) : defaultProvider();
    const cloudformation = new CloudFormationClient({ region: args.region, profile: args.profile, credentials });
    let region: string;
    try {
      region = await cloudformation.config.region();
    } catch {
      throw new DrillError(2, 'no Region: pass --region (or set AWS_REGION, or a region in the profile)');
    }
    let resolved: AwsCredentialIdentity;
    try {
      resolved = await credentials();
    } catch (err) {
      const source = args.profile ? ` for profile ${args.profile}` : '';
      throw new DrillError(2, `no AWS credentials${source} (${oneLine((err as Error).message)}); pass --profile or set AWS_PROFILE`);
    }
    const functions = await findFunctions(cloudformation, args.stack, region);
    // Every function is drilled; one that cannot be reaches the output as a refusal.
    const reports: DrillReport[] = [];
    let worst = 0;
    for (const functionArn of functions) {
      const [, partition = 'aws', functionRegion = region] = /^arn:([^:]+):lambda:([^:]+):/.exec(functionArn) ?? [];
      const lambda = new LambdaClient({ region: functionRegion, profile: args.profile, credentials: async () => resolved });
      const proof = await identityProof(resolved, functionArn, functionRegion, partition, env);
      try {
        reports.push(await drill(lambda, functionArn, proof));
      } catch (err) {
        if (!(err instanceof DrillError) || functions.length === 1) {
          throw err;
        }
        io.err(`cdk-azi drill: ${err.message}`);
        worst = Math.max(worst, err.code);
      }
    }
    if (reports.length > 0) {
      io.out(args.json ? JSON.stringify(reports, undefined, 2) : formatReport(args.stack, region, reports));
    }
    return Math.max(worst, reports.every(isReady) ? 0 : 1);
  } catch (err) {
    if (err instanceof DrillError) {
      io.err(`cdk-azi drill: ${err.message}`);
      return err.code;
    }
    io.err(`cdk-azi drill failed: ${oneLine((err as Error).message ?? String(err))}`);
    return 1;
  }
}
