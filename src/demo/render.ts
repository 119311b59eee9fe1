import type { SessionEvent } from '../types.js';

/** One line per event: version, type and a compact description of the payload. */
export function toPublicEventText(e: SessionEvent): string {
  const head = `v${String(e.version).padEnd(4)} ${e.type.padEnd(18)}`;
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced':
      return `${head} ${e.messages.map((m) => m.role).join(', ')} (at position ${e.from})`;
    case 'summary.set':
      return `${head} ${JSON.stringify(e.summary.slice(0, 40))}${e.through === undefined ? '' : ` through v${e.through} → history starts at ${e.start}`}`;
    case 'history.truncated':
      return `${head} keepLast ${e.keepLast}${e.safe ? ' (safe)' : ''} → history starts at ${e.start}`;
    case 'metadata.updated':
      return `${head} ${JSON.stringify(e.patch).slice(0, 60)}`;
  }
}
