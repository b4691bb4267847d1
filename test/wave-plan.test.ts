import { Duration } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { DeploymentStage, OneBoxScope, TrafficClass, WaveLocation, WavePlan, WavePlanProps } from '../lib';

const DETECTION = Duration.minutes(8);

function location(name: string, extra: Partial<WaveLocation> = {}): WaveLocation {
  return { name, region: 'us-east-1', ...extra };
}

/** Random fleets: production locations with geographies, optional stripes and traits, some staging. */
const fleetArb = fc.record({
  production: fc.integer({ min: 1, max: 40 }),
  staging: fc.integer({ min: 0, max: 6 }),
  stripes: fc.integer({ min: 0, max: 4 }),
  geographies: fc.integer({ min: 1, max: 5 }),
  oldest: fc.option(fc.nat(), { nil: undefined }),
  classes: fc.uniqueArray(fc.record({ name: fc.constantFrom('batch', 'operations', 'customer', 'reports'), priority: fc.integer({ min: -5, max: 20 }) }),
    { minLength: 1, maxLength: 3, selector: (c) => c.name }),
  detectionMinutes: fc.integer({ min: 1, max: 180 }),
  growthFactor: fc.constantFrom(1, 1.5, 2, 3),
  firstWaveSize: fc.integer({ min: 1, max: 3 }),
  minWavesPerStripe: fc.integer({ min: 1, max: 4 }),
  oneBox: fc.constantFrom(OneBoxScope.HOST, OneBoxScope.LOCATION, OneBoxScope.NONE),
});

type Fleet = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never;

function buildProps(fleet: Fleet): WavePlanProps {
  const locations: WaveLocation[] = [];
  for (let i = 0; i < fleet.production; i++) {
    locations.push(location(`p${String(i).padStart(3, '0')}`, {
      region: `r-${i % 3}`,
      geography: `g${(i * 7) % fleet.geographies}`,
      stripe: fleet.stripes > 0 ? `s${i % fleet.stripes}` : undefined,
      traits: fleet.oldest !== undefined && fleet.oldest % fleet.production === i ? ['oldest-hardware'] : [],
      availabilityZones: ['a', 'b', 'c'],
    }));
  }
  // Staging fleets of at least two locations per stripe, so the split world can hold.
  const stagingCount = fleet.staging === 0 ? 0 : Math.max(fleet.staging, 2) * Math.max(fleet.stripes, 1);
  for (let i = 0; i < stagingCount; i++) {
    locations.push(location(`t${String(i).padStart(3, '0')}`, {
      stage: DeploymentStage.STAGING,
      geography: `g${i % fleet.geographies}`,
      stripe: fleet.stripes > 0 ? `s${i % fleet.stripes}` : undefined,
    }));
  }
  return {
    locations,
    trafficClasses: fleet.classes,
    alarmDetectionTime: Duration.minutes(fleet.detectionMinutes),
    growthFactor: fleet.growthFactor,
    firstWaveSize: fleet.firstWaveSize,
    minWavesPerStripe: fleet.minWavesPerStripe,
    oneBox: fleet.oneBox,
  };
}

describe('WavePlan rules over random fleets', () => {
  const runs = { numRuns: 150 };

  test('every location is deployed exactly once per traffic class, besides the one-box host', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const props = buildProps(fleet);
      const plan = new WavePlan(props);
      const all = props.locations.map((l) => l.name).sort();
      for (const trafficClass of fleet.classes) {
        const names = plan.waves.flatMap((w) => w.members)
          .filter((m) => m.trafficClass === trafficClass.name && !m.oneBox).map((m) => m.location);
        expect(names.sort()).toEqual(all);
      }
    }), runs);
  });

  test('staging waves all come before production waves', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const stages = new WavePlan(buildProps(fleet)).waves.map((w) => w.stage);
      const firstProduction = stages.indexOf(DeploymentStage.PRODUCTION);
      expect(stages.slice(firstProduction).every((stage) => stage === DeploymentStage.PRODUCTION)).toBe(true);
    }), runs);
  });

  test('production starts with a one-box wave of a single location, unless turned off', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const plan = new WavePlan(buildProps(fleet));
      const production = plan.waves.filter((w) => w.stage === DeploymentStage.PRODUCTION);
      if (fleet.oneBox === OneBoxScope.NONE) {
        expect(production.some((w) => w.oneBox)).toBe(false);
        return;
      }
      expect(production[0].oneBox).toBe(true);
      expect(production[0].members).toHaveLength(1);
      expect(production[0].members[0].oneBox).toBe(fleet.oneBox === OneBoxScope.HOST);
      expect(production.filter((w) => w.oneBox)).toHaveLength(1);
      if (fleet.oldest !== undefined) {
        expect(production[0].members[0].location).toBe(`p${String(fleet.oldest % fleet.production).padStart(3, '0')}`);
      }
    }), runs);
  });

  test('no wave holds two stripes', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      for (const wave of new WavePlan(buildProps(fleet)).waves) {
        const stripes = new Set(wave.members.map((m) => m.stripe));
        expect(stripes.size).toBe(1);
        expect(wave.stripe).toBe([...stripes][0]);
      }
    }), runs);
  });

  test('each stripe spans at least minWavesPerStripe production waves when it has that many locations', () => {
    fc.assert(fc.property(fleetArb.filter((f) => f.stripes > 0), (fleet) => {
      const props = buildProps(fleet);
      const plan = new WavePlan(props);
      for (const trafficClass of fleet.classes) {
        for (let s = 0; s < fleet.stripes; s++) {
          const stripe = `s${s}`;
          const locations = props.locations.filter((l) => l.stripe === stripe && (l.stage ?? DeploymentStage.PRODUCTION) === DeploymentStage.PRODUCTION);
          const waves = plan.waves.filter((w) => w.stage === DeploymentStage.PRODUCTION && !w.oneBox &&
            w.trafficClass === trafficClass.name && w.stripe === stripe);
          const deployed = waves.flatMap((w) => w.members).length;
          if (deployed >= fleet.minWavesPerStripe) {
            expect(waves.length).toBeGreaterThanOrEqual(fleet.minWavesPerStripe);
          }
          expect(deployed).toBeLessThanOrEqual(locations.length);
        }
      }
    }), runs);
  });

  test('later waves grow: within a stripe, a wave is never smaller than the one before, except the last or one held back for diversity', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const plan = new WavePlan(buildProps(fleet));
      for (const trafficClass of fleet.classes) {
        const stripes = new Set(plan.waves.map((w) => w.stripe));
        for (const stripe of stripes) {
          const sequence = plan.waves.filter((w) => w.stage === DeploymentStage.PRODUCTION && !w.oneBox &&
            w.trafficClass === trafficClass.name && w.stripe === stripe);
          sequence.forEach((wave, index) => {
            if (index === 0 || index === sequence.length - 1 || wave.reason.includes('held the rest back')) {
              return;
            }
            expect(wave.members.length).toBeGreaterThanOrEqual(sequence[index - 1].members.length);
          });
        }
      }
    }), runs);
  });

  test('traffic classes deploy in priority order, lowest first, within each stage', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const priority = new Map<string, number>(fleet.classes.map((c) => [c.name, c.priority]));
      for (const stage of [DeploymentStage.STAGING, DeploymentStage.PRODUCTION]) {
        const order = new WavePlan(buildProps(fleet)).waves.filter((w) => w.stage === stage).map((w) => priority.get(w.trafficClass)!);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }), runs);
  });

  test('staging: every fleet is split across exactly two waves', () => {
    fc.assert(fc.property(fleetArb.filter((f) => f.staging > 0), (fleet) => {
      const plan = new WavePlan(buildProps(fleet));
      for (const trafficClass of fleet.classes) {
        const stripes = fleet.stripes > 0 ? Array.from({ length: fleet.stripes }, (_, s) => `s${s}`) : [undefined];
        for (const stripe of stripes) {
          const waves = plan.waves.filter((w) => w.stage === DeploymentStage.STAGING && w.trafficClass === trafficClass.name && w.stripe === stripe);
          expect(waves).toHaveLength(2);
          expect(waves.every((w) => w.members.length >= 1)).toBe(true);
        }
      }
    }), runs);
  });

  test('no wave takes every location of a geography that has two or more', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const props = buildProps(fleet);
      const plan = new WavePlan(props);
      for (const wave of plan.waves) {
        const sameStage = props.locations.filter((l) => (l.stage ?? DeploymentStage.PRODUCTION) === wave.stage);
        const counts = new Map<string, number>();
        wave.members.forEach((m) => counts.set(m.geography, (counts.get(m.geography) ?? 0) + 1));
        for (const [geography, taken] of counts) {
          const total = sameStage.filter((l) => l.geography === geography).length;
          if (total >= 2) {
            expect(taken).toBeLessThan(total);
          }
        }
      }
    }), runs);
  });

  test('every bake is at least the alarms\' detection time, and early production waves bake longest', () => {
    fc.assert(fc.property(fleetArb, (fleet) => {
      const plan = new WavePlan(buildProps(fleet));
      for (const wave of plan.waves) {
        expect(wave.bake.toSeconds()).toBeGreaterThan(fleet.detectionMinutes * 60);
        expect(Number.isInteger(wave.bake.toMinutes())).toBe(true);
      }
      for (const trafficClass of fleet.classes) {
        const bakes = plan.waves.filter((w) => w.stage === DeploymentStage.PRODUCTION && w.trafficClass === trafficClass.name)
          .map((w) => w.bake.toMinutes());
        expect(bakes).toEqual([...bakes].sort((a, b) => b - a));
      }
    }), runs);
  });
});

describe('WavePlan examples', () => {
  test('the first production wave is the location with the oldest hardware, and the rest grow', () => {
    const locations = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => location(name, {
      traits: name === 'e' ? ['oldest-hardware'] : [],
      geography: name < 'd' ? 'west' : 'east',
    }));
    const plan = new WavePlan({ locations, alarmDetectionTime: DETECTION });
    expect(plan.waves[0].members).toEqual([expect.objectContaining({ location: 'e', oneBox: true })]);
    expect(plan.waves.slice(1).map((w) => w.members.length)).toEqual([1, 2, 4]);
    expect(plan.waves[0].reason).toMatch(/oldest-hardware/);
  });

  test('bakes: 24 hours for the first three production waves, 1 hour after', () => {
    const locations = Array.from({ length: 15 }, (_, i) => location(`l${String(i).padStart(2, '0')}`));
    const plan = new WavePlan({ locations, alarmDetectionTime: DETECTION });
    expect(plan.waves.map((w) => w.bake.toHours({ integral: false }))).toEqual([24, 24, 24, 1, 1]);
  });

  test('a bake below the alarms\' detection time is raised to it by default and rejected when set', () => {
    const locations = [location('a'), location('b')];
    const slow = new WavePlan({ locations, alarmDetectionTime: Duration.minutes(90), earlyWaves: 0 });
    expect(slow.waves.map((w) => w.bake.toMinutes())).toEqual([91, 91, 91]);
    expect(slow.minimumBake.toMinutes()).toBe(91);
    expect(() => new WavePlan({ locations, alarmDetectionTime: Duration.minutes(90), bake: Duration.minutes(30) }))
      .toThrow(/bake of 30 minutes is shorter than the alarms need.*is 91 minutes.*at least 91 minutes/);
  });

  test('the Markdown table has a row per wave with members and bake', () => {
    const plan = new WavePlan({
      locations: [location('us-east-1', { availabilityZones: ['us-east-1a', 'us-east-1b'] }), location('eu-west-1', { region: 'eu-west-1' })],
      alarmDetectionTime: DETECTION,
    });
    const lines = plan.toMarkdown().trim().split('\n');
    expect(lines).toHaveLength(2 + plan.waves.length);
    expect(lines[0]).toBe('| wave | stage | class | stripe | members | bake | why |');
    expect(lines[2]).toMatch(/^\| 1\. Production-1 \| production \| service \| - \| one host of eu-west-1 \| 24 h \|/);
    expect(lines.some((line) => line.includes('us-east-1 (us-east-1a → us-east-1b)'))).toBe(true);
  });

  test('regions lists each Region once, in deployment order', () => {
    const plan = new WavePlan({
      locations: [location('x', { region: 'eu-west-1', traits: ['oldest-hardware'] }), location('y', { region: 'us-east-1' }), location('z', { region: 'eu-west-1' })],
      alarmDetectionTime: DETECTION,
    });
    expect(plan.regions).toEqual(['eu-west-1', 'us-east-1']);
  });

  test('traffic classes: batch, then operations, then customer', () => {
    const classes: TrafficClass[] = [{ name: 'customer', priority: 3 }, { name: 'batch', priority: 1 }, { name: 'operations', priority: 2 }];
    const plan = new WavePlan({ locations: [location('a'), location('b')], trafficClasses: classes, alarmDetectionTime: DETECTION, oneBox: OneBoxScope.NONE });
    expect([...new Set(plan.waves.map((w) => w.trafficClass))]).toEqual(['batch', 'operations', 'customer']);
  });
});

describe('WavePlan conflicts name the constraint, the locations and the fix', () => {
  test('split world with one staging location', () => {
    expect(() => new WavePlan({
      locations: [location('stage-1', { stage: DeploymentStage.STAGING }), location('prod-1')],
      alarmDetectionTime: DETECTION,
    })).toThrow(/splitWorld: the service staging fleet has only one location \(stage-1\).*Fix: add a second staging location.*splitWorld to false/);
  });

  test('split world off accepts one staging location', () => {
    const plan = new WavePlan({
      locations: [location('stage-1', { stage: DeploymentStage.STAGING }), location('prod-1')],
      alarmDetectionTime: DETECTION, splitWorld: false,
    });
    expect(plan.waves[0]).toEqual(expect.objectContaining({ stage: DeploymentStage.STAGING, members: [expect.objectContaining({ location: 'stage-1' })] }));
  });

  test('a one-box trait that no location has', () => {
    expect(() => new WavePlan({ locations: [location('a'), location('b')], alarmDetectionTime: DETECTION, oneBoxTrait: 'newest-kernel' }))
      .toThrow(/oneBoxTrait: no production location has the trait 'newest-kernel' \(production locations: a, b\)\. Fix:/);
  });

  test('more waves than maxWaves', () => {
    const locations = Array.from({ length: 8 }, (_, i) => location(`l${i}`, { stripe: `s${i % 4}` }));
    expect(() => new WavePlan({ locations, alarmDetectionTime: DETECTION, maxWaves: 4 }))
      .toThrow(/maxWaves: the plan needs 9 waves but maxWaves is 4\. Waves by fleet: .*stripe s0: 3.*Fix: raise maxWaves/);
  });

  test('stripes on some locations only', () => {
    expect(() => new WavePlan({ locations: [location('a', { stripe: 'blue' }), location('b')], alarmDetectionTime: DETECTION }))
      .toThrow(/1 of 2 production locations have a stripe, but b has none/);
  });

  test.each([
    [{ locations: [] }, /locations is empty/],
    [{ locations: [location('a'), location('a')] }, /lists 'a' more than once/],
    [{ trafficClasses: [] }, /trafficClasses is empty/],
    [{ growthFactor: 0.5 }, /growthFactor must be a number of at least 1, got 0.5/],
    [{ minWavesPerStripe: 0 }, /minWavesPerStripe must be a whole number of at least 1, got 0/],
  ])('bad input %#', (override, message) => {
    expect(() => new WavePlan({ locations: [location('a')], alarmDetectionTime: DETECTION, ...override } as WavePlanProps)).toThrow(message);
  });
});
