import { App, Duration, Stack, aws_cloudwatch as cloudwatch, aws_elasticloadbalancingv2 as elbv2, aws_iam as iam, aws_logs as logs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ZonalShiftAlarmOptions, ZonalShiftDecision, ZonalShiftResponder, ZonalShiftResponderProps } from '../lib';

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
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Description: Match.stringLikeRegexp('^cdk-azi') } });
  expect(Object.keys(fns)).toHaveLength(1);
  return Object.values(fns)[0].Properties.Environment.Variables;
}

/** The function's configuration with every token replaced by `<token>`. */
function handlerConfig(stack: Stack): Record<string, any> {
  const value = stack.resolve(handlerEnvironment(Template.fromStack(stack)).ZONAL_SHIFT_CONFIG);
  const text = typeof value === 'string'
    ? value
    : (value['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  return JSON.parse(text);
}

/** A named metric alarm (names known at synthesis, as the function's allow-list needs). */
function metricAlarm(stack: Stack, name: string, alarmName?: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, name, {
    alarmName,
    metric: new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensionsMap: { LoadBalancer: 'app/web/0123456789abcdef', AvailabilityZone: 'us-east-1a' } }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

/** One zone's alarms as AzIndependentService has them: availability, impaired, isolated, probe. */
function zoneAlarms(stack: Stack, zone: string, others: cloudwatch.IAlarm[] = []) {
  const availability = metricAlarm(stack, `${zone}-availability`, `${zone}-availability`);
  const probe = metricAlarm(stack, `${zone}-probe`, `${zone}-probe`);
  const impaired = new cloudwatch.CompositeAlarm(stack, `${zone}-impaired`, { alarmRule: cloudwatch.AlarmRule.fromAlarm(availability, cloudwatch.AlarmState.ALARM) });
  const isolated = new cloudwatch.CompositeAlarm(stack, `${zone}-isolated`, { alarmRule: cloudwatch.AlarmRule.fromAlarm(impaired, cloudwatch.AlarmState.ALARM) });
  const options = (otherImpaired: cloudwatch.IAlarm[] = others): ZonalShiftAlarmOptions => ({
    availabilityZone: zone,
    impairedAlarm: impaired,
    otherImpairedAlarms: otherImpaired,
    dimensionAlarms: [availability],
    recoveryAlarms: [probe],
  });
  return { availability, probe, impaired, isolated, options };
}

/** A responder with every zone wired as the integrating service wires it. */
function wiredResponder(overrides: Partial<ZonalShiftResponderProps> = {}, withRecovery = true) {
  const { stack, responder } = newResponder(overrides);
  const zones = ZONES.map((zone) => zoneAlarms(stack, zone));
  zones.forEach((zone, i) => {
    const others = zones.filter((_, j) => j !== i).map((other) => other.impaired);
    const options = zone.options(others);
    responder.respondTo(zone.isolated, withRecovery ? options : { ...options, recoveryAlarms: undefined });
  });
  return { stack, responder, zones };
}

describe('function', () => {
  test('runs on Node.js 24 from the bundled handler, with a timeout its worst-case decision fits', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 90 });
  });

  test('gets its whole configuration through one environment variable, with documented defaults', () => {
    const { stack } = newResponder();
    expect(Object.keys(handlerEnvironment(Template.fromStack(stack)))).toEqual(['ZONAL_SHIFT_CONFIG']);
    expect(handlerConfig(stack)).toMatchObject({
      owner: expect.stringMatching(/^[0-9a-f]{10}$/),
      expiresIn: '6h',
      endOnRecovery: true,
      recoverySeconds: 300,
      dryRun: false,
      namespace: 'CdkAzi/ZonalShift',
      timeoutSeconds: 90,
      loadBalancers: [LB_ARN],
      names: [],
      alarms: [],
    });
  });

  test.each([
    [Duration.minutes(90), '90m'],
    [Duration.hours(2), '2h'],
    [Duration.hours(72), '72h'],
  ])('renders expiry %s as %s', (shiftExpiresIn, text) => {
    expect(handlerConfig(newResponder({ shiftExpiresIn }).stack).expiresIn).toBe(text);
  });

  test('passes dry-run, end-on-recovery and recovery-window settings', () => {
    const config = handlerConfig(newResponder({ dryRun: true, endShiftOnRecovery: false, recoveryWindow: Duration.minutes(7) }).stack);
    expect(config).toMatchObject({ dryRun: true, endOnRecovery: false, recoverySeconds: 420 });
  });

  test('the owner id differs between two responders and is stable across syntheses', () => {
    const first = handlerConfig(newResponder().stack).owner;
    expect(handlerConfig(newResponder().stack).owner).toBe(first);
    const stack = newStack();
    const a = new ZonalShiftResponder(stack, 'A', { loadBalancers: [importedLoadBalancer(stack)], availabilityZones: ZONES });
    const b = new ZonalShiftResponder(stack, 'B', { loadBalancers: [importedLoadBalancer(stack, LB_ARN.replace('web/0123456789abcdef', 'api/fedcba9876543210'))], availabilityZones: ZONES });
    expect(a.ownerId).not.toBe(b.ownerId);
  });

  test('resolves every zone name to its ID at deploy time, never in the template', () => {
    const template = Template.fromStack(newResponder().stack);
    const lookups = template.findResources('Custom::AWS');
    expect(Object.keys(lookups)).toHaveLength(3);
    const creates = Object.values(lookups).map((r) => JSON.stringify(r.Properties.Create));
    for (const zone of ZONES) {
      expect(creates.filter((c) => c.includes('describeAvailabilityZones') && c.includes(`\\"ZoneNames\\":[\\"${zone}\\"]`))).toHaveLength(1);
    }
    const config = JSON.stringify(handlerEnvironment(template).ZONAL_SHIFT_CONFIG);
    expect(config.match(/AvailabilityZones\.0\.ZoneId/g)).toHaveLength(3);
    expect(config).not.toMatch(/use1-az/);
  });

  test('keeps its logs for a bounded time', () => {
    const template = Template.fromStack(newResponder({ logRetention: logs.RetentionDays.ONE_WEEK }).stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('permissions', () => {
  test('may read, start, update and cancel shifts only on the managed load balancers', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Sid: 'ReadAlarmDefinitions', Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' },
          {
            Sid: 'ReadManagedLoadBalancers',
            Effect: 'Allow',
            Action: 'arc-zonal-shift:GetManagedResource',
            Resource: LB_ARN,
            Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [LB_ARN] } },
          },
          {
            Sid: 'ShiftManagedLoadBalancers',
            Effect: 'Allow',
            Action: ['arc-zonal-shift:StartZonalShift', 'arc-zonal-shift:UpdateZonalShift', 'arc-zonal-shift:CancelZonalShift'],
            Resource: LB_ARN,
            Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [LB_ARN] } },
          },
        ]),
      },
    });
  });

  /** Every (action, resource) pair any policy of the stack allows. */
  function grants(stack: Stack): Array<{ action: string; resource: unknown; condition: unknown }> {
    const out: Array<{ action: string; resource: unknown; condition: unknown }> = [];
    for (const policy of Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (statement.Effect !== 'Allow') {
          continue;
        }
        for (const action of ([] as string[]).concat(statement.Action)) {
          for (const resource of ([] as unknown[]).concat(statement.Resource)) {
            out.push({ action, resource, condition: statement.Condition });
          }
        }
      }
    }
    return out;
  }

  /** Whether an IAM action pattern (with `*`) covers a zonal-shift action other than List*. */
  function coversNonListShiftAction(action: string): boolean {
    const pattern = new RegExp(`^${action.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return ['StartZonalShift', 'UpdateZonalShift', 'CancelZonalShift', 'GetManagedResource', 'UpdateZonalAutoshiftConfiguration']
      .some((name) => pattern.test(`arc-zonal-shift:${name}`.toLowerCase()));
  }

  test('no statement grants any zonal-shift action other than List* on every resource', () => {
    const { stack } = wiredResponder();
    const wide = grants(stack).filter((grant) => grant.resource === '*' && coversNonListShiftAction(grant.action));
    expect(wide).toEqual([]);
    expect(grants(stack).some((grant) => grant.action === 'arc-zonal-shift:ListZonalShifts')).toBe(false);
  });

  test('the check above fails for arc-zonal-shift:* on every resource', () => {
    const { stack, responder } = newResponder();
    responder.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['arc-zonal-shift:*'], resources: ['*'] }));
    expect(grants(stack).filter((grant) => grant.resource === '*' && coversNonListShiftAction(grant.action))).toHaveLength(1);
  });

  test('lists several load balancers in resource and condition', () => {
    const stack = newStack();
    const other = LB_ARN.replace('web/0123456789abcdef', 'api/fedcba9876543210');
    new ZonalShiftResponder(stack, 'Responder', {
      loadBalancers: [importedLoadBalancer(stack), importedLoadBalancer(stack, other)],
      availabilityZones: ZONES,
    });
    const template = Template.fromStack(stack);
    for (const sid of ['ReadManagedLoadBalancers', 'ShiftManagedLoadBalancers']) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: sid,
            Resource: [LB_ARN, other],
            Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': [LB_ARN, other] } },
          })]),
        },
      });
    }
    expect(handlerConfig(stack).loadBalancers).toEqual([LB_ARN, other]);
  });
});

describe('reconcile schedule', () => {
  test('invokes the function every minute with the fixed reconcile input, without target retries', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ResponderHandler'), 'Arn'] },
        Input: JSON.stringify({ source: 'cdk-azi.zonal-shift', action: 'reconcile' }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' });
  });

  test('takes another interval', () => {
    const template = Template.fromStack(newResponder({ reconcileInterval: Duration.minutes(5) }).stack);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  test.each([Duration.seconds(30), Duration.seconds(90)])('refuses a reconcile interval of %s', (reconcileInterval) => {
    expect(() => newResponder({ reconcileInterval })).toThrow(/reconcileInterval must be whole minutes/);
  });

  test.each([Duration.seconds(0), Duration.seconds(59)])('refuses a recovery window of %s: a flapping probe could end a shift', (recoveryWindow) => {
    expect(() => newResponder({ recoveryWindow })).toThrow(/recoveryWindow is \d+ s; a window under a minute/);
  });

  test('accepts a recovery window of one minute', () => {
    expect(() => newResponder({ recoveryWindow: Duration.minutes(1) })).not.toThrow();
  });
});

describe('failure handling', () => {
  test('sends failed asynchronous invocations to an encrypted dead-letter queue', () => {
    const template = Template.fromStack(newResponder().stack);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
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
    const { stack } = wiredResponder();
    const template = Template.fromStack(stack);
    const isolated = Object.entries(template.findResources('AWS::CloudWatch::CompositeAlarm'))
      .filter(([id]) => id.includes('isolated')).map(([, resource]) => resource);
    expect(isolated).toHaveLength(3);
    for (const composite of isolated) {
      expect(composite.Properties.AlarmActions).toHaveLength(1);
      expect(composite.Properties.AlarmActions[0]['Fn::GetAtt'][0]).toMatch(/^ResponderHandler/);
      expect(composite.Properties.OKActions).toEqual(composite.Properties.AlarmActions);
    }
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'lambda.alarms.cloudwatch.amazonaws.com' },
    }));
    expect(permissions).toHaveLength(3);
    for (const permission of permissions) {
      expect(permission.Properties.SourceAccount).toBe('111111111111');
    }
  });

  test('the configuration lists each wired alarm with its zone, load balancer and the alarms it reads', () => {
    const { stack, zones } = wiredResponder();
    const config = handlerConfig(stack);
    const name = (alarm: cloudwatch.IAlarm) => stack.resolve((alarm.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmName);
    const names = config.names as string[];
    expect(config.alarms).toHaveLength(3);
    const [first] = config.alarms;
    expect(first).toEqual({ alarm: expect.any(Number), lb: 0, az: 'us-east-1a', impaired: [expect.any(Number)], others: [expect.any(Number), expect.any(Number)], dims: [expect.any(Number)], recovery: [expect.any(Number)] });
    expect(names[first.alarm]).toBe(name(zones[0].isolated));
    expect(names[first.impaired[0]]).toBe(name(zones[0].impaired));
    expect(first.others.map((i: number) => names[i])).toEqual([name(zones[1].impaired), name(zones[2].impaired)]);
    expect(names[first.dims[0]]).toBe('us-east-1a-availability');
    expect(names[first.recovery[0]]).toBe('us-east-1a-probe');
    // Every name once: each zone's impaired alarm is shared by three entries.
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(3 * 4);
  });

  test('the wired alarms keep a dependency-free template (the configuration does not Ref them)', () => {
    const { stack } = wiredResponder();
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('an alarm whose name is only known after deployment cannot be wired (it would make a cycle)', () => {
    const { stack, responder } = newResponder();
    const zone = zoneAlarms(stack, 'us-east-1a', [metricAlarm(stack, 'OtherImpaired', 'other')]);
    expect(() => responder.respondTo(metricAlarm(stack, 'Unnamed'), zone.options())).toThrow(/Give the alarm an alarmName/);
  });

  test('without end-on-recovery, the OK transition does not invoke the function', () => {
    const { stack } = wiredResponder({ endShiftOnRecovery: false });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmRule: Match.anyValue(),
      AlarmActions: Match.anyValue(),
      OKActions: Match.absent(),
    });
  });

  test('warns when an alarm is wired without recovery alarms while end-on-recovery is on', () => {
    const { stack } = wiredResponder({}, false);
    Annotations.fromStack(stack).hasWarning('/Stack/Responder', Match.stringLikeRegexp('has no recoveryAlarms: the function never ends'));
  });

  test('does not warn about recovery alarms when they are given, or when end-on-recovery is off', () => {
    for (const { stack } of [wiredResponder(), wiredResponder({ endShiftOnRecovery: false }, false)]) {
      Annotations.fromStack(stack).hasNoWarning('/Stack/Responder', Match.stringLikeRegexp('recoveryAlarms'));
    }
  });

  test('respondTo without options still compiles, warns, and leaves the alarm out of the allow-list', () => {
    const { stack, responder } = newResponder();
    responder.respondTo(compositeAlarm(stack, 'IsolatedA'));
    Annotations.fromStack(stack).hasWarning('/Stack/Responder', Match.stringLikeRegexp('was given no options'));
    expect(handlerConfig(stack).alarms).toEqual([]);
  });

  test.each<[string, (z: ReturnType<typeof zoneAlarms>) => Partial<ZonalShiftAlarmOptions>, RegExp]>([
    ['a zone the responder does not manage', () => ({ availabilityZone: 'us-east-1d' }), /availabilityZone 'us-east-1d' is not one of/],
    ['no dimension alarms', () => ({ dimensionAlarms: [] }), /dimensionAlarms is empty/],
    ['no other zones', () => ({ otherImpairedAlarms: [] }), /otherImpairedAlarms is empty/],
  ])('refuses %s', (_name, change, message) => {
    const { stack, responder } = newResponder();
    const zone = zoneAlarms(stack, 'us-east-1a', [metricAlarm(stack, 'OtherImpaired', 'other')]);
    expect(() => responder.respondTo(zone.isolated, { ...zone.options(), ...change(zone) })).toThrow(message);
  });

  test('refuses a load balancer the responder does not manage, and an alarm wired twice', () => {
    const { stack, responder } = newResponder();
    const zone = zoneAlarms(stack, 'us-east-1a', [metricAlarm(stack, 'OtherImpaired', 'other')]);
    const foreign = importedLoadBalancer(stack, LB_ARN.replace('web/0123456789abcdef', 'foreign/fedcba9876543210'));
    expect(() => responder.respondTo(zone.isolated, { ...zone.options(), loadBalancer: foreign })).toThrow(/is not one of the responder's loadBalancers/);
    responder.respondTo(zone.isolated, zone.options());
    expect(() => responder.respondTo(zone.isolated, zone.options())).toThrow(/already wired/);
  });

  test('with several load balancers, each alarm names its load balancer', () => {
    const stack = newStack();
    const other = importedLoadBalancer(stack, LB_ARN.replace('web/0123456789abcdef', 'api/fedcba9876543210'));
    const responder = new ZonalShiftResponder(stack, 'Responder', { loadBalancers: [importedLoadBalancer(stack), other], availabilityZones: ZONES });
    const zone = zoneAlarms(stack, 'us-east-1a', [metricAlarm(stack, 'OtherImpaired', 'other')]);
    expect(() => responder.respondTo(zone.isolated, zone.options())).toThrow(/say which one/);
    responder.respondTo(zone.isolated, { ...zone.options(), loadBalancer: other });
    expect(handlerConfig(stack).alarms[0].lb).toBe(1);
  });
});

describe('configuration size', () => {
  test('a configuration over 4 KB fails synthesis with the size and the fix', () => {
    const { stack, responder } = newResponder();
    const long = (id: string) => metricAlarm(stack, id, `${id}-${'x'.repeat(200)}`);
    const others = [long('OtherB'), long('OtherC')];
    for (const zone of ZONES) {
      const isolated = new cloudwatch.CompositeAlarm(stack, `${zone}-iso`, { compositeAlarmName: `${zone}-iso-${'y'.repeat(200)}`, alarmRule: cloudwatch.AlarmRule.fromBoolean(false) });
      responder.respondTo(isolated, {
        availabilityZone: zone,
        impairedAlarm: long(`${zone}-impaired`),
        otherImpairedAlarms: others,
        dimensionAlarms: [long(`${zone}-dim1`), long(`${zone}-dim2`)],
        recoveryAlarms: [long(`${zone}-probe1`), long(`${zone}-probe2`)],
      });
    }
    expect(() => Template.fromStack(stack)).toThrow(/about \d+ bytes of environment, over Lambda's 4096-byte limit\. Give the alarms shorter names/);
  });

  test('generated names are estimated from the stack name and logical ID: a long stack name does not fit', () => {
    const stack = new Stack(new App(), 'S'.repeat(128), { env: { account: '111111111111', region: 'us-east-1' } });
    const zones = ['a', 'b', 'c', 'd', 'e', 'f'].map((letter) => `us-east-1${letter}`);
    const responder = new ZonalShiftResponder(stack, 'Responder', { loadBalancers: [importedLoadBalancer(stack)], availabilityZones: zones });
    const impaired = zones.map((zone) => new cloudwatch.CompositeAlarm(stack, `${zone}-imp`, { alarmRule: cloudwatch.AlarmRule.fromBoolean(false) }));
    zones.forEach((zone, i) => {
      const isolated = new cloudwatch.CompositeAlarm(stack, `${zone}-iso`, { alarmRule: cloudwatch.AlarmRule.fromBoolean(false) });
      responder.respondTo(isolated, {
        availabilityZone: zone,
        impairedAlarm: impaired[i],
        otherImpairedAlarms: impaired.filter((_, j) => j !== i),
        dimensionAlarms: [metricAlarm(stack, `${zone}-d1`), metricAlarm(stack, `${zone}-d2`)],
        recoveryAlarms: [metricAlarm(stack, `${zone}-p1`), metricAlarm(stack, `${zone}-p2`), metricAlarm(stack, `${zone}-p3`)],
      });
    });
    expect(() => Template.fromStack(stack)).toThrow(/over Lambda's 4096-byte limit/);
  });

  test.each([3, 6])('%i zones with generated metric alarm names, two dimension and two probe alarms each, fit', (count) => {
    const zones = ['a', 'b', 'c', 'd', 'e', 'f'].slice(0, count).map((letter) => `us-east-1${letter}`);
    const { stack, responder } = newResponder({ availabilityZones: zones });
    const unnamed = zones.map((zone) => {
      const availability = metricAlarm(stack, `${zone}-a`);
      const impaired = new cloudwatch.CompositeAlarm(stack, `${zone}-imp`, { alarmRule: cloudwatch.AlarmRule.fromAlarm(availability, cloudwatch.AlarmState.ALARM) });
      return { zone, availability, impaired, latency: metricAlarm(stack, `${zone}-l`), probe: metricAlarm(stack, `${zone}-p`), probeLatency: metricAlarm(stack, `${zone}-pl`) };
    });
    for (const z of unnamed) {
      const isolated = new cloudwatch.CompositeAlarm(stack, `${z.zone}-iso`, { alarmRule: cloudwatch.AlarmRule.fromAlarm(z.impaired, cloudwatch.AlarmState.ALARM) });
      responder.respondTo(isolated, {
        availabilityZone: z.zone,
        impairedAlarm: z.impaired,
        otherImpairedAlarms: unnamed.filter((o) => o !== z).map((o) => o.impaired),
        dimensionAlarms: [z.availability, z.latency],
        recoveryAlarms: [z.probe, z.probeLatency],
      });
    }
    expect(() => Template.fromStack(stack)).not.toThrow();
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

describe('review: wiring mistakes that silently disable the function', () => {
  // A copy of the README loop without the filter passes every zone's impaired alarm as
  // otherImpairedAlarms. The zone then reads as "another zone is impaired" whenever it is
  // impaired itself: every event is refused, and nobody learns it until the first incident.
  test("the zone's own impaired alarm among otherImpairedAlarms fails synthesis", () => {
    const { stack, responder } = newResponder();
    const zones = ZONES.map((zone) => zoneAlarms(stack, zone));
    const everyImpaired = zones.map((zone) => zone.impaired);
    expect(() => responder.respondTo(zones[0].isolated, zones[0].options(everyImpaired))).toThrow(/otherImpairedAlarms includes the zone's own impairedAlarm/);
  });
});

describe('drill', () => {
  test('an output named for `cdk-azi drill` carries the function ARN', () => {
    const { stack } = newResponder();
    const outputs = Template.fromStack(stack).findOutputs('*', { Description: Match.stringLikeRegexp('^cdk-azi:zonal-shift-function of Stack/Responder;') });
    expect(Object.values(outputs)).toHaveLength(1);
    expect(JSON.stringify(Object.values(outputs)[0].Value)).toMatch(/"Fn::GetAtt":\["ResponderHandler[0-9A-F]+","Arn"\]/);
  });

  /** The function's resource-policy statements whose principal is not a service. */
  function roleInvokers(stack: Stack): unknown[] {
    return Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Permission'))
      .map((permission) => permission.Properties)
      .filter((properties) => typeof properties.Principal !== 'string' || !properties.Principal.endsWith('.amazonaws.com'));
  }

  test('without drill roles the configuration names none (every drill is refused) and no role may invoke', () => {
    const { stack } = wiredResponder();
    expect(handlerConfig(stack).drill).toBeUndefined();
    expect(roleInvokers(stack)).toEqual([]);
  });

  test('a drill role is in the configuration, and the function\'s resource policy lets it invoke the unqualified function', () => {
    const { stack, responder } = wiredResponder();
    const role = new iam.Role(stack, 'Driller', { assumedBy: new iam.AccountRootPrincipal() });
    responder.allowDrill(role);
    responder.allowDrill(role);
    expect(handlerConfig(stack).drill).toEqual(['<token>']);
    const resolved = JSON.stringify(stack.resolve(handlerEnvironment(Template.fromStack(stack)).ZONAL_SHIFT_CONFIG));
    expect(resolved).toMatch(/"drill\\":\[\\""\s*,\s*\{"Fn::GetAtt":\["Driller[0-9A-F]+","Arn"\]\}/);
    expect(roleInvokers(stack)).toEqual([{
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^ResponderHandler/), 'Arn'] },
      Principal: { 'Fn::GetAtt': [expect.stringMatching(/^Driller/), 'Arn'] },
    }]);
    // Nothing is added to the role's own policies.
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Driller') }] } })).toEqual({});
  });

  test('an imported role, even immutable, is named by its ARN and allowed by the resource policy', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Ops', 'arn:aws:iam::111111111111:role/team/OpsDrill', { mutable: false });
    const responder = new ZonalShiftResponder(stack, 'Responder', { loadBalancers: [importedLoadBalancer(stack)], availabilityZones: ZONES, drillRoles: [role] });
    const zones = ZONES.map((zone) => zoneAlarms(stack, zone));
    zones.forEach((zone, i) => responder.respondTo(zone.isolated, zone.options(zones.filter((_, j) => j !== i).map((other) => other.impaired))));
    expect(handlerConfig(stack).drill).toEqual(['arn:aws:iam::111111111111:role/team/OpsDrill']);
    expect(roleInvokers(stack)).toEqual([expect.objectContaining({ Principal: 'arn:aws:iam::111111111111:role/team/OpsDrill' })]);
  });

  test('a drill role kept in another stack synthesizes (no reference cycle)', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'us-east-1' };
    const roles = new Stack(app, 'Roles', { env });
    const role = new iam.Role(roles, 'Drill', { assumedBy: new iam.AccountRootPrincipal() });
    const stack = new Stack(app, 'Service', { env });
    const responder = new ZonalShiftResponder(stack, 'Responder', { loadBalancers: [importedLoadBalancer(stack)], availabilityZones: ZONES, drillRoles: [role] });
    const zones = ZONES.map((zone) => zoneAlarms(stack, zone));
    zones.forEach((zone, i) => responder.respondTo(zone.isolated, zone.options(zones.filter((_, j) => j !== i).map((other) => other.impaired))));
    expect(() => app.synth()).not.toThrow();
    expect(roleInvokers(stack)).toHaveLength(1);
  });

  test.each([
    ['an IAM user', 'arn:aws:iam::111111111111:user/alice'],
    ['an assumed-role session', 'arn:aws:sts::111111111111:assumed-role/Drill/alice'],
  ])('%s is refused at synthesis, naming the value', (_name, arn) => {
    const { stack, responder } = newResponder();
    expect(() => responder.allowDrill(iam.Role.fromRoleArn(stack, 'Bad', arn))).toThrow(`allowDrill: ${arn} is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)`);
  });

  test('drill roles count toward the 4 KB configuration', () => {
    const { stack, responder } = wiredResponder();
    for (let i = 0; i < 40; i++) {
      responder.allowDrill(new iam.Role(stack, `Driller${i}`, { assumedBy: new iam.AccountRootPrincipal() }));
    }
    expect(() => Template.fromStack(stack)).toThrow(/over Lambda's 4096-byte limit/);
  });
});
