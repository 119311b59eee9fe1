import { classifyMessage } from '../core/message-shapes.js';
import { viewOf } from '../cli/render-view.js';
import type { Message } from '../types.js';
import { SHOWN_CHARS } from './protocol.js';
import type { ShownCall, ShownMessage } from './protocol.js';

const plain = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/**
 * The newest messages of a history, as the page shows them: each with its text and calls (the
 * CLI's reading of every message format), and its tool pairs found by the history rules' own
 * reading of shapes (`classifyMessage`), so the page flags exactly what the rules call an
 * orphan. `firstIndex` is the index of `messages[0]` in the whole history: when earlier
 * messages were not loaded, a result whose call is not in the window is marked `callEarlier`,
 * not orphaned.
 */
export function showMessages(messages: readonly Message[], firstIndex: number): ShownMessage[] {
  const openedAt = new Map<string, number>();
  const answered = new Set<string>();
  const shown = messages.map((message, i): ShownMessage => {
    const index = firstIndex + i;
    const v = viewOf(message);
    const calls: ShownCall[] = v.calls.map((c) => {
      const args = plain(c.args);
      return { name: plain(c.name ?? '?'), args: args.slice(0, SHOWN_CHARS), ...(args.length > SHOWN_CHARS ? { argsChars: args.length } : {}), ...(c.id === undefined ? {} : { id: plain(c.id) }) };
    });
    return {
      index,
      message,
      kind: v.kind,
      text: v.text.slice(0, SHOWN_CHARS),
      ...(v.text.length > SHOWN_CHARS ? { textChars: v.text.length } : {}),
      calls,
      ...(v.answers === undefined ? {} : { answers: plain(v.answers) }),
      result: v.result,
      pairs: [],
      orphan: false,
      callEarlier: false,
      unanswered: [],
    };
  });
  const shapes = messages.map((m) => classifyMessage(m));
  let lastUnnamedCaller: number | undefined;
  shapes.forEach((s, i) => {
    const here = shown[i] as ShownMessage;
    for (const id of s.opens) openedAt.set(id, i);
    for (const id of s.closes) {
      const at = openedAt.get(id);
      if (at === undefined) {
        if (firstIndex > 0) here.callEarlier = true;
        else here.orphan = true;
        continue;
      }
      answered.add(`${at}:${id}`);
      link(shown, at, i);
    }
    if (s.follows) {
      // a result that names no call answers the calls of the message before it
      if (i === 0 && firstIndex === 0) here.orphan = true;
      else if (i === 0) here.callEarlier = true;
      else if (lastUnnamedCaller !== undefined) link(shown, lastUnnamedCaller, i);
    } else lastUnnamedCaller = s.unnamedCalls ? i : undefined;
  });
  shapes.forEach((s, i) => {
    (shown[i] as ShownMessage).unanswered = s.opens.filter((id) => openedAt.get(id) === i && !answered.has(`${i}:${id}`));
  });
  return shown;
}

function link(shown: ShownMessage[], call: number, result: number): void {
  const c = shown[call] as ShownMessage;
  const r = shown[result] as ShownMessage;
  if (!c.pairs.includes(r.index)) c.pairs.push(r.index);
  if (!r.pairs.includes(c.index)) r.pairs.push(c.index);
}

/** A message in one line: who, the tools it calls, the call it answers, its text (diff lists). */
export function messageLine(message: Message): string {
  const v = viewOf(message);
  const calls = v.calls.length > 0 ? ` → ${v.calls.map((c) => `${plain(c.name ?? '?')}(${short(plain(c.args), 160)})`).join(', ')}` : '';
  const answers = v.answers === undefined ? '' : ` ← ${plain(v.answers)}`;
  return short(`${v.kind}${calls}${answers}${v.text === '' ? '' : `: ${short(v.text, 160)}`}`, LINE_CHARS);
}

/** The longest diff line: the message itself is in the history beside it (its "show all"). */
const LINE_CHARS = 600;

function short(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}… (${(s.length - max + 1).toLocaleString('en-US')} more characters)` : s;
}
