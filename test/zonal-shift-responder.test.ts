import { App, Duration, Stack, aws_cloudwatch as cloudwatch, aws_elasticloadbalancingv2 as elbv2, aws_logs as logs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalShiftDecision, ZonalShiftResponder, ZonalShiftResponderProps } from '../lib';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/0123456789abcdef';

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
}

function importedLoadBalancer(stack: Stack, arn = LB_ARN): elbv2.IApplicationLoadBalancer {
  return elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, `Lb${arn.slice(-4)}`, {
    loadBalancerArn: arn,
    securityGroupId: 'sg-12345678',
  });
}

function compositeAlarm(stack: Stack, id: string): cloudwatch.CompositeAlarm {
  const metricAlarm = cloudwatch.Alarm.fromAlarmArn(stack, `${id}Child`, `arn:aws:cloudwatch:us-east-1:111111111111:alarm:${id}-child`);
  return new cloudwatch.CompositeAlarm(stack, id, { alarmRule: cloudwatch.AlarmRule.fromAlarm(metricAlarm, cloudwatch.AlarmState.ALARM) });
}

function newResponder(overrides: Partial<ZonalShiftResponderProps> = {}): { stack: Stack; responder: ZonalShiftResponder } {
  const stack = newStack();
  const responder = new ZonalShiftResponder(stack, 'Responder', {
    loadBalancers: [importedLoadBalancer(stack)],
    availabilityZones: ZONES,
    ...overrides,
  });
  return { stack, responder };
}

function handlerEnvironment(template: Template): Record<string, unknown> {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } });
  expect(Object.keys(fns)).toHaveLength(1);
  return Object.values(fns)[0].Properties.Environment.Variables;
}

describe('function', () => {
  test('runs on Node.js 22 from the bundled handler', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Handler: 'index.handler', Timeout: 60 });
  });

  test('gets its configuration through the environment, with documented defaults', () => {
    const env = handlerEnvironment(Template.fromStack(newResponder().stack));
    expect(env).toMatchObject({
      MANAGED_LOAD_BALANCER_ARNS: JSON.stringify([LB_ARN]),
      SHIFT_EXPIRES_IN: '6h',
      END_SHIFT_ON_RECOVERY: 'true',
      DRY_RUN: 'false',
      METRICS_NAMESPACE: 'CdkAzi/ZonalShift',
    });
  });

  test.each([
    [Duration.minutes(90), '90m'],
    [Duration.hours(2), '2h'],
    [Duration.hours(72), '72h'],
  ])('renders expiry %s as %s', (shiftExpiresIn, text) => {
    const env = handlerEnvironment(Template.fromStack(newResponder({ shiftExpiresIn }).stack));
    expect(env.SHIFT_EXPIRES_IN).toBe(text);
  });

  test('passes dry-run and end-on-recovery settings', () => {
    const env = handlerEnvironment(Template.fromStack(newResponder({ dryRun: true, endShiftOnRecovery: false }).stack));
    expect(env).toMatchObject({ DRY_RUN: 'true', END_SHIFT_ON_RECOVERY: 'false' });
  });

  test('resolves every zone name to its ID at deploy time, never in the template', () => {
    const template = Template.fromStack(newResponder().stack);
    const lookups = template.findResources('Custom::AWS');
    expect(Object.keys(lookups)).toHaveLength(3);
    const creates = Object.values(lookups).map((r) => JSON.stringify(r.Properties.Create));
    for (const zone of ZONES) {
      expect(creates.filter((c) => c.includes('describeAvailabilityZones') && c.includes(`\\"ZoneNames\\":[\\"${zone}\\"]`))).toHaveLength(1);
    }
    const azIdMap = JSON.stringify(handlerEnvironment(template).AZ_ID_MAP);
    expect(azIdMap).toContain('AvailabilityZones.0.ZoneId');
    expect(azIdMap).not.toMatch(/use1-az/);
  });

  test('keeps its logs for a bounded time', () => {
    const template = Template.fromStack(newResponder({ logRetention: logs.RetentionDays.ONE_WEEK }).stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('permissions', () => {
  test('may start, update and cancel shifts only on the managed load balancers', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Sid: 'ReadAlarmDefinitions', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
          {
            Sid: 'ShiftManagedLoadBalancers',
            Effect: 'Allow',
            Action: ['arc-zonal-shift:StartZonalShift', 'arc-zonal-shift:UpdateZonalShift', 'arc-zonal-shift:CancelZonalShift'],
            Resource: LB_ARN,
            Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [LB_ARN] } },
          },
          { Sid: 'ListZonalShifts', Effect: 'Allow', Action: 'arc-zonal-shift:ListZonalShifts', Resource: '*' },
        ]),
      },
    });
  });

  test('no statement grants shift actions on every resource', () => {
    const template = Template.fromStack(newResponder().stack);
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = ([] as string[]).concat(statement.Action);
        if (actions.some((a) => /Start|Update|Cancel/.test(a) && a.startsWith('arc-zonal-shift:'))) {
          expect(statement.Resource).not.toBe('*');
          expect(statement.Condition).toBeDefined();
        }
      }
    }
  });

  test('lists several load balancers in resource and condition', () => {
    const stack = newStack();
    const other = LB_ARN.replace('web/0123456789abcdef', 'api/fedcba9876543210');
    new ZonalShiftResponder(stack, 'Responder', {
      loadBalancers: [importedLoadBalancer(stack), importedLoadBalancer(stack, other)],
      availabilityZones: ZONES,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'ShiftManagedLoadBalancers',
          Resource: [LB_ARN, other],
          Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [LB_ARN, other] } },
        })]),
      },
    });
    expect(handlerEnvironment(template).MANAGED_LOAD_BALANCER_ARNS).toBe(JSON.stringify([LB_ARN, other]));
  });
});

describe('failure handling', () => {
  test('sends failed asynchronous invocations to an encrypted dead-letter queue', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderDeadLetterQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1800 });
  });

  test.each([
    ['Errors', 'AWS/Lambda'],
    ['ApproximateNumberOfMessagesVisible', 'AWS/SQS'],
    ['Decisions', 'CdkAzi/ZonalShift'],
  ])('alarms on %s', (metricName, namespace) => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      Namespace: namespace,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('the refusals alarm watches the refused decision', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Decisions',
      Dimensions: [{ Name: 'Decision', Value: ZonalShiftDecision.REFUSED }],
    });
  });
});

describe('alarm wiring', () => {
  test('one function serves several alarms, as ALARM and OK action, with a permission per alarm', () => {
    const { stack, responder } = newResponder();
    responder.respondTo(compositeAlarm(stack, 'IsolatedA'));
    responder.respondTo(compositeAlarm(stack, 'IsolatedB'));
    const template = Template.fromStack(stack);
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(composites).toHaveLength(2);
    for (const composite of composites) {
      expect(composite.Properties.AlarmActions).toHaveLength(1);
      expect(composite.Properties.AlarmActions[0]['Fn::GetAtt'][0]).toMatch(/^ResponderHandler/);
      expect(composite.Properties.OKActions).toEqual(composite.Properties.AlarmActions);
    }
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'lambda.alarms.cloudwatch.amazonaws.com' },
    }));
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      expect(permission.Properties.SourceAccount).toBe('111111111111');
      expect(permission.Properties.SourceArn['Fn::GetAtt'][1]).toBe('Arn');
    }
  });

  test('without end-on-recovery, the OK transition does not invoke the function', () => {
    const { stack, responder } = newResponder({ endShiftOnRecovery: false });
    responder.respondTo(compositeAlarm(stack, 'IsolatedA'));
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmActions: Match.anyValue(),
      OKActions: Match.absent(),
    });
  });
});

describe('validation', () => {
  test.each<[string, Partial<ZonalShiftResponderProps>, RegExp]>([
    ['no load balancer', { loadBalancers: [] }, /at least one load balancer/],
    ['one zone', { availabilityZones: ['us-east-1a'] }, /at least 2 Availability Zones/],
    ['expiry over 72 hours', { shiftExpiresIn: Duration.hours(73) }, /at most 72 hours; use Duration.hours\(72\)/],
    ['expiry in seconds', { shiftExpiresIn: Duration.seconds(90) }, /whole number of minutes \(at least 1\), got 90 seconds/],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => newResponder(overrides)).toThrow(message);
  });

  test('warns about an expiry under an hour', () => {
    const { stack } = newResponder({ shiftExpiresIn: Duration.minutes(30) });
    Annotations.fromStack(stack).hasWarning('/Stack/Responder', Match.stringLikeRegexp('shiftExpiresIn is 30m'));
  });
});
