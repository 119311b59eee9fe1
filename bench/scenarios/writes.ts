import { historyPeers } from '../peers/index.js';
import { inTempDir, median, nowUs, percentile, progress } from '../measure.js';
import { conversation, message } from '../workload.js';

/** Scenario 1: many sessions appending at once, each awaiting its own writes. */
export interface GatewayRow {
  peer: string;
  durability: string;
  appendsPerSec: number;
}

export async function gateway(sessions: number, perSession: number): Promise<GatewayRow[]> {
  const rows: GatewayRow[] = [];
  for (const p of historyPeers()) {
    progress(`gateway: ${p.name}`);
    rows.push(
      await inTempDir(async (dir) => {
        const store = await p.open(dir);
        try {
          const start = nowUs();
          await Promise.all(
            Array.from({ length: sessions }, async (_, s) => {
              for (let i = 0; i < perSession; i++) await store.append(`gw:${s}`, message(i, `s${s}`));
            }),
          );
          const sec = (nowUs() - start) / 1e6;
          return { peer: p.name, durability: store.durability, appendsPerSec: (sessions * perSession) / sec };
        } finally {
          await store.close();
        }
      }),
    );
  }
  return rows;
}

/** Scenario 2: one session, one awaited append at a time. */
export interface SingleAgentRow {
  peer: string;
  durability: string;
  p50Us: number;
  p99Us: number;
}

export async function singleAgent(appends: number): Promise<SingleAgentRow[]> {
  const rows: SingleAgentRow[] = [];
  for (const p of historyPeers()) {
    progress(`single agent: ${p.name}`);
    rows.push(
      await inTempDir(async (dir) => {
        const store = await p.open(dir);
        try {
          for (let i = 0; i < 20; i++) await store.append('warm-up', message(i));
          const t: number[] = [];
          for (let i = 0; i < appends; i++) {
            const s = nowUs();
            await store.append('agent', message(i));
            t.push(nowUs() - s);
          }
          return { peer: p.name, durability: store.durability, p50Us: median(t), p99Us: percentile(t, 99) };
        } finally {
          await store.close();
        }
      }),
    );
  }
  return rows;
}

/** Scenario 4: the same append into a session of `deep` messages vs one of `shallow`. */
export interface DepthRow {
  peer: string;
  durability: string;
  shallowUs: number;
  deepUs: number;
  ratio: number;
}

export async function depth(shallow: number, deep: number, appends: number): Promise<DepthRow[]> {
  const rows: DepthRow[] = [];
  for (const p of historyPeers()) {
    progress(`depth: ${p.name}`);
    rows.push(
      await inTempDir(async (dir) => {
        const store = await p.open(dir);
        try {
          await store.seed('shallow', conversation(shallow));
          await store.seed('deep', conversation(deep));
          // Interleaved, so drift in the machine's speed hits both sides alike.
          const a: number[] = [];
          const b: number[] = [];
          for (let i = 0; i < appends; i++) {
            let s = nowUs();
            await store.append('shallow', message(shallow + i));
            a.push(nowUs() - s);
            s = nowUs();
            await store.append('deep', message(deep + i));
            b.push(nowUs() - s);
          }
          return { peer: p.name, durability: store.durability, shallowUs: median(a), deepUs: median(b), ratio: median(b) / median(a) };
        } finally {
          await store.close();
        }
      }),
    );
  }
  return rows;
}
