import * as fc from 'fast-check';
import { sizeForLossOfOneZone } from '../lib/private/static-stability';

test.each([
  // peak, per instance, zones, minimum per zone
  [12, 1, 3, 6],
  [12, 1, 4, 4],
  [13, 1, 4, 5],
  [10, 1, 2, 10],
  [1, 1, 3, 1],
  [1000, 250, 3, 2],
  [1001, 250, 3, 3],
  [0.3, 0.1, 2, 3],
])('peak %d at %d per instance over %d AZs needs %d per AZ', (peak, perInstance, zones, expected) => {
  expect(sizeForLossOfOneZone(peak, perInstance, zones).minimumPerZone).toBe(expected);
});

test('with one AZ gone the others carry the peak, and one instance fewer per AZ would not', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 2, max: 9 }),
    (peak, perInstance, zones) => {
      const { minimumPerZone, peakInstances } = sizeForLossOfOneZone(peak, perInstance, zones);
      const survivors = zones - 1;
      expect(minimumPerZone * survivors * perInstance).toBeGreaterThanOrEqual(peak);
      expect((minimumPerZone - 1) * survivors).toBeLessThan(peakInstances);
    },
  ), { numRuns: 500 });
});

test.each([
  [0, 1, 3, 'peakCapacity must be a positive number'],
  [-5, 1, 3, 'peakCapacity must be a positive number'],
  [Number.NaN, 1, 3, 'peakCapacity must be a positive number'],
  [10, 0, 3, 'capacityPerInstance must be a positive number'],
  [10, 1, 1, 'Static stability needs at least two AZs, got 1'],
])('refuses peak %p, per instance %p, zones %p', (peak, perInstance, zones, message) => {
  expect(() => sizeForLossOfOneZone(peak, perInstance, zones)).toThrow(message);
});
