import { MicroscopeError } from '@microscope/contracts';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Where an importer reads a model's files from. Names are relative to the model's root (model.json and the shard
 * paths its manifest lists); the app wires this to the blob store, tests and the CLI to a folder.
 * A missing file rejects with MicroscopeError('NOT_FOUND').
 */
export interface ModelFiles {
  readText(name: string): Promise<string>;
  readBinary(name: string): Promise<Uint8Array>;
}

/** Joins a manifest path onto the folder of the file that lists it, refusing paths that climb out of the model. */
export function resolveModelPath(fromFile: string, relative: string): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), relative));
  if (joined.startsWith('../') || joined === '..' || path.posix.isAbsolute(joined)) {
    throw new MicroscopeError('INVALID_MODEL', `the path "${relative}" points outside the model's files`);
  }
  return joined;
}

const notFound = (name: string, cause?: unknown): MicroscopeError =>
  new MicroscopeError('NOT_FOUND', `the model file "${name}" is missing`, { cause });

/** Model files in a folder on disk. */
export function folderModelFiles(dir: string): ModelFiles {
  const root = path.resolve(dir);
  const locate = (name: string): string => {
    const full = path.resolve(root, name);
    if (full !== root && !full.startsWith(root + path.sep)) {
      throw new MicroscopeError('INVALID_MODEL', `the path "${name}" points outside the model folder`);
    }
    return full;
  };
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(locate(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(name, e);
      throw e;
    }
  };
  return {
    readText: async (name) => (await read(name)).toString('utf8'),
    readBinary: async (name) => new Uint8Array(await read(name)),
  };
}

/** Model files held in memory (uploads before they are stored, tests). */
export function memoryModelFiles(files: Record<string, string | Uint8Array>): ModelFiles {
  const get = (name: string): string | Uint8Array => {
    const f = files[path.posix.normalize(name)];
    if (f === undefined) throw notFound(name);
    return f;
  };
  return {
    readText: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? f : Buffer.from(f).toString('utf8');
    },
    readBinary: async (name) => {
      const f = get(name);
      return typeof f === 'string' ? new Uint8Array(Buffer.from(f, 'utf8')) : f;
    },
  };
}
