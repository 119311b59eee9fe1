import { createInterface } from 'node:readline';
import { watchLoopDelay } from '../loop-delay.js';
import { nowUs } from '../measure.js';
import { ALL_HISTORY_PEERS } from '../peers/index.js';
import { message } from '../workload.js';

/**
 * Child process of the multi-process scenarios: opens the store and warms it up (a few appends on
 * sessions of its own, as many at once as it will run, so connections are open, statements
 * prepared and code compiled), says "ready", waits for "go" on stdin, then runs `sessions`
 * concurrent sessions and says "done" before closing: the timed part is the appends alone.
 * argv: peer name, store directory, writer number, sessions, appends per session, and optionally
 * seconds: then every session appends until that time has passed instead, and "done" is followed
 * by `{ counts, loop }` as JSON: the appends of each session and the event-loop delay meanwhile.
 */
const WARM_UP = 5;
const [peerName, dir, writer, sessions, perSession, seconds] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
const peer = ALL_HISTORY_PEERS.find((p) => p.name === peerName);
if (peer === undefined) throw new Error(`unknown peer ${peerName}`);
const store = await peer.open(dir);
for (let i = 0; i < WARM_UP; i++) await Promise.all(Array.from({ length: Number(sessions) }, (_, s) => store.append(`warm${writer}:${s}`, message(i))));
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== 'go') continue;
  const probe = seconds === undefined ? undefined : await watchLoopDelay();
  const deadline = seconds === undefined ? Infinity : nowUs() + Number(seconds) * 1e6;
  const limit = seconds === undefined ? Number(perSession) : Infinity;
  const counts = await Promise.all(
    Array.from({ length: Number(sessions) }, async (_, s) => {
      let i = 0;
      for (; i < limit && nowUs() < deadline; i++) await store.append(`w${writer}:${s}`, message(i, `w${writer}s${s}`));
      return i;
    }),
  );
  process.stdout.write(probe === undefined ? 'done\n' : `done\n${JSON.stringify({ counts, loop: await probe.stop() })}\n`);
  await store.close();
  break;
}
lines.close();
