import { randomUUID } from 'node:crypto';
import { MicroscopeError, type Dataset, type DatasetImage } from '@microscope/contracts';
import { catalogNow, type Catalog } from '@microscope/catalog';
import { normalizeImage } from '@microscope/imaging';
import type { BlobStore } from '@microscope/storage';

export interface IncomingImage {
  /** File name, for error messages and ordering. */
  name: string;
  bytes: Buffer;
  /** Class label, where the source has one. */
  label?: string;
}

/**
 * Decodes every image (an undecodable one fails the whole registration, naming the file), stores each as a
 * canonical PNG under `datasets/<datasetId>/<imageHash>.png` and registers the dataset. Image order is the order
 * given, which becomes the stable row index of every activation matrix. On failure the stored images are removed.
 */
export async function registerDataset(
  deps: { catalog: Catalog; blobs: BlobStore },
  input: { studyId: string; name: string; description?: string },
  images: AsyncIterable<IncomingImage> | Iterable<IncomingImage>,
  onProgress?: (done: number) => void,
): Promise<Dataset> {
  if (await deps.catalog.findDataset(input.studyId, input.name)) {
    throw new MicroscopeError('CONFLICT', `dataset "${input.name}" already exists in this study`);
  }
  const id = randomUUID();
  const prefix = `datasets/${id}/`;
  const stored: DatasetImage[] = [];
  try {
    for await (const image of images) {
      const normalized = await normalizeImage(image.bytes, image.name);
      const key = `${prefix}${normalized.contentHash}.png`;
      await deps.blobs.put(key, normalized.png, { contentType: 'image/png' });
      stored.push({
        datasetId: id,
        index: stored.length,
        contentHash: normalized.contentHash,
        key,
        width: normalized.width,
        height: normalized.height,
        channels: normalized.channels,
        label: image.label ?? '',
      });
      onProgress?.(stored.length);
    }
    if (!stored.length) throw new MicroscopeError('INVALID_INPUT', `dataset "${input.name}" has no images`);
    const dataset: Dataset = {
      id,
      studyId: input.studyId,
      name: input.name,
      description: input.description ?? '',
      imageCount: stored.length,
      createdAt: catalogNow(),
    };
    await deps.catalog.addDataset(dataset, stored);
    return dataset;
  } catch (e) {
    await deps.blobs.deletePrefix(prefix);
    throw e;
  }
}

/** Image files we accept in a dataset upload, by extension. */
export const IMAGE_FILE = /\.(png|jpe?g|webp|gif|tiff?|bmp)$/i;
