/**
 * Static stability: with cross-zone load balancing off, losing one AZ (to an autoshift, a practice
 * run or our own zonal shift) removes that AZ's capacity at once and nothing borrows it, so the
 * remaining AZs must carry the peak by themselves.
 */
export interface ZoneSizing {
  /** Instances each AZ needs at minimum so that the other AZs carry the peak with one AZ gone. */
  readonly minimumPerZone: number;
  /** The peak in instances (peak capacity divided by capacity per instance, rounded up). */
  readonly peakInstances: number;
}

/**
 * Each AZ's minimum for a peak: `ceil(ceil(peakCapacity / capacityPerInstance) / (zones - 1))`.
 * Throws for a peak that is not positive, a capacity per instance that is not positive, or fewer
 * than two AZs.
 */
export function sizeForLossOfOneZone(peakCapacity: number, capacityPerInstance: number, zones: number): ZoneSizing {
  if (!(Number.isFinite(peakCapacity) && peakCapacity > 0)) {
    throw new Error(`peakCapacity must be a positive number (instances, or units of capacityPerInstance), got ${peakCapacity}.`);
  }
  if (!(Number.isFinite(capacityPerInstance) && capacityPerInstance > 0)) {
    throw new Error(`capacityPerInstance must be a positive number, got ${capacityPerInstance}.`);
  }
  if (!(Number.isInteger(zones) && zones >= 2)) {
    throw new Error(`Static stability needs at least two AZs, got ${zones}.`);
  }
  // Round before dividing so that floating-point noise (0.1 + 0.2) does not add an instance.
  const peakInstances = Math.ceil(Number((peakCapacity / capacityPerInstance).toFixed(9)));
  return { peakInstances, minimumPerZone: Math.ceil(peakInstances / (zones - 1)) };
}
