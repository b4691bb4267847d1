/**
 * Time budgets of one invocation. Every AWS call has a per-attempt timeout and a bounded number of
 * attempts, so the worst case of a decision is a sum of constants, checked against the function's
 * timeout when the configuration is read (see `parseConfig`).
 */

/** Backoff for throttling and server errors of ARC: full jitter, bounded attempts. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
}

/** ARC calls: 3 attempts of at most 3 s, 200 ms base backoff capped at 1 s. */
export const ARC_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000, timeoutMs: 3000 };

/**
 * CloudWatch calls: `attempts` attempts of at most `timeoutMs`, with full-jitter backoff from
 * `baseDelayMs`, doubling, capped at `maxDelayMs`. The handler's client uses exactly this policy
 * (`BudgetRetryStrategy`), not the SDK's standard strategy, whose throttling base and Retry-After
 * allowance would exceed it.
 */
export const CLOUDWATCH_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 1000, timeoutMs: 3000 };

/** Read, decide, write: when a write loses a race (409), the whole round runs once more. */
export const MAX_ROUNDS = 2;

/** Slack for cold start, logging and the event loop. */
export const INVOCATION_MARGIN_MS = 10_000;

/** Upper bound of one call under a retry policy: every attempt times out, every backoff is full. */
export function worstCallMs(policy: RetryPolicy): number {
  let total = policy.attempts * policy.timeoutMs;
  for (let attempt = 1; attempt < policy.attempts; attempt++) {
    total += Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  }
  return total;
}

/** Upper bound of one round: GetManagedResource, DescribeAlarms, one write. */
export function worstRoundMs(): number {
  return 2 * worstCallMs(ARC_RETRY) + worstCallMs(CLOUDWATCH_RETRY);
}

/** Upper bound of the decision for one load balancer and zone, all rounds, plus the margin. */
export function worstDecisionMs(): number {
  return MAX_ROUNDS * worstRoundMs() + INVOCATION_MARGIN_MS;
}
