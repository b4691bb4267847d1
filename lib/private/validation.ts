import { Token } from 'aws-cdk-lib';

/**
 * Checks a list of Availability Zone names: at least two, each a concrete name, no repeats.
 * Returns a copy, so callers can keep it without sharing the caller's array.
 */
export function validateAvailabilityZones(zones: string[], propName: string): string[] {
  const unresolved = zones.filter((zone) => Token.isUnresolved(zone));
  if (unresolved.length > 0) {
    throw new Error(
      `${propName} must be concrete Availability Zone names (for example 'us-east-1a'), but ${unresolved.length} ` +
      'of them are unresolved tokens. Pass the names explicitly, or give the stack an account and region so the ' +
      'zones can be looked up (and commit cdk.context.json).');
  }
  requireDistinctZones(zones, propName);
  return [...zones];
}

/**
 * Checks that a list of Availability Zones names at least two, each once. Tokens count as names,
 * for callers that accept zones known only at deploy time.
 */
export function requireDistinctZones(zones: string[], propName: string): void {
  if (zones.length < 2) {
    throw new Error(
      `${propName} must name at least 2 Availability Zones, got ${zones.length} (${zones.join(', ') || 'none'}). ` +
      'An AZ-independent service needs a second zone to shift traffic to.');
  }
  const seen = new Set<string>();
  for (const zone of zones) {
    if (seen.has(zone)) {
      throw new Error(`${propName} lists '${zone}' more than once; name each Availability Zone once.`);
    }
    seen.add(zone);
  }
}
