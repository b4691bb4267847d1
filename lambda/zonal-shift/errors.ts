/** An error answer (or no answer) from the ARC zonal shift API. */
export class ArcError extends Error {
  /** HTTP status; 0 when no response arrived (network error or timeout). */
  public readonly status: number;
  /** Error type from `x-amzn-errortype` or `__type`, without namespace, e.g. `ConflictException`. */
  public readonly errorType: string;
  /** The `reason` field of the error body, when present (e.g. `ZonalShiftAlreadyExists`). */
  public readonly reason?: string;
  /** The `zonalShiftId` of the error body, when present (a conflicting shift). */
  public readonly zonalShiftId?: string;

  constructor(props: { status: number; errorType: string; message: string; reason?: string; zonalShiftId?: string }) {
    super(props.message);
    this.name = 'ArcError';
    this.status = props.status;
    this.errorType = props.errorType;
    this.reason = props.reason;
    this.zonalShiftId = props.zonalShiftId;
  }
}

/**
 * How to react to an error:
 * - `conflict`: someone changed the shifts; re-read and decide again.
 * - `not-active`: the shift to update or cancel is no longer active (409 `ZonalShiftStatusNotActive`).
 * - `not-found`: the resource or shift does not exist (any more).
 * - `retryable`: throttling, server error or no answer; back off, then let Lambda retry.
 * - `refuse`: a request the service will never accept (validation, access denied); log and stop.
 */
export type ErrorClass = 'conflict' | 'not-active' | 'not-found' | 'retryable' | 'refuse';

const THROTTLING = /throttl|toomanyrequests|requestlimitexceeded|slowdown/i;

/** Classifies an error thrown by the ARC client. */
export function classifyArcError(err: unknown): ErrorClass {
  if (!(err instanceof ArcError)) {
    return 'retryable';
  }
  if (err.status === 409) {
    return err.reason === 'ZonalShiftStatusNotActive' ? 'not-active' : 'conflict';
  }
  if (err.status === 404) {
    return 'not-found';
  }
  if (err.status === 0 || err.status === 429 || err.status >= 500 || THROTTLING.test(err.errorType)) {
    return 'retryable';
  }
  return 'refuse';
}

/** Classifies an error thrown by an AWS SDK v3 client (after the SDK's own retries). */
export function classifySdkError(err: unknown): 'retryable' | 'refuse' {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (THROTTLING.test(name) || status === 429 || (status !== undefined && status >= 500)) {
    return 'retryable';
  }
  if (status !== undefined && status >= 400) {
    return 'refuse';
  }
  return 'retryable';
}

/** A short description of any thrown value for the log. */
export function describeError(err: unknown): string {
  if (err instanceof ArcError) {
    const reason = err.reason ? ` (${err.reason})` : '';
    return `${err.status} ${err.errorType}${reason}: ${err.message}`;
  }
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${status ?? ''}${status ? ' ' : ''}${err.name}: ${err.message}`;
  }
  return String(err);
}
