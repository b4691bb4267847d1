import { Duration, Token } from 'aws-cdk-lib';

/**
 * The stage a location belongs to. Staging waves always come before production waves.
 */
export enum DeploymentStage {
  /** Pre-production: small, split into two waves per fleet so old and new versions meet. */
  STAGING = 'staging',
  /** Production: starts with a one-box wave, then growing, diverse waves. */
  PRODUCTION = 'production',
}

/**
 * What the first production wave deploys to.
 */
export enum OneBoxScope {
  /**
   * One host of the chosen location (its one-box group). The location's full fleet follows in a
   * later wave.
   */
  HOST = 'host',
  /** The whole chosen location, which then appears in no other wave. */
  LOCATION = 'location',
  /** No one-box wave: production starts with the growing waves. */
  NONE = 'none',
}

/**
 * A fault container the service runs in: a Region, or a cell or edge location inside one.
 */
export interface WaveLocation {
  /** A unique name, for example `us-east-1` or `fra-edge-2`. */
  readonly name: string;

  /** The AWS Region the location is in. */
  readonly region: string;

  /**
   * The Availability Zones of the location, deployed one at a time inside the wave.
   *
   * @default - not listed in the plan
   */
  readonly availabilityZones?: string[];

  /**
   * The stage the location serves.
   *
   * @default DeploymentStage.PRODUCTION
   */
  readonly stage?: DeploymentStage;

  /**
   * The geography whose clients the location serves nearby (for example `europe`). No wave
   * takes every location of a geography that has two or more.
   *
   * @default - the location is its own geography
   */
  readonly geography?: string;

  /**
   * The stripe the location serves: a slice of the fleet such that each customer is served by
   * several stripes. Give a stripe to every location of a stage or to none.
   *
   * @default - no stripe
   */
  readonly stripe?: string;

  /**
   * Traits used to choose locations, for example `oldest-hardware`.
   *
   * @default - no traits
   */
  readonly traits?: string[];
}

/**
 * A fleet that serves one kind of traffic at every location, with a priority.
 */
export interface TrafficClass {
  /** The name, for example `batch`, `operations` or `customer`. */
  readonly name: string;

  /**
   * How critical the traffic is: classes with a lower priority deploy first, so a bad change
   * meets the traffic that can best tolerate it.
   */
  readonly priority: number;
}

/**
 * Properties of a {@link WavePlan}.
 */
export interface WavePlanProps {
  /** The locations to deploy to, in any order. At least one. */
  readonly locations: WaveLocation[];

  /**
   * The worst-case time from a bad change reaching a wave until its alarms fire, including the
   * delay with which metrics arrive (for example the detection's time to alarm plus two minutes).
   * No bake is shorter than this, rounded up to whole minutes, plus one minute.
   */
  readonly alarmDetectionTime: Duration;

  /**
   * The traffic classes, each a fleet at every location.
   *
   * @default - one class, `service`
   */
  readonly trafficClasses?: TrafficClass[];

  /**
   * What the first production wave deploys to.
   *
   * @default OneBoxScope.HOST
   */
  readonly oneBox?: OneBoxScope;

  /**
   * The trait that picks the one-box location. Among several locations with the trait, the first
   * by name wins. When no production location has it and the trait was left at its default, the
   * first location by name is picked and the reason says so; a trait you set must be found.
   *
   * @default 'oldest-hardware'
   */
  readonly oneBoxTrait?: string;

  /**
   * Split every staging fleet across two waves, so the old and the new version run side by side
   * (the "split world" that catches incompatibilities between versions).
   *
   * @default true
   */
  readonly splitWorld?: boolean;

  /**
   * Keep every wave from taking all locations of a geography that has two or more, so every
   * client keeps a nearby location outside the wave.
   *
   * @default true
   */
  readonly geographicDiversity?: boolean;

  /**
   * Put at most one stripe in a wave, so one failed wave touches at most one of a customer's
   * stripes.
   *
   * @default true
   */
  readonly oneStripePerWave?: boolean;

  /**
   * The fewest production waves each stripe is spread over, for stripes with at least that many
   * locations. Only with `oneStripePerWave`.
   *
   * @default 2
   */
  readonly minWavesPerStripe?: number;

  /**
   * Locations in the first growing production wave of each stripe (or of the fleet, without
   * stripes).
   *
   * @default 1
   */
  readonly firstWaveSize?: number;

  /**
   * How much each production wave of a stripe grows over the previous one.
   *
   * @default 2
   */
  readonly growthFactor?: number;

  /**
   * The most waves the plan may have.
   *
   * @default - no limit
   */
  readonly maxWaves?: number;

  /**
   * Bake time after each of the first `earlyWaves` production waves of each traffic class.
   *
   * @default Duration.hours(24)
   */
  readonly earlyBake?: Duration;

  /**
   * How many production waves of each traffic class, counting the one-box wave, bake for
   * `earlyBake`.
   *
   * @default 3
   */
  readonly earlyWaves?: number;

  /**
   * Bake time after the later production waves.
   *
   * @default Duration.hours(1)
   */
  readonly bake?: Duration;

  /**
   * Bake time after each staging wave.
   *
   * @default Duration.hours(1)
   */
  readonly stagingBake?: Duration;
}

/**
 * One deployment target of a wave: a traffic class's fleet at one location.
 */
export interface WaveMember {
  /** The location's name. */
  readonly location: string;
  /** The location's Region. */
  readonly region: string;
  /** The traffic class deployed. */
  readonly trafficClass: string;
  /** Whether only the location's one-box host is deployed. */
  readonly oneBox: boolean;
  /** The location's Availability Zones, deployed one at a time; empty when not given. */
  readonly availabilityZones: string[];
  /** The location's geography. */
  readonly geography: string;
  /** The location's stripe, if it has one. */
  readonly stripe?: string;
}

/**
 * One wave of a {@link WavePlan}: deployed in parallel, then baked.
 */
export interface Wave {
  /** Position in the plan, from 1. */
  readonly index: number;
  /** A name usable as a pipeline stage name, for example `Production-3`. */
  readonly name: string;
  /** The stage of every member. */
  readonly stage: DeploymentStage;
  /** The traffic class of every member. */
  readonly trafficClass: string;
  /** Whether this is the one-box wave. */
  readonly oneBox: boolean;
  /** The stripe of every member, if the locations have stripes and one stripe per wave holds. */
  readonly stripe?: string;
  /** The deployment targets, deployed in parallel. */
  readonly members: WaveMember[];
  /** How long to watch the wave's alarms before the next wave starts. Whole minutes. */
  readonly bake: Duration;
  /** Why the wave is where it is and what it holds. */
  readonly reason: string;
}

const DEFAULT_TRAIT = 'oldest-hardware';
const DEFAULT_CLASS = 'service';

interface Loc {
  readonly name: string;
  readonly region: string;
  readonly availabilityZones: string[];
  readonly stage: DeploymentStage;
  readonly geography: string;
  readonly stripe?: string;
  readonly traits: string[];
}

/**
 * A deployment plan: the waves that carry one change through every location, with the reason
 * for each and a bake time after each. Pure: no AWS calls, no constructs.
 *
 * Rules (each switchable through the props where that makes sense): staging before production;
 * every staging fleet split across two waves; production starts with a one-box wave picked by a
 * trait; later waves grow; no wave takes every location of a geography; at most one stripe per
 * wave, and each stripe spread over several waves; lower-priority traffic classes first; bake
 * longest early and never shorter than the alarms need to fire. Constraints that cannot all
 * hold throw an error that names the constraint, the locations and the fix.
 */
export class WavePlan {
  /** The waves, in deployment order. */
  public readonly waves: Wave[];

  /** The shortest bake any wave may have: the alarm detection time, whole minutes, plus one. */
  public readonly minimumBake: Duration;

  /** The alarms' detection time the bakes were checked against. */
  public readonly alarmDetectionTime: Duration;

  constructor(props: WavePlanProps) {
    const locations = normalizeLocations(props.locations);
    const classes = normalizeClasses(props.trafficClasses);
    const minimumMinutes = minimumBakeMinutes(props.alarmDetectionTime);
    this.minimumBake = Duration.minutes(minimumMinutes);
    this.alarmDetectionTime = props.alarmDetectionTime;

    const earlyWaves = wholeNumber('earlyWaves', props.earlyWaves ?? 3, 0);
    const minWavesPerStripe = wholeNumber('minWavesPerStripe', props.minWavesPerStripe ?? 2, 1);
    const firstWaveSize = wholeNumber('firstWaveSize', props.firstWaveSize ?? 1, 1);
    const growthFactor = props.growthFactor ?? 2;
    if (!Number.isFinite(growthFactor) || growthFactor < 1) {
      throw new Error(`growthFactor must be a number of at least 1, got ${growthFactor}; use 1 for waves of equal size or 2 to double each wave.`);
    }
    const bakes = {
      early: bakeMinutes('earlyBake', props.earlyBake, 24 * 60, minimumMinutes, props.alarmDetectionTime),
      later: bakeMinutes('bake', props.bake, 60, minimumMinutes, props.alarmDetectionTime),
      staging: bakeMinutes('stagingBake', props.stagingBake, 60, minimumMinutes, props.alarmDetectionTime),
    };
    const rules = {
      oneBox: props.oneBox ?? OneBoxScope.HOST,
      splitWorld: props.splitWorld ?? true,
      geographicDiversity: props.geographicDiversity ?? true,
      oneStripePerWave: props.oneStripePerWave ?? true,
    };

    const staging = locations.filter((loc) => loc.stage === DeploymentStage.STAGING);
    const production = locations.filter((loc) => loc.stage === DeploymentStage.PRODUCTION);
    requireStripesOnAllOrNone(staging, 'staging');
    requireStripesOnAllOrNone(production, 'production');

    const drafts: Draft[] = [];

    // Staging first: a change meets production only after it ran beside the old version.
    for (const trafficClass of classes) {
      drafts.push(...planStaging(staging, trafficClass, rules.splitWorld, rules.oneStripePerWave, rules.geographicDiversity, bakes.staging));
    }

    const oneBoxLocation = rules.oneBox === OneBoxScope.NONE || production.length === 0
      ? undefined
      : chooseOneBox(production, props.oneBoxTrait);

    classes.forEach((trafficClass, classIndex) => {
      const classDrafts: Draft[] = [];
      let remaining = production;
      if (oneBoxLocation && classIndex === 0) {
        const host = rules.oneBox === OneBoxScope.HOST;
        classDrafts.push({
          stage: DeploymentStage.PRODUCTION,
          trafficClass: trafficClass.name,
          oneBox: true,
          stripe: oneBoxLocation.location.stripe,
          members: [member(oneBoxLocation.location, trafficClass.name, host)],
          reason: `one-box: ${host ? 'one host of ' : ''}${oneBoxLocation.location.name}, ${oneBoxLocation.why}; ` +
            'a bad change meets production traffic in the smallest place first',
        });
        if (!host) {
          remaining = production.filter((loc) => loc !== oneBoxLocation.location);
        }
      }
      classDrafts.push(...planProductionWaves(remaining, trafficClass, {
        firstWaveSize, growthFactor, minWavesPerStripe,
        oneStripePerWave: rules.oneStripePerWave,
        geographicDiversity: rules.geographicDiversity,
        geographySizes: countGeographies(production),
      }));
      classDrafts.forEach((draft, index) => {
        const early = index < earlyWaves;
        drafts.push({
          ...draft,
          bakeMinutes: early ? bakes.early : bakes.later,
          bakeWhy: early ? `early production wave ${index + 1} of ${trafficClass.name}: long bake` : 'later wave: shorter bake',
        });
      });
    });

    if (props.maxWaves !== undefined) {
      const maxWaves = wholeNumber('maxWaves', props.maxWaves, 1);
      if (drafts.length > maxWaves) {
        throw new Error(
          `maxWaves: the plan needs ${drafts.length} waves but maxWaves is ${maxWaves}. ` +
          `${describeWaveCount(drafts)} Fix: raise maxWaves, raise growthFactor or firstWaveSize, lower ` +
          'minWavesPerStripe, or turn off oneStripePerWave or splitWorld.');
      }
    }

    const stageCounters = new Map<DeploymentStage, number>();
    this.waves = drafts.map((draft, index) => {
      const count = (stageCounters.get(draft.stage) ?? 0) + 1;
      stageCounters.set(draft.stage, count);
      const stageName = draft.stage === DeploymentStage.STAGING ? 'Staging' : 'Production';
      const minimumNote = draft.bakeMinutes === minimumMinutes ? ' (the alarms\' minimum)' : '';
      return {
        index: index + 1,
        name: `${stageName}-${count}`,
        stage: draft.stage,
        trafficClass: draft.trafficClass,
        oneBox: draft.oneBox,
        stripe: draft.stripe,
        members: draft.members,
        bake: Duration.minutes(draft.bakeMinutes ?? minimumMinutes),
        reason: `${draft.reason}; bake ${describeMinutes(draft.bakeMinutes ?? minimumMinutes)}${minimumNote}: ${draft.bakeWhy}`,
      };
    });
  }

  /** The sum of every wave's bake time. */
  public get totalBake(): Duration {
    return Duration.minutes(this.waves.reduce((sum, wave) => sum + wave.bake.toMinutes(), 0));
  }

  /** The Regions of the plan, in the order they are first deployed to. */
  public get regions(): string[] {
    const seen: string[] = [];
    for (const wave of this.waves) {
      for (const m of wave.members) {
        if (!seen.includes(m.region)) {
          seen.push(m.region);
        }
      }
    }
    return seen;
  }

  /**
   * The plan as a Markdown table: one row per wave with its stage, traffic class, stripe,
   * members, bake time and reason.
   */
  public toMarkdown(): string {
    const rows = [
      '| wave | stage | class | stripe | members | bake | why |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const wave of this.waves) {
      const members = wave.members.map((m) => {
        const zones = m.availabilityZones.length > 0 ? ` (${m.availabilityZones.join(' → ')})` : '';
        return `${m.oneBox ? 'one host of ' : ''}${m.location}${zones}`;
      }).join(', ');
      rows.push(`| ${wave.index}. ${wave.name} | ${wave.stage} | ${wave.trafficClass} | ${wave.stripe ?? '-'} | ` +
        `${escapeCell(members)} | ${describeMinutes(wave.bake.toMinutes())} | ${escapeCell(wave.reason)} |`);
    }
    return rows.join('\n') + '\n';
  }
}

interface Draft {
  readonly stage: DeploymentStage;
  readonly trafficClass: string;
  readonly oneBox: boolean;
  readonly stripe?: string;
  readonly members: WaveMember[];
  readonly reason: string;
  readonly bakeMinutes?: number;
  readonly bakeWhy?: string;
}

interface ProductionOptions {
  readonly firstWaveSize: number;
  readonly growthFactor: number;
  readonly minWavesPerStripe: number;
  readonly oneStripePerWave: boolean;
  readonly geographicDiversity: boolean;
  readonly geographySizes: Map<string, number>;
}

function planStaging(
  staging: Loc[], trafficClass: TrafficClass, splitWorld: boolean, oneStripePerWave: boolean,
  geographicDiversity: boolean, bake: number): Draft[] {
  if (staging.length === 0) {
    return [];
  }
  const groups = oneStripePerWave ? groupByStripe(staging) : [{ stripe: undefined, locations: staging }];
  const drafts: Draft[] = [];
  const geographySizes = countGeographies(staging);
  for (const group of groups) {
    const ordered = interleaveGeographies(group.locations);
    const stripeText = group.stripe !== undefined ? ` of stripe ${group.stripe}` : '';
    if (!splitWorld) {
      drafts.push({
        stage: DeploymentStage.STAGING, trafficClass: trafficClass.name, oneBox: false, stripe: group.stripe,
        members: ordered.map((loc) => member(loc, trafficClass.name, false)),
        reason: `staging before production: the whole ${trafficClass.name} staging fleet${stripeText} in one wave (split world off)`,
        bakeMinutes: bake, bakeWhy: 'staging bake',
      });
      continue;
    }
    if (ordered.length < 2) {
      throw new Error(
        `splitWorld: the ${trafficClass.name} staging fleet${stripeText} has only one location ` +
        `(${ordered.map((loc) => loc.name).join(', ')}), so it cannot run the old and the new version side by side ` +
        'across two waves. Fix: add a second staging location' +
        (group.stripe !== undefined ? ' to the stripe, or turn off oneStripePerWave,' : '') +
        ' or set splitWorld to false (the zonal deployment still runs both versions across AZs while it rolls out).');
    }
    // Half (rounded down) first, so the first wave is never the larger one; geographies
    // interleaved, so each half keeps clients of every geography a location on the other version.
    const first = pickDiverse(ordered, Math.floor(ordered.length / 2), geographicDiversity ? geographySizes : undefined);
    const second = ordered.filter((loc) => !first.includes(loc));
    [first, second].forEach((part, index) => {
      drafts.push({
        stage: DeploymentStage.STAGING, trafficClass: trafficClass.name, oneBox: false, stripe: group.stripe,
        members: part.map((loc) => member(loc, trafficClass.name, false)),
        reason: `staging before production; split world, part ${index + 1} of 2 of the ${trafficClass.name} staging fleet${stripeText}: ` +
          (index === 0 ? 'the rest keeps the old version, so both versions serve side by side' : 'completes the staging fleet'),
        bakeMinutes: bake, bakeWhy: 'staging bake',
      });
    });
  }
  return drafts;
}

function planProductionWaves(locations: Loc[], trafficClass: TrafficClass, options: ProductionOptions): Draft[] {
  if (locations.length === 0) {
    return [];
  }
  const groups = options.oneStripePerWave ? groupByStripe(locations) : [{ stripe: undefined, locations }];
  const queues = groups.map((group) => {
    const cap = group.stripe !== undefined && group.locations.length >= options.minWavesPerStripe
      ? Math.floor(group.locations.length / options.minWavesPerStripe)
      : group.locations.length;
    return { stripe: group.stripe, remaining: interleaveGeographies(group.locations), cap, waves: 0, total: group.locations.length };
  });
  const drafts: Draft[] = [];
  // Round robin over the stripes: each stripe's waves grow, and consecutive waves touch
  // different stripes.
  while (queues.some((queue) => queue.remaining.length > 0)) {
    for (const queue of queues) {
      if (queue.remaining.length === 0) {
        continue;
      }
      const target = Math.min(
        Math.ceil(options.firstWaveSize * Math.pow(options.growthFactor, queue.waves)), queue.cap, queue.remaining.length);
      const picked = pickDiverse(queue.remaining, target, options.geographicDiversity ? options.geographySizes : undefined);
      const pickedSet = new Set(picked);
      queue.remaining = queue.remaining.filter((loc) => !pickedSet.has(loc));
      queue.waves++;
      const parts = [`${trafficClass.name} (priority ${trafficClass.priority})`];
      if (queue.stripe !== undefined) {
        parts.push(`stripe ${queue.stripe} only, its wave ${queue.waves} (at most ${queue.cap} of its ${queue.total} locations per wave)`);
      }
      const size = `${picked.length} location${picked.length === 1 ? '' : 's'}`;
      parts.push(picked.length < target
        ? `${size} of a target of ${target} (geographic diversity held the rest back)`
        : `${size}, the size target of ${queue.stripe !== undefined ? `stripe ${queue.stripe}'s` : 'the fleet\'s'} wave ${queue.waves} (waves grow by ${options.growthFactor}x)`);
      if (options.geographicDiversity) {
        const geographies = [...new Set(picked.map((loc) => loc.geography))].sort();
        const kept = geographies.filter((geo) => (options.geographySizes.get(geo) ?? 1) >= 2);
        const alone = geographies.filter((geo) => (options.geographySizes.get(geo) ?? 1) < 2);
        if (kept.length > 0) {
          parts.push(`${kept.join(', ')} keep${kept.length === 1 ? 's' : ''} a location outside the wave`);
        }
        if (alone.length > 0) {
          parts.push(`${alone.join(', ')} ${alone.length === 1 ? 'has' : 'have'} only this location`);
        }
      }
      if (picked.some((loc) => loc.availabilityZones.length > 0)) {
        parts.push('one AZ at a time inside each Region');
      }
      drafts.push({
        stage: DeploymentStage.PRODUCTION,
        trafficClass: trafficClass.name,
        oneBox: false,
        stripe: queue.stripe,
        members: picked.map((loc) => member(loc, trafficClass.name, false)),
        reason: parts.join('; '),
      });
    }
  }
  return drafts;
}

/**
 * Takes up to `count` locations in order, skipping a location when the wave would then hold
 * every location of its geography (for geographies of two or more). Always takes at least one.
 */
function pickDiverse(ordered: Loc[], count: number, geographySizes: Map<string, number> | undefined): Loc[] {
  const picked: Loc[] = [];
  const perGeography = new Map<string, number>();
  for (const loc of ordered) {
    if (picked.length >= count) {
      break;
    }
    const taken = perGeography.get(loc.geography) ?? 0;
    const size = geographySizes?.get(loc.geography) ?? Infinity;
    if (geographySizes !== undefined && size >= 2 && taken + 1 >= size) {
      continue;
    }
    picked.push(loc);
    perGeography.set(loc.geography, taken + 1);
  }
  if (picked.length === 0) {
    picked.push(ordered[0]);
  }
  return picked;
}

/** Orders locations so that consecutive ones come from different geographies where possible. */
function interleaveGeographies(locations: Loc[]): Loc[] {
  const byGeography = new Map<string, Loc[]>();
  for (const loc of locations) {
    const list = byGeography.get(loc.geography) ?? [];
    list.push(loc);
    byGeography.set(loc.geography, list);
  }
  const lists = [...byGeography.keys()].sort().map((key) => byGeography.get(key)!);
  const result: Loc[] = [];
  for (let index = 0; result.length < locations.length; index++) {
    for (const list of lists) {
      if (index < list.length) {
        result.push(list[index]);
      }
    }
  }
  return result;
}

function groupByStripe(locations: Loc[]): Array<{ stripe?: string; locations: Loc[] }> {
  const byStripe = new Map<string, Loc[]>();
  for (const loc of locations) {
    const key = loc.stripe ?? '';
    const list = byStripe.get(key) ?? [];
    list.push(loc);
    byStripe.set(key, list);
  }
  return [...byStripe.keys()].sort().map((key) => ({ stripe: key === '' ? undefined : key, locations: byStripe.get(key)! }));
}

function countGeographies(locations: Loc[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const loc of locations) {
    counts.set(loc.geography, (counts.get(loc.geography) ?? 0) + 1);
  }
  return counts;
}

function chooseOneBox(production: Loc[], trait: string | undefined): { location: Loc; why: string } {
  const wanted = trait ?? DEFAULT_TRAIT;
  const withTrait = production.filter((loc) => loc.traits.includes(wanted));
  if (withTrait.length > 0) {
    return { location: withTrait[0], why: `chosen for its trait '${wanted}'` };
  }
  if (trait !== undefined) {
    throw new Error(
      `oneBoxTrait: no production location has the trait '${trait}' (production locations: ` +
      `${production.map((loc) => loc.name).join(', ')}). Fix: add '${trait}' to the traits of the location that should ` +
      'take the one-box wave, choose another oneBoxTrait, or set oneBox to OneBoxScope.NONE.');
  }
  return { location: production[0], why: `the first by name (no location has the trait '${DEFAULT_TRAIT}')` };
}

function member(loc: Loc, trafficClass: string, oneBox: boolean): WaveMember {
  return {
    location: loc.name,
    region: loc.region,
    trafficClass,
    oneBox,
    availabilityZones: [...loc.availabilityZones],
    geography: loc.geography,
    stripe: loc.stripe,
  };
}

function normalizeLocations(locations: WaveLocation[]): Loc[] {
  if (locations.length === 0) {
    throw new Error('locations is empty: pass every location (Region, cell or edge location) the service runs in.');
  }
  const seen = new Set<string>();
  const result = locations.map((loc) => {
    for (const [field, value] of [['name', loc.name], ['region', loc.region]] as const) {
      if (Token.isUnresolved(value) || value.trim() === '') {
        throw new Error(`Every location needs a concrete, non-empty ${field}; got '${value}'. The plan is made at synthesis time.`);
      }
    }
    if (seen.has(loc.name)) {
      throw new Error(`locations lists '${loc.name}' more than once; give each location a unique name.`);
    }
    seen.add(loc.name);
    return {
      name: loc.name,
      region: loc.region,
      availabilityZones: [...(loc.availabilityZones ?? [])],
      stage: loc.stage ?? DeploymentStage.PRODUCTION,
      geography: loc.geography ?? loc.name,
      stripe: loc.stripe,
      traits: [...(loc.traits ?? [])],
    };
  });
  return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function normalizeClasses(classes: TrafficClass[] | undefined): TrafficClass[] {
  if (classes === undefined) {
    return [{ name: DEFAULT_CLASS, priority: 0 }];
  }
  if (classes.length === 0) {
    throw new Error('trafficClasses is empty: leave it unset for one fleet, or name each fleet with its priority.');
  }
  const names = new Set<string>();
  for (const trafficClass of classes) {
    if (names.has(trafficClass.name)) {
      throw new Error(`trafficClasses lists '${trafficClass.name}' more than once; name each traffic class once.`);
    }
    if (!Number.isFinite(trafficClass.priority)) {
      throw new Error(`Traffic class '${trafficClass.name}' needs a finite priority, got ${trafficClass.priority}.`);
    }
    names.add(trafficClass.name);
  }
  // Lowest priority first; equal priorities keep the order given.
  return classes.map((c, index) => ({ c, index }))
    .sort((a, b) => a.c.priority - b.c.priority || a.index - b.index)
    .map(({ c }) => ({ name: c.name, priority: c.priority }));
}

function requireStripesOnAllOrNone(locations: Loc[], stage: string): void {
  const striped = locations.filter((loc) => loc.stripe !== undefined);
  if (striped.length > 0 && striped.length < locations.length) {
    const missing = locations.filter((loc) => loc.stripe === undefined).map((loc) => loc.name);
    throw new Error(
      `oneStripePerWave: ${striped.length} of ${locations.length} ${stage} locations have a stripe, but ` +
      `${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} none. Fix: give every ${stage} location a stripe, or none.`);
  }
}

function minimumBakeMinutes(detection: Duration): number {
  const seconds = detection.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds) || seconds < 0) {
    throw new Error('alarmDetectionTime must be a concrete, non-negative duration: the plan is made at synthesis time.');
  }
  return Math.ceil(seconds / 60) + 1;
}

function bakeMinutes(name: string, given: Duration | undefined, defaultMinutes: number, minimum: number, detection: Duration): number {
  if (given === undefined) {
    return Math.max(defaultMinutes, minimum);
  }
  const seconds = given.toSeconds({ integral: false });
  if (Token.isUnresolved(seconds)) {
    throw new Error(`${name} must be a concrete duration, not a token: the plan is made at synthesis time.`);
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < minimum) {
    throw new Error(
      `${name} of ${given.toHumanString()} is shorter than the alarms need: alarmDetectionTime of ` +
      `${detection.toHumanString()} rounded up to whole minutes, plus one minute, is ${minimum} minutes. ` +
      `The next wave would start before a bad wave can be noticed. Fix: set ${name} to at least ${minimum} minutes.`);
  }
  return minutes;
}

function wholeNumber(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be a whole number of at least ${minimum}, got ${value}.`);
  }
  return value;
}

function describeWaveCount(drafts: Draft[]): string {
  const counts = new Map<string, number>();
  for (const draft of drafts) {
    const key = `${draft.stage} ${draft.trafficClass}${draft.stripe !== undefined ? ` stripe ${draft.stripe}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return `Waves by fleet: ${[...counts.entries()].map(([key, count]) => `${key}: ${count}`).join(', ')}.`;
}

function describeMinutes(minutes: number): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return `${hours} h`;
  }
  return minutes > 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
