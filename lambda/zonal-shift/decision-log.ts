import { Decision, Logger } from './types';

/**
 * Writes one decision as a single JSON line that is also an Embedded Metric Format record:
 * metric `Decisions` (count 1) with dimension `Decision` in the given namespace.
 */
export function logDecision(logger: Logger, namespace: string, decision: Decision, now: Date): void {
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['Decision']],
          Metrics: [{ Name: 'Decisions', Unit: 'Count' }],
        },
      ],
    },
    Decision: decision.decision,
    Decisions: 1,
  };
  for (const [key, value] of Object.entries(decision)) {
    if (value !== undefined) {
      record[key] = value;
    }
  }
  logger.log(JSON.stringify(record));
}
