import { createInterface } from 'node:readline';
import { ALL_HISTORY_PEERS } from '../peers/index.js';
import { message } from '../workload.js';

/**
 * Child process of the multi-process scenario: opens the store, says "ready", waits for "go" on
 * stdin, then runs `sessions` concurrent sessions of `perSession` appends and says "done".
 * argv: peer name, store directory, writer number, sessions, appends per session.
 */
const [peerName, dir, writer, sessions, perSession] = process.argv.slice(2) as [string, string, string, string, string];
const peer = ALL_HISTORY_PEERS.find((p) => p.name === peerName);
if (peer === undefined) throw new Error(`unknown peer ${peerName}`);
const store = await peer.open(dir);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line !== 'go') continue;
  await Promise.all(
    Array.from({ length: Number(sessions) }, async (_, s) => {
      for (let i = 0; i < Number(perSession); i++) await store.append(`w${writer}:${s}`, message(i, `w${writer}s${s}`));
    }),
  );
  await store.close();
  process.stdout.write('done\n');
  break;
}
lines.close();
