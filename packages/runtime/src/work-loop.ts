/**
 * The loop behind a background worker: runs `step` again at once when it says so (0) or was
 * kicked while it ran, else after the pause it returns, cut short by `kick()`. `step` handles its
 * own errors; `stop()` resolves once the step under way has returned.
 */
export class WorkLoop {
  private active = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  /** `step` returns how long to pause before the next one, in ms. */
  constructor(private readonly step: () => Promise<number>) {}

  /** Whether it is running: a long step checks it to hand its work back when stopped. */
  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    this.loop = this.run();
  }

  /** Runs the next step now rather than after the pause: there is work. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.kick();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.active) {
      this.kicked = false;
      const pause = await this.step();
      if (this.kicked || pause <= 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
