/** A JSON-lines file, line by line, with what could not be read said (never thrown). */
export interface JsonLine {
  /** 1-based. */
  line: number;
  value?: unknown;
  /** Set when the line is not JSON: 'partial' for a cut-off last line, 'corrupt' otherwise. */
  error?: 'partial' | 'corrupt';
}

/** Non-blank lines of `text`, parsed. A last line without its newline that does not parse is 'partial'. */
export function readJsonLines(text: string): JsonLine[] {
  const raw = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  const out: JsonLine[] = [];
  raw.forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      out.push({ line: i + 1, value: JSON.parse(l) as unknown });
    } catch {
      out.push({ line: i + 1, error: i === raw.length - 1 && !endsWithNewline ? 'partial' : 'corrupt' });
    }
  });
  return out;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
