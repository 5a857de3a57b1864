// Full-jitter exponential backoff for optimistic-concurrency retries: concurrent writers to one item
// spread out instead of colliding again on the next attempt.
export const jitteredBackoff = (attempt: number, baseMs = 5, capMs = 200): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(capMs, baseMs * 2 ** attempt)));
