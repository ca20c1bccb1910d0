// Reproducible draws: every draw is a hash of the seed and what it is about (a message key, a lead),
// so a run gives the same answers whatever order the workers happen to run activities in.
import { createHash } from 'node:crypto';

export function draw(seed: number, ...about: (string | number)[]): number {
  const h = createHash('sha256')
    .update(`${seed}:${about.join(':')}`)
    .digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}
