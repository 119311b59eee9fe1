import { readdir, readFile } from 'node:fs/promises';

/**
 * The page's scripts: the compiled modules of src/inspect/client, next to this file in the
 * package (dist/src/inspect/client/*.js). Only files found there at first use are ever served,
 * read once and kept: a request names a file, never a path.
 */
let assets: Promise<Map<string, string>> | undefined;

async function load(): Promise<Map<string, string>> {
  const dir = new URL('./client/', import.meta.url);
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out; // run from the sources without a build: the page has no script
  }
  for (const name of names) if (/^[a-z-]+\.js$/.test(name)) out.set(name, await readFile(new URL(name, dir), 'utf8'));
  return out;
}

export async function clientAsset(name: string): Promise<string | undefined> {
  assets ??= load();
  return (await assets).get(name);
}

/** The names of the page's script files. */
export async function clientAssetNames(): Promise<string[]> {
  assets ??= load();
  return [...(await assets).keys()].sort();
}
