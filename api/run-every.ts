// The API process's background rounds (the lead reconciler, the workflow signal relay, the cadence
// claim reconciler): one round at once and then every `everyMs`, never two at the same time in a
// process (across replicas each round takes a session advisory lock: db/session-lock.ts); a failed
// round is reported and the next one tries again. The timer does not keep the process alive.
export function runEvery(everyMs: number, round: () => Promise<unknown>, onError: (err: Error) => void): () => void {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await round();
    } catch (err) {
      onError(err as Error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
