import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CERTIFICATE_ARN, FROM_PARTS_VPC, buildReferenceApp } from '../examples/app';

/** The stack names of the reference app built with the given context, and its missing context keys. */
function synthReferenceApp(context: Record<string, string> = {}) {
  const app = buildReferenceApp(new App({ context }));
  const assembly = app.synth();
  return { app, stacks: assembly.stacks.map((stack) => stack.stackName).sort(), missing: (assembly.manifest.missing ?? []).map((m) => m.key) };
}

describe('the reference app (what `cdk synth` and `cdk deploy --all` see)', () => {
  test('by default holds only the deployable reference stack, and needs no lookup (no credentials, no cdk.context.json)', () => {
    const { stacks, missing } = synthReferenceApp();
    expect(stacks).toEqual(['CdkAziReference']);
    expect(missing).toEqual([]);
  });

  test('fromPartsVpc=example adds the from-parts stack with placeholder IDs, still without lookups', () => {
    const { stacks, missing } = synthReferenceApp({ [FROM_PARTS_VPC]: 'example' });
    expect(stacks).toEqual(['CdkAziFromParts', 'CdkAziReference']);
    expect(missing).toEqual([]);
  });

  test('fromPartsVpc=<a VPC ID> looks that VPC up (the one case that needs credentials)', () => {
    const { stacks, missing } = synthReferenceApp({ [FROM_PARTS_VPC]: 'vpc-0abcdef0123456789' });
    expect(stacks).toEqual(['CdkAziFromParts', 'CdkAziReference']);
    expect(missing).toEqual([expect.stringMatching(/^vpc-provider:account=111111111111:filter\.vpc-id=vpc-0abcdef0123456789:region=us-east-1/)]);
  });

  test('certificateArn makes the reference service HTTPS with a redirect from HTTP; access logs are on', () => {
    const arn = 'arn:aws:acm:us-east-1:111111111111:certificate/12345678-1234-1234-1234-123456789012';
    const { app } = synthReferenceApp({ [CERTIFICATE_ARN]: arn });
    const template = Template.fromStack(app.node.findChild('CdkAziReference') as Stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', Certificates: [{ CertificateArn: arn }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
  });
});
