export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Names the circuit in messages, e.g. "LLM" gives "LLM circuit is open …". */
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before it lets one trial through. */
  resetTimeoutMs?: number;
  now?: () => number;
  onStateChange?: (state: CircuitState) => void;
}

/** Thrown instead of calling through while the circuit is open (or its one trial is running). */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super(message);
  }
}

/**
 * Counts consecutive failures rather than a failure rate: a dependency that answers every other
 * call is slow but usable, one that has failed five times in a row is down.
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly resetTimeoutMs: number;
  private readonly now: () => number;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openUntil = 0;
  // Outcomes of calls admitted before the last transition are stale: a slow success from before
  // the circuit opened must not close it, and a trial's verdict is the only one that counts.
  private generation = 0;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.resetTimeoutMs = options.resetTimeoutMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** An open circuit whose reset time has passed reports half-open: the next call is the trial. */
  state(): CircuitState {
    return this.current === 'open' && this.now() >= this.openUntil ? 'half-open' : this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    this.admit();
    const admitted = this.generation;
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (admitted === this.generation) this.recordFailure();
      throw error;
    }
    if (admitted === this.generation) this.recordSuccess();
    return result;
  }

  private admit(): void {
    if (this.current === 'closed') return;
    if (this.current === 'open') {
      if (this.now() >= this.openUntil) {
        this.transition('half-open');
        return;
      }
      const retryAt = new Date(this.openUntil);
      throw new CircuitOpenError(
        `${this.options.name} circuit is open after ${this.failures} consecutive failures; retrying after ${retryAt.toISOString()}`,
        retryAt,
      );
    }
    throw new CircuitOpenError(
      `${this.options.name} circuit is half-open and its trial call is still running; retry shortly`,
      new Date(this.now()),
    );
  }

  private recordFailure(): void {
    this.failures += 1;
    if (this.current === 'half-open' || this.failures >= this.failureThreshold) {
      this.openUntil = this.now() + this.resetTimeoutMs;
      this.transition('open');
    }
  }

  private recordSuccess(): void {
    this.failures = 0;
    if (this.current === 'half-open') this.transition('closed');
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.generation += 1;
    this.options.onStateChange?.(state);
  }
}
