import type { ModelVersion } from '@microscope/contracts';
import type { BlobStore } from '@microscope/storage';
import { ModelCache, type LoadedModel } from './model-cache';

/** The cache's lifetime rules, with stand-in models whose disposal is observed. */
describe('ModelCache', () => {
  const version = (n: number) => ({ contentHash: `hash-${n}`, input: { height: 8, width: 8, channels: 1 } }) as ModelVersion;
  const disposed: string[] = [];
  let loads: string[];
  const cache = (capacity: number) =>
    new ModelCache({} as BlobStore, capacity, async (v) => {
      loads.push(v.contentHash);
      return { ir: {}, executor: { dispose: () => disposed.push(v.contentHash) } } as unknown as LoadedModel;
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  beforeEach(() => {
    disposed.length = 0;
    loads = [];
  });

  it('keeps the most recently used versions and disposes the one it evicts', async () => {
    const models = cache(2);
    await models.get(version(1));
    await models.get(version(2));
    await models.get(version(1)); // 1 is now the most recent
    await models.get(version(3));
    await settle();
    expect(disposed).toEqual(['hash-2']);
    await models.get(version(1));
    expect(loads).toEqual(['hash-1', 'hash-2', 'hash-3']);
  });

  it('disposes an evicted model only when the job holding it ends', async () => {
    const models = cache(1);
    let finish!: () => void;
    const running = models.hold(async () => {
      await models.get(version(1));
      await new Promise<void>((resolve) => (finish = resolve));
    });
    await settle();
    // Another job loads other versions meanwhile: version 1 leaves the cache but is still in use.
    await models.hold(async () => {
      await models.get(version(2));
      await models.get(version(3));
    });
    await settle();
    expect(disposed).toEqual(['hash-2']);
    finish();
    await running;
    await settle();
    expect(disposed).toEqual(['hash-2', 'hash-1']);
  });

  it('disposes everything it holds on dispose()', async () => {
    const models = cache(3);
    await models.get(version(1));
    await models.get(version(2));
    models.dispose();
    await settle();
    expect(disposed.sort()).toEqual(['hash-1', 'hash-2']);
  });
});
