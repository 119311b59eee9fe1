import { ALL_HISTORY_PEERS } from '../peers/index.js';
import type { HistoryStore } from '../peers/types.js';
import { fdatasyncUs, inTempDir } from '../measure.js';
import { MULTI_PROCESS_SAFE, timedWriters } from './multi-process.js';
import { pacedGateway, saturatedGateway, timedSingleAgent } from './timed-writes.js';
import type { DiskChildPlan, DiskChildResult } from './disk-profiles.js';

/**
 * Child process of the disk profiles: started with the profile's environment (the slow-disk
 * library preloaded, so the syncs of this process wait), it runs the timed write scenarios on one
 * store, each in a fresh store (the multi-process one through writer processes of its own, which
 * inherit the environment), and prints `result <json>` on stdout. argv: the plan as JSON,
 * or `fdatasync <n>` to measure the profile's sync alone.
 */
const [mode, arg] = process.argv.slice(2) as [string, string];

async function withStore<T>(peer: string, fn: (store: HistoryStore) => Promise<T>): Promise<T> {
  const p = ALL_HISTORY_PEERS.find((x) => x.name === peer);
  if (p === undefined) throw new Error(`unknown store ${peer}`);
  return inTempDir(async (dir) => {
    const store = await p.open(dir);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  });
}

async function run(plan: DiskChildPlan): Promise<DiskChildResult> {
  let durability = '';
  const saturated = await withStore(plan.peer, (s) => {
    durability = s.durability;
    return saturatedGateway(s, plan.sessions, plan.saturatedSec);
  });
  const paced = await withStore(plan.peer, (s) => pacedGateway(s, plan.sessions, plan.pacedPerSec, plan.pacedSec));
  const singleAgent = await withStore(plan.peer, (s) => timedSingleAgent(s, plan.singleMax, plan.singleMin, plan.singleSec));
  // The writer processes inherit this process's environment: the same disk, the same server.
  const peer = ALL_HISTORY_PEERS.find((x) => x.name === plan.peer);
  const multiProcess = peer !== undefined && plan.writers > 0 && MULTI_PROCESS_SAFE.includes(plan.peer) ? await timedWriters(peer, plan.writers, plan.writerSessions, plan.writersSec, process.env) : undefined;
  return { durability, saturated, paced, singleAgent, ...(multiProcess === undefined ? {} : { multiProcess }) };
}

const result = mode === 'fdatasync' ? await inTempDir(async (dir) => fdatasyncUs(dir, Number(arg))) : await run(JSON.parse(mode) as DiskChildPlan);
process.stdout.write(`result ${JSON.stringify(result)}\n`);
