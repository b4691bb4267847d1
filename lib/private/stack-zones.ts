import { Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * The context key under which the CDK CLI stores an environment's Availability Zones
 * (`availability-zones:account=...:region=...`, the key `cdk.context.json` holds).
 */
function availabilityZonesContextKey(stack: Stack): string {
  return `availability-zones:account=${stack.account}:region=${stack.region}`;
}

/**
 * Runs `build` while the stack reports `zones` as its Availability Zones, then restores the stack.
 *
 * Why: `ec2.Vpc` reads `stack.availabilityZones` even when it is given `availabilityZones`, only to
 * check that the given zones are a subset of the stack's. In a stack with an account and a region
 * that read is a context lookup: without a committed `cdk.context.json`, synthesis records missing
 * context and the CLI then needs AWS credentials. The fleet already knows its concrete zones, so
 * it answers that read itself, for the construction of its own VPC only; no other construct sees
 * the substitute. The subset check is kept where it costs no lookup: when the stack's zones are
 * already in the context, every given zone must be among them.
 *
 * A stack class that overrides the `availabilityZones` getter (the documented way to choose zones
 * without lookups) is left alone: its getter is what the VPC reads, as before.
 */
export function withStackAvailabilityZones<T>(scope: Construct, zones: string[], build: () => T): T {
  const stack = Stack.of(scope);
  if (overridesAvailabilityZones(stack)) {
    return build();
  }
  requireKnownZones(stack, zones);

  const own = Object.getOwnPropertyDescriptor(stack, 'availabilityZones');
  Object.defineProperty(stack, 'availabilityZones', { configurable: true, enumerable: false, get: () => [...zones] });
  try {
    return build();
  } finally {
    if (own) {
      Object.defineProperty(stack, 'availabilityZones', own);
    } else {
      delete (stack as { availabilityZones?: string[] }).availabilityZones;
    }
  }
}

/** Whether the stack's class (or the stack object) answers `availabilityZones` with its own code. */
function overridesAvailabilityZones(stack: Stack): boolean {
  const base = Object.getOwnPropertyDescriptor(Stack.prototype, 'availabilityZones')?.get;
  for (let proto: object | null = stack; proto && proto !== Stack.prototype; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'availabilityZones');
    if (descriptor && descriptor.get !== base) {
      return true;
    }
  }
  return false;
}

/** When the environment's zones are already in the context, the given zones must be among them. */
function requireKnownZones(stack: Stack, zones: string[]): void {
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    return;
  }
  const known = stack.node.tryGetContext(availabilityZonesContextKey(stack));
  if (!Array.isArray(known)) {
    return;
  }
  const unknown = zones.filter((zone) => !known.includes(zone));
  if (unknown.length > 0) {
    throw new Error(
      `availabilityZones ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the zones of ` +
      `${stack.account}/${stack.region} recorded in the context (${known.join(', ')}); pick zones from that list, ` +
      `or refresh the context with 'cdk context --reset ${availabilityZonesContextKey(stack)}'.`);
  }
}
