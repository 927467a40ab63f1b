import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitState } from './circuit-breaker.ts';

const start = Date.parse('2026-03-01T12:00:00.000Z');

function setup(options: { failureThreshold?: number; resetTimeoutMs?: number } = {}) {
  let clock = start;
  const transitions: CircuitState[] = [];
  const breaker = new CircuitBreaker({ name: 'Test', ...options, now: () => clock, onStateChange: (state) => transitions.push(state) });
  return {
    breaker,
    transitions,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const fail = () => Promise.reject(new Error('boom'));
const succeed = () => Promise.resolve('ok');

async function failTimes(breaker: CircuitBreaker, times: number) {
  for (let i = 0; i < times; i++) await expect(breaker.run(fail)).rejects.toThrow('boom');
}

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive failures and then refuses without calling', async () => {
    const { breaker, transitions } = setup();
    await failTimes(breaker, 4);
    expect(breaker.state()).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state()).toBe('open');
    expect(transitions).toEqual(['open']);

    const call = vi.fn(succeed);
    const refusal = await breaker.run(call).catch((error: unknown) => error);
    expect(call).not.toHaveBeenCalled();
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect((refusal as CircuitOpenError).message).toBe(
      'Test circuit is open after 5 consecutive failures; retrying after 2026-03-01T12:01:00.000Z',
    );
    expect((refusal as CircuitOpenError).retryAt.getTime()).toBe(start + 60_000);
  });

  it('counts only consecutive failures: a success starts the count again', async () => {
    const { breaker } = setup();
    await failTimes(breaker, 4);
    await expect(breaker.run(succeed)).resolves.toBe('ok');
    expect(breaker.consecutiveFailures).toBe(0);
    await failTimes(breaker, 4);
    expect(breaker.state()).toBe('closed');
  });

  it('lets one trial through after the reset time; its success closes the circuit', async () => {
    const { breaker, advance, transitions } = setup();
    await failTimes(breaker, 5);
    advance(59_999);
    expect(breaker.state()).toBe('open');
    advance(1);
    expect(breaker.state()).toBe('half-open');

    let finishTrial!: (value: string) => void;
    const trial = breaker.run(() => new Promise<string>((resolve) => (finishTrial = resolve)));
    const second = vi.fn(succeed);
    await expect(breaker.run(second)).rejects.toThrow('Test circuit is half-open and its trial call is still running; retry shortly');
    expect(second).not.toHaveBeenCalled();

    finishTrial('ok');
    await expect(trial).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
    await expect(breaker.run(succeed)).resolves.toBe('ok');
  });

  it('re-opens for another reset period when the trial fails', async () => {
    const { breaker, advance, transitions } = setup({ failureThreshold: 2, resetTimeoutMs: 1_000 });
    await failTimes(breaker, 2);
    advance(1_000);
    await failTimes(breaker, 1);
    expect(breaker.state()).toBe('open');
    expect(transitions).toEqual(['open', 'half-open', 'open']);
    await expect(breaker.run(succeed)).rejects.toThrow('retrying after 2026-03-01T12:00:02.000Z');
    advance(1_000);
    await expect(breaker.run(succeed)).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
  });

  it('ignores late outcomes of calls admitted before the circuit opened', async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, resetTimeoutMs: 1_000 });
    let finishSlow!: (value: string) => void;
    const slow = breaker.run(() => new Promise<string>((resolve) => (finishSlow = resolve)));
    await failTimes(breaker, 1);
    advance(1_000);
    let failTrial!: (error: Error) => void;
    const trial = breaker.run(() => new Promise<string>((_, reject) => (failTrial = reject)));

    finishSlow('late');
    await expect(slow).resolves.toBe('late');
    expect(breaker.state()).toBe('half-open');
    expect(breaker.consecutiveFailures).toBe(1);
    await expect(breaker.run(succeed)).rejects.toBeInstanceOf(CircuitOpenError);

    failTrial(new Error('still down'));
    await expect(trial).rejects.toThrow('still down');
    expect(breaker.state()).toBe('open');
  });
});
